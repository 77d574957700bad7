import autocannon from 'autocannon'
import { Pool, request as undiciRequest } from 'undici'
import { head } from '../contracts/head.js'
import type { SyntheticBundle } from './synthetic.js'

/** A core with @fastify/http-proxy and evergate in front of it: the demo's, or the synthetic bundle's. */
export type Stack = 'demo' | 'synthetic'
/**
 * `bare`: evergate with release management off (no policy, no usage counting), the same code
 * otherwise. The forwarders: forwarding alone, on node:http or in a Fastify route, for scale
 * (forwarders.ts).
 */
export type Via = 'direct' | 'proxy' | 'node-forwarder' | 'fastify-forwarder' | 'evergate' | 'bare'

export interface HttpRequest {
  method: 'GET' | 'POST'
  path: string
  headers: Record<string, string>
  body?: string
}

export interface Scenario {
  id: string
  stack: Stack
  via: Via
  /** The request the core receives; scenarios of one group share their baselines (direct, http-proxy). */
  group: string
  request: HttpRequest
  /** The contract version the gateway must answer with. */
  contract?: string
  /** Body-touching changes the client runs (synthetic bundle only). */
  changes?: number
  /** Checked once before measuring, so a misrouted scenario never produces figures. */
  verify?: (body: any) => boolean
}

export interface Measurement {
  /** Completed requests per second. */
  rps: number
  p50: number
  p99: number
  requests: number
  errors: number
  non2xx: number
  /** Fixed rate only: how late the generator sent (p99, ms), already included in the latencies. */
  sendLagP99?: number
  /** Closed loop: CPU time per request in the measured seconds, µs (see CpuPerRequest). */
  cpu?: CpuPerRequest
}

/**
 * Where the box's CPU went, per request answered. Everything runs on the same cores, so a
 * throughput ratio is also shaped by what the core and the load generator take: CPU per request
 * is the gateway's own cost, whatever the others did.
 */
export interface CpuPerRequest {
  /** The server the load was sent to: the core itself for direct, else the proxy or gateway. */
  server: number
  /** The core behind it; absent for direct. */
  core?: number
  /** This process: autocannon and the harness. */
  load: number
}

/** The demo's head: its clients are the ones the gateway only passes through. */
export const HEAD = head.version
const BOOKMARK = JSON.stringify({ article_id: 'art_001', folder: 'Reading' })
const BOOKMARK_BEFORE_3 = JSON.stringify({ article_id: 'art_001' })

function get (path: string, version: string): HttpRequest {
  return { method: 'GET', path, headers: { 'x-app-version': version } }
}

function post (path: string, version: string, body: string): HttpRequest {
  return { method: 'POST', path, headers: { 'x-app-version': version, 'content-type': 'application/json' }, body }
}

/**
 * The request to the core directly and through @fastify/http-proxy. Baselines send head's
 * request, version header included, so the core receives the same bytes whichever way it came.
 */
function baselines (stack: Stack, group: string, request: HttpRequest): Scenario[] {
  return [
    { id: `direct ${group}`, stack, via: 'direct', group, request },
    { id: `http-proxy ${group}`, stack, via: 'proxy', group, request }
  ]
}

/** What forwarding alone costs, on node:http and in a Fastify route: what no gateway on them goes below. */
export const FORWARDERS = { 'node-forwarder': 'node:http forwarder', 'fastify-forwarder': 'Fastify forwarder' } as const

function forwarders (stack: Stack, group: string, request: HttpRequest): Scenario[] {
  return Object.entries(FORWARDERS).map(([via, name]) => ({ id: `${name} ${group}`, stack, via: via as Via, group, request }))
}

function client (stack: Stack, group: string, request: HttpRequest, verify: Scenario['verify']): Scenario {
  const version = request.headers['x-app-version']
  return { id: `evergate ${version} ${group}`, stack, via: 'evergate', group, request, contract: version, verify }
}

/** The same client against the gateway with release management off: what policy and usage cost. */
export const BARE_SUFFIX = ' (release management off)'
function bare (scenario: Scenario): Scenario {
  return { ...scenario, id: scenario.id + BARE_SUFFIX, via: 'bare' }
}

export function demoScenarios (): Scenario[] {
  const articles = get('/articles', HEAD)
  const bookmark = post('/bookmarks', HEAD, BOOKMARK)
  // Head: no step touches the response, which streams through unparsed.
  const head = client('demo', 'GET /articles', articles, (b) => Array.isArray(b.items))
  // The whole demo chain: a page of 20 parsed, three response steps, serialised again.
  const full = client('demo', 'GET /articles', get('/articles', '1.0.0'), (b) => Array.isArray(b) && b.every((a: object) => !('kind' in a)))
  return [
    ...baselines('demo', 'GET /articles', articles),
    ...forwarders('demo', 'GET /articles', articles),
    head,
    full,
    bare(head),
    bare(full),
    ...baselines('demo', 'GET /users/me', get('/users/me', HEAD)),
    // A 2.3.0 client on a route no later change touches: it streams, like head.
    client('demo', 'GET /users/me', get('/users/me', '2.3.0'), (b) => typeof b.first_name === 'string'),
    ...baselines('demo', 'POST /bookmarks', bookmark),
    // Head's body is validated and forwarded byte for byte; 2.3.0's runs a request step (folder added).
    client('demo', 'POST /bookmarks', bookmark, (b) => b.folder === 'Reading'),
    client('demo', 'POST /bookmarks', post('/bookmarks', '2.3.0', BOOKMARK_BEFORE_3), (b) => b.folder === 'Saved')
  ]
}

/** Baselines on the synthetic core, then one client per chain length, N changes behind head. */
export function chainScenarios (bundle: SyntheticBundle, lengths: readonly number[]): Scenario[] {
  const group = 'GET /item'
  return [
    ...baselines('synthetic', group, get('/item', bundle.clientVersion(0))),
    ...lengths.map((n) => ({
      id: `evergate chain ${n}`,
      stack: 'synthetic' as const,
      via: 'evergate' as const,
      group,
      request: get('/item', bundle.clientVersion(n)),
      contract: bundle.clientVersion(n),
      changes: n,
      // Exactly the last N amounts came back in pounds: every step ran, and ran on the body.
      verify: (b: Record<string, unknown>) => Object.keys(b).filter((k) => /^amount_\d+$/.test(k)).length === n
    }))
  ]
}

export async function preflight (url: string, scenario: Scenario): Promise<void> {
  const { method, path, headers, body } = scenario.request
  const res = await undiciRequest(url + path, { method, headers, body })
  const text = await res.body.text()
  const fail = (why: string) => new Error(`${scenario.id}: ${why} (${res.statusCode} ${text.slice(0, 200)})`)
  if (res.statusCode < 200 || res.statusCode >= 300) throw fail('not a 2xx')
  if (scenario.contract !== undefined && res.headers['x-contract-version'] !== scenario.contract) {
    throw fail(`served by contract ${String(res.headers['x-contract-version'])}, not ${scenario.contract}`)
  }
  if (scenario.verify !== undefined && !scenario.verify(JSON.parse(text))) throw fail('unexpected body')
}

/** Percentile of a sample in ms, nearest rank. */
function percentile (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

function summarise (latencies: ArrayLike<number>, seconds: number, errors: number, non2xx: number): Measurement {
  const sorted = Float64Array.from(latencies).sort()
  return {
    rps: sorted.length / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    requests: sorted.length,
    errors,
    non2xx
  }
}

export interface ClosedLoopOptions {
  connections: number
  /** Load before the measured seconds, on the same connections; its errors count, nothing else. */
  prerollSeconds?: number
  seconds: number
  /**
   * Instead of `seconds`, this many requests whatever they take (no pre-roll): a quick run then
   * measures something even on a box too busy to answer one request in its half second.
   */
  requests?: number
  /** Called when the pre-roll ends and the measured seconds begin. */
  onMeasuring?: () => void
}

/**
 * Peak throughput: every connection sends its next request as soon as the previous answer is
 * in (pipelining 1). Latencies are taken from each response rather than from autocannon's
 * histogram, which keeps whole milliseconds only.
 */
export function closedLoop (url: string, requests: readonly HttpRequest[], { connections, prerollSeconds = 0, seconds, requests: amount, onMeasuring }: ClosedLoopOptions): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = []
    const start = performance.now()
    if (onMeasuring !== undefined) setTimeout(onMeasuring, prerollSeconds * 1000)
    const instance = autocannon({
      url,
      // Each connection sends these in turn, over and over.
      requests: [...requests],
      connections,
      pipelining: 1,
      ...(amount === undefined ? { duration: prerollSeconds + seconds } : { amount }),
      // A run ends on a sample boundary: at the default 1 s, a half-second run would last a second.
      sampleInt: 250
    }, (err, result) => {
      if (err !== null && err !== undefined) return reject(err)
      resolve(summarise(latencies, result.duration - prerollSeconds, result.errors, result.non2xx))
    })
    instance.on('response', (_client, _status, _bytes, ms) => {
      if (performance.now() - start >= prerollSeconds * 1000) latencies.push(ms)
    })
  })
}

export interface FixedRateOptions {
  rate: number
  /** Sent at the same rate just before the measured seconds, on the same connections; not recorded. */
  prerollSeconds: number
  seconds: number
  /** Upper bound on requests in flight; more are queued in the pool, and the wait counts. */
  connections: number
  /** Called as the first measured request is sent: CPU is metered from there. */
  onMeasuring?: () => void
}

/**
 * Latency at a fixed arrival rate (open loop, as wrk2 does): request i is due at start + i/rate
 * whether or not earlier ones have been answered, and its latency runs from when it was due.
 * A stall therefore shows in every request it delayed instead of in one (coordinated omission).
 *
 * autocannon's overallRate is not used for this: it gives each connection a quota per second,
 * which the connections spend back to back at the start of every second (bursts, not a rate),
 * and records whole milliseconds only.
 */
export async function fixedRate (url: string, request: HttpRequest, { rate, prerollSeconds, seconds, connections, onMeasuring }: FixedRateOptions): Promise<Measurement> {
  const skip = Math.round(rate * prerollSeconds)
  const total = skip + Math.max(1, Math.round(rate * seconds))
  const interval = 1000 / rate
  const latencies = new Float64Array(total)
  const lags = new Float64Array(total)
  const pool = new Pool(new URL(url).origin, { connections, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 })
  const { method, path, headers, body } = request
  let errors = 0
  let non2xx = 0
  let completed = 0

  const start = performance.now()
  await new Promise<void>((resolve) => {
    let sent = 0
    const settle = () => { if (++completed === total) resolve() }
    const send = (i: number) => {
      if (i === skip) onMeasuring?.()
      const due = start + i * interval
      lags[i] = performance.now() - due
      pool.request({ method, path, headers, body })
        .then(async (res) => {
          await res.body.dump()
          if (res.statusCode < 200 || res.statusCode >= 300) non2xx++
        })
        .catch(() => { errors++ })
        .finally(() => {
          latencies[i] = performance.now() - due
          settle()
        })
    }
    // Timers fire late by up to a few ms; each tick sends everything that has come due since.
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1)
      while (sent < due) send(sent++)
      if (sent < total) setTimeout(tick, 1)
    }
    tick()
  })
  const elapsed = (performance.now() - start) / 1000 - prerollSeconds
  await pool.close()
  const result = summarise(latencies.subarray(skip), elapsed, errors, non2xx)
  return { ...result, sendLagP99: percentile(lags.subarray(skip).sort(), 0.99) }
}
