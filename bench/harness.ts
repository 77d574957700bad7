import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chainScenarios, closedLoop, demoScenarios, fixedRate, HEAD, preflight, type CpuPerRequest, type Measurement, type Scenario, type Stack, type Via } from './load.js'
import { gatewayStore, storeKind, type StoreKind } from './database.js'
import { median } from './median.js'
import { withProcesses, type ProcessGroup, type ServerProcess } from './processes.js'
import { evaluateTargets, machineInfo, sourceInfo } from './report.js'
import type { BenchResults, Memory, ScenarioResult, Settings } from './results.js'
import { microbench, writeSyntheticBundle, type MicroPoint, type SyntheticBundle } from './synthetic.js'

export const FULL: Settings = {
  rounds: 3,
  prerollSeconds: 1,
  closedSeconds: 5,
  fixedSeconds: 8,
  connections: 32,
  rateFraction: 0.5,
  fixedConnections: 64,
  chainLengths: [0, 1, 5, 10, 20],
  microIterations: 20_000,
  rssEveryMs: 500
}

// Keeps the harness working in the test suite; its figures mean nothing.
export const QUICK: Settings = {
  ...FULL,
  rounds: 1,
  prerollSeconds: 0,
  closedSeconds: 0.5,
  closedRequests: 200,
  fixedSeconds: 0.5,
  chainLengths: [0, 1, 5],
  microIterations: 500
}

export interface BenchOptions {
  quick?: boolean
  /** Only the scenarios whose id matches (`--only`), to iterate on one cost; targets judge what ran. */
  only?: RegExp
  /** Progress lines; silent by default. */
  log?: (line: string) => void
}

export type Servers = Record<Stack, Record<Via, ServerProcess>>

const STACKS: readonly Stack[] = ['demo', 'synthetic']

const MB = 1024 * 1024

function medianOf (rounds: Measurement[]): Measurement {
  const sum = (key: 'requests' | 'errors' | 'non2xx') => rounds.reduce((total, m) => total + m[key], 0)
  const out: Measurement = {
    rps: median(rounds.map((m) => m.rps)),
    p50: median(rounds.map((m) => m.p50)),
    p99: median(rounds.map((m) => m.p99)),
    requests: sum('requests'),
    errors: sum('errors'),
    non2xx: sum('non2xx')
  }
  const lags = rounds.flatMap((m) => m.sendLagP99 === undefined ? [] : [m.sendLagP99])
  if (lags.length > 0) out.sendLagP99 = median(lags)
  const cpus = rounds.flatMap((m) => m.cpu === undefined ? [] : [m.cpu])
  if (cpus.length === rounds.length && cpus.length > 0) {
    out.cpu = { server: median(cpus.map((c) => c.server)), load: median(cpus.map((c) => c.load)) }
    const cores = cpus.flatMap((c) => c.core === undefined ? [] : [c.core])
    if (cores.length === cpus.length) out.cpu.core = median(cores)
  }
  return out
}

function ownCpu (): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

/**
 * CPU time used by a scenario's server, the core behind it (if another process) and this process,
 * from when `begin` is called (the end of the pre-roll) to `perRequest`; undefined if never begun.
 */
function cpuMeter (server: ServerProcess, core: ServerProcess | undefined) {
  const read = () => Promise.all([server.cpu(), core?.cpu() ?? 0, ownCpu()])
  let from: Promise<number[]> | undefined
  return {
    begin: () => {
      from = read()
      // Awaited in perRequest; a failed read must not count as unhandled before then.
      from.catch(() => {})
    },
    async perRequest (requests: number): Promise<CpuPerRequest | undefined> {
      if (from === undefined || requests === 0) return undefined
      const [[s0, c0, l0], [s1, c1, l1]] = await Promise.all([from, read()])
      const cpu: CpuPerRequest = { server: (s1 - s0) / requests, load: (l1 - l0) / requests }
      if (core !== undefined) cpu.core = (c1 - c0) / requests
      return cpu
    }
  }
}

/**
 * Samples a gateway's RSS while it is under load; returns the peak in bytes when stopped, which
 * takes one last sample, so a load shorter than the interval is sampled too.
 */
function watchRss (server: ServerProcess, everyMs: number): () => Promise<number> {
  let peak = 0
  const sample = () => server.rss().then((rss) => { peak = Math.max(peak, rss) })
  // A failed read only loses one sample; a dead server fails the run through its errors.
  const timer = setInterval(() => { sample().catch(() => {}) }, everyMs)
  return async () => {
    clearInterval(timer)
    await sample().catch(() => {})
    return peak
  }
}

async function startStack (group: ProcessGroup, workDir: string, stack: Stack, bundle: SyntheticBundle): Promise<Record<Via, ServerProcess>> {
  const synthetic = stack === 'synthetic'
  const direct = await group.start(synthetic ? 'synthetic-core' : 'core')
  // Each gateway gets a store of its own, so no two share state and the run leaves nothing behind.
  const store = await gatewayStore(workDir, stack, group)
  const gateway = { upstream: direct.url, bundle: synthetic ? bundle.url : undefined }
  const [proxy, nodeForwarder, fastifyForwarder, evergate, bare] = await Promise.all([
    group.start('proxy', { upstream: direct.url }),
    group.start('node-forwarder', { upstream: direct.url }),
    group.start('fastify-forwarder', { upstream: direct.url }),
    group.start('evergate', { ...gateway, env: store.env }),
    group.start('evergate', { ...gateway, env: { EVERGATE_RELEASE_MANAGEMENT: 'false' } })
  ])
  return { direct, proxy, 'node-forwarder': nodeForwarder, 'fastify-forwarder': fastifyForwarder, evergate, bare }
}

/** Two stacks of core, http-proxy and gateway; `workDir` is a temp directory, removed by the caller. */
export async function startServers (group: ProcessGroup, workDir: string, bundle: SyntheticBundle): Promise<Servers> {
  // Settled, not Promise.all: if one stack fails, the other has finished starting (and registered
  // what to clean up) before the caller stops the group.
  const [demo, synthetic] = await Promise.allSettled(STACKS.map((stack) => startStack(group, workDir, stack, bundle)))
  if (demo.status === 'rejected') throw demo.reason
  if (synthetic.status === 'rejected') throw synthetic.reason
  return { demo: demo.value, synthetic: synthetic.value }
}

/** `onMeasuring`: for a measure that meters CPU, called when its measured seconds begin. */
type Measure = (url: string, scenario: Scenario, onMeasuring: () => void) => Promise<Measurement>

interface Run {
  servers: Servers
  settings: Settings
  log: (line: string) => void
}

/** Runs each scenario once per round, interleaved (A B C A B C), tracking the gateways' peak RSS and CPU per request. */
async function interleave ({ servers, settings, log }: Run, scenarios: Scenario[], measure: Measure): Promise<ScenarioResult[]> {
  const results = scenarios.map(({ id, stack, via, group, changes }) =>
    ({ id, stack, via, group, changes, rounds: [] as Measurement[], peakRssMb: undefined as number | undefined }))
  for (let round = 0; round < settings.rounds; round++) {
    for (const [i, scenario] of scenarios.entries()) {
      const server = servers[scenario.stack][scenario.via]
      const stopWatch = scenario.via === 'evergate' || scenario.via === 'bare' ? watchRss(server, settings.rssEveryMs) : null
      const meter = cpuMeter(server, scenario.via === 'direct' ? undefined : servers[scenario.stack].direct)
      const m = await measure(server.url, scenario, meter.begin)
      const cpu = await meter.perRequest(m.requests)
      if (cpu !== undefined) m.cpu = cpu
      if (stopWatch !== null) results[i].peakRssMb = Math.max(results[i].peakRssMb ?? 0, await stopWatch() / MB)
      results[i].rounds.push(m)
      log(`  round ${round + 1} ${scenario.id}: ${Math.round(m.rps)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms`)
    }
  }
  return results.map((r) => ({ ...r, median: medianOf(r.rounds) }))
}

async function memoryOf (servers: Servers, boot: Map<Stack, number>, byMode: Record<string, ScenarioResult[]>): Promise<Memory> {
  const measured = Object.entries(byMode).flatMap(([mode, list]) =>
    list.flatMap((r) => r.peakRssMb === undefined || r.via !== 'evergate' ? [] : [{ stack: r.stack, during: `${mode}, ${r.id}`, mb: r.peakRssMb }]))
  const memory = { gateways: {}, coresEndMb: {} } as Memory
  for (const stack of STACKS) {
    const top = measured.filter((m) => m.stack === stack).sort((a, b) => b.mb - a.mb)[0]
    memory.gateways[stack] = { bootMb: (boot.get(stack) ?? 0) / MB, peakMb: top?.mb ?? 0, peakDuring: top?.during ?? 'none' }
    memory.coresEndMb[stack] = await servers[stack].direct.rss() / MB
  }
  return memory
}

function problemsOf (mode: string, results: ScenarioResult[]): string[] {
  return results.flatMap((r) => r.rounds.flatMap((m, i) => m.errors > 0 || m.non2xx > 0
    ? [`${mode} ${r.id} round ${i + 1}: ${m.errors} errors, ${m.non2xx} non-2xx`]
    : []))
}

/**
 * One whole run: the servers in their own processes, every scenario closed loop then at a fixed
 * rate, the synthetic chain lengths, the in-process microbenchmark, and the targets. Every child is
 * stopped and the temp directory removed, whatever happens.
 */
export async function runBench ({ quick = false, only, log = () => {} }: BenchOptions = {}): Promise<BenchResults> {
  const settings = quick ? QUICK : FULL
  // Read before the servers load the code: the tree may change while the run goes on.
  const source = sourceInfo()
  return await withProcesses('bench', async (group, workDir) => {
    await mkdir(join(workDir, 'synthetic'))
    const bundle = await writeSyntheticBundle(join(workDir, 'synthetic'), Math.max(...settings.chainLengths))
    log('starting two cores, each with @fastify/http-proxy and evergate in front, every server in its own process')
    const servers = await startServers(group, workDir, bundle)
    const wanted = (s: Scenario) => only === undefined || only.test(s.id)
    const demo = demoScenarios().filter(wanted)
    const chains = chainScenarios(bundle, settings.chainLengths).filter(wanted)
    const all = [...demo, ...chains]
    for (const scenario of all) await preflight(servers[scenario.stack][scenario.via].url, scenario)
    const boot = new Map<Stack, number>()
    for (const stack of STACKS) boot.set(stack, await servers[stack].evergate.rss())

    const run: Run = { servers, settings, log }

    const { connections, prerollSeconds } = settings
    const closed: Measure = (url, s, onMeasuring) =>
      closedLoop(url, [s.request], { connections, prerollSeconds, seconds: settings.closedSeconds, requests: settings.closedRequests, onMeasuring })
    log(`closed loop: ${settings.rounds} rounds of ${settings.closedSeconds} s, ${connections} connections`)
    const closedLoopResults = await interleave(run, all, closed)

    // The headline: CPU per request at one fixed rate below every server's saturation, a fraction
    // of the slowest peak among the demo's proxies and gateways (the core alone is faster). Without
    // the head client (--only), no fixed-rate rounds.
    const atRate = closedLoopResults.some((r) => r.id === `evergate ${HEAD} GET /articles`) ? demo : []
    const slowest = Math.min(...closedLoopResults.filter((r) => r.via !== 'direct' && atRate.some((s) => s.id === r.id)).map((r) => r.median.rps))
    const rate = atRate.length === 0 ? 0 : Math.max(1, Math.round(slowest * settings.rateFraction))
    const fixed: Measure = (url, s, onMeasuring) => fixedRate(url, s.request,
      { rate, prerollSeconds, seconds: settings.fixedSeconds, connections: settings.fixedConnections, onMeasuring })
    if (atRate.length > 0) log(`fixed rate: ${rate} req/s, ${settings.rounds} rounds of ${settings.fixedSeconds} s`)
    const fixedResults = await interleave(run, atRate, fixed)

    log('in-process microbenchmark of the chain steps')
    const micro = await microbench(bundle, settings.chainLengths, settings.microIterations)
    const restSpread = await writeSyntheticBundle(join(workDir, 'rest-spread'), bundle.changes, 'rest-spread')
    const microRestSpread = await microbench(restSpread, settings.chainLengths, settings.microIterations)

    const memory = await memoryOf(servers, boot, { 'closed loop': closedLoopResults, 'fixed rate': fixedResults })
    const problems = [...problemsOf('closed loop', closedLoopResults), ...problemsOf('fixed rate', fixedResults)]
    const results: Omit<BenchResults, 'targets'> = {
      date: new Date().toISOString(),
      quick,
      machine: machineInfo(),
      source,
      settings,
      closedLoop: closedLoopResults,
      fixedRate: { rate, scenarios: fixedResults },
      micro,
      microRestSpread,
      database: storeKind(),
      only: only?.source,
      memory,
      problems,
      valid: problems.length === 0
    }
    return { ...results, targets: evaluateTargets(results) }
  })
}
