import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../../src/app.js'
import { contractSampler } from '../../src/compatibility/sampling.js'
import { loadConfig } from '../../src/config.js'
import { buildPlans, loadBundle, type RoutePlan, type RouteTarget } from '../../src/engine/index.js'
import { createMetrics, type Metrics } from '../../src/metrics.js'
import type { CoreResponse } from '../../src/proxy/exchange.js'
import bundle from '../../versions/index.js'
import { call, urlOf } from '../helpers/gateway.js'

const article = { id: 'art_001', title: 'Reading #1', kind: 'article', published_at: '2026-06-30T08:30:00.000Z', price_cents: 149, currency: 'GBP' }
const user = { id: 'usr_1', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@pulse.example', avatar_url: null, created_at: '2024-03-01T09:00:00.000Z' }

/** A core that broke head's contract: articles without summary (the list streamed, in pieces), bookmarks as text. */
async function brokenCore (t: { teardown (fn: () => unknown): void }): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/articles') {
      res.writeHead(200, { 'content-type': 'application/json' }) // no length: the gateway streams it
      res.write('{"items":[')
      setTimeout(() => res.end(`${JSON.stringify(article)}],"next_cursor":null}`), 10)
    } else if (req.url?.startsWith('/articles/') === true) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(article))
    } else if (req.url === '/users/me') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(user))
    } else res.writeHead(200, { 'content-type': 'text/plain' }).end('bookmarks')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function gateway (t: { teardown (fn: () => unknown): void }, rate: string) {
  const metrics = createMetrics()
  const logs: Array<Record<string, unknown>> = []
  const config = loadConfig({ CORE_URL: await brokenCore(t), EVERGATE_RELEASE_MANAGEMENT: 'false', EVERGATE_CONTRACT_SAMPLE_RATE: rate })
  const logger = { level: 'warn', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } }
  const app = await buildApp({ config, bundle, metrics, logger })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return { url: urlOf(app), metrics, logs }
}

async function violations (metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.contractViolations.get()
  return Object.fromEntries(values.map((v) => [`${v.labels.route} ${v.labels.status}`, v.value]))
}

/** The check runs after the answer: wait until it has. */
async function settled (metrics: Metrics, expected: Record<string, number>): Promise<Record<string, number>> {
  for (let i = 0; i < 100; i++) {
    const now = await violations(metrics)
    if (JSON.stringify(now) === JSON.stringify(expected)) return now
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return await violations(metrics)
}

t.test('at rate 1, every core answer outside head\'s contract is counted, each kind logged once', async (t) => {
  const { url, metrics, logs } = await gateway(t, '1')
  for (let i = 0; i < 3; i++) {
    const res = await call(url, '/articles/art_001', { version: '3.0.0' })
    t.same(res.json, article, 'the client gets the core\'s answer as it was')
  }
  t.equal((await call(url, '/articles/art_001', { version: '2.3.0' })).status, 200, 'a translated answer is checked too, as the core sent it')
  for (let i = 0; i < 2; i++) {
    const res = await call(url, '/articles', { version: '3.0.0' })
    t.same(res.json, { items: [article], next_cursor: null }, 'a streamed body passes whole')
  }
  t.equal((await call(url, '/bookmarks', { version: '3.0.0' })).text, 'bookmarks')
  t.equal((await call(url, '/users/me', { version: '3.0.0' })).status, 200)

  t.same(await settled(metrics, { 'GET /articles/:id 200': 4, 'GET /articles 200': 2, 'GET /bookmarks 200': 1 }),
    { 'GET /articles/:id 200': 4, 'GET /articles 200': 2, 'GET /bookmarks 200': 1 }, 'a valid answer counts nothing')
  t.match(await metrics.registry.getSingleMetricAsString('evergate_contract_violations_total'),
    /evergate_contract_violations_total\{contract="3\.0\.0",route="GET \/articles\/:id",status="200"\} 4/)
  const warned = logs.filter((l) => l.level === 40)
  t.same(warned.map((l) => [l.route, l.instancePath]), [['GET /articles/:id', ''], ['GET /articles', '/items/0'], ['GET /bookmarks', '']], 'one line per kind')
  t.match(warned[0], { contract: '3.0.0', status: 200, violation: 'must have required property \'summary\'', msg: 'the core answered GET /articles/:id outside contract 3.0.0: the body must have required property \'summary\'' })
  t.match(warned[2], { msg: /GET \/bookmarks outside contract 3\.0\.0: the body is not JSON/ })
})

t.test('at rate 0 no answer is checked', async (t) => {
  const { url, metrics, logs } = await gateway(t, '0')
  t.equal((await call(url, '/articles/art_001', { version: '3.0.0' })).status, 200)
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.same(await violations(metrics), {})
  t.same(logs, [])
})

t.test('what is not sampled, or has nothing to read, is left alone', async (t) => {
  const plans = buildPlans(await loadBundle(bundle))
  const plan = plans.contracts.at(-1)?.routes.find((r) => r.route === 'GET /users/me') as RoutePlan & { target: RouteTarget }
  const metrics = createMetrics()
  const log = { warn: () => t.fail('nothing to log') } as any
  const res = (statusCode: number, body: Buffer | Readable, headers: Record<string, string> = {}): CoreResponse =>
    ({ statusCode, headers, headersAt: 0, body })
  const notJson = Buffer.from('<html>')

  const halfOf = contractSampler({ rate: 0.5, plans, metrics, log, maxBytes: 10, random: () => 0.7 })?.(plan)
  const unsampled = res(200, notJson)
  t.equal(halfOf?.(unsampled), unsampled, 'not in the sample')
  t.equal(contractSampler({ rate: 0, plans, metrics, log, maxBytes: 10 }), null, 'rate 0: no watcher at all')

  const watch = contractSampler({ rate: 1, plans, metrics, log, maxBytes: 10 })?.(plan)
  watch?.(res(304, notJson))
  watch?.(res(200, notJson, { 'content-encoding': 'gzip' }))
  watch?.(res(401, Buffer.alloc(0)))
  const big = watch?.(res(200, Readable.from([notJson, notJson]))) as CoreResponse
  t.equal(Buffer.concat(await (big.body as Readable).toArray()).toString(), '<html><html>', 'a body over maxBytes streams on, unchecked')
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.same(await violations(metrics), {})
})

t.test('EVERGATE_CONTRACT_SAMPLE_RATE is a share, 0 by default', async (t) => {
  t.equal(loadConfig({}).contractSampleRate, 0)
  t.equal(loadConfig({ EVERGATE_CONTRACT_SAMPLE_RATE: '0.01' }).contractSampleRate, 0.01)
  for (const bad of ['1.5', '-0.1', 'some']) t.throws(() => loadConfig({ EVERGATE_CONTRACT_SAMPLE_RATE: bad }), /EVERGATE_CONTRACT_SAMPLE_RATE/, bad)
})
