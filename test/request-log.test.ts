import t from 'tap'
import Fastify from 'fastify'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { RequestLogger } from '../src/request-log.js'
import bundle from '../versions/index.js'
import { call, HEAD, startCore, urlOf } from './helpers/gateway.js'
import { pgSchema } from './helpers/database.js'

t.test('health and readiness probes write no request line; traffic does', async (t) => {
  // A Docker HEALTHCHECK every 10 s and a kubelet's probes on every pod buried the traffic.
  const { url: coreUrl } = await startCore(t)
  const lines: Array<Record<string, unknown>> = []
  const stream = { write: (line: string) => { lines.push(JSON.parse(line)) } }
  const config = loadConfig({ CORE_URL: coreUrl, EVERGATE_RELEASE_MANAGEMENT: 'false' })
  const app = await buildApp({ config, bundle, logger: { level: 'info', stream } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const url = urlOf(app)
  for (let i = 0; i < 3; i++) {
    t.equal((await call(url, '/_evergate/health')).status, 200)
    t.equal((await call(url, '/_evergate/ready')).status, 200)
    t.equal((await call(url, '/_evergate/health?probe=kubelet', { headers: { 'user-agent': 'kube-probe/1.31' } })).status, 200)
  }
  t.equal((await call(url, '/articles', { version: '3.0.0' })).status, 200)
  t.equal((await call(url, '/_evergate/changelog')).status, 200)
  const requests = lines.filter((l) => l.msg === 'request').map((l) => l.url)
  t.same(requests, ['/articles', '/_evergate/changelog'], 'the gateway\'s other endpoints are still logged')
})

t.test('each line says what the release policy says of the build, and the gateway\'s error code', async (t) => {
  const { url: coreUrl } = await startCore(t)
  const lines: Array<Record<string, unknown>> = []
  const stream = { write: (line: string) => { lines.push(JSON.parse(line)) } }
  const config = loadConfig({ CORE_URL: coreUrl, EVERGATE_USAGE_FLUSH_MS: '60000', ...await pgSchema(t) })
  const app = await buildApp({ config, bundle, logger: { level: 'info', stream } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  await app.release.repository.createRule({ platform: null, range: '<2.0.0', status: 'deprecated', deprecation_date: null, sunset_date: null, message: null, upgrade_url: null }, 'test')
  await app.release.repository.createRule({ platform: null, range: '<1.5.0', status: 'retired', deprecation_date: null, sunset_date: null, message: null, upgrade_url: null }, 'test')
  await app.release.store.refresh()
  const url = urlOf(app)
  const cases = [
    { version: HEAD, status: 200, policyStatus: 'supported', errorCode: null },
    { version: '1.6.0', status: 200, policyStatus: 'deprecated', errorCode: null },
    { version: '1.2.0', status: 426, policyStatus: 'retired', errorCode: 'EVG_ERR_APP_RETIRED' },
    { version: '0.9.0', status: 426, policyStatus: 'retired', errorCode: 'EVG_ERR_VERSION_UNSUPPORTED' },
    { version: 'nine', status: 400, policyStatus: null, errorCode: 'EVG_ERR_VERSION_INVALID' }
  ]
  for (const { version, status } of cases) t.equal((await call(url, '/articles', { version })).status, status, version)
  t.equal((await call(url, '/articles/none', { version: HEAD })).status, 404)
  const requests = lines.filter((l) => l.msg === 'request' || l.msg === 'request failed')
  t.same(requests.map(({ policyStatus, errorCode }) => ({ policyStatus, errorCode })), [
    ...cases.map(({ policyStatus, errorCode }) => ({ policyStatus, errorCode })),
    { policyStatus: 'supported', errorCode: null }
  ], 'the core\'s own 404 is no error code of the gateway\'s')
  t.equal(requests[0].traceId, undefined, 'no trace id while tracing is off')
})

t.test('every line of a request carries its id, as a pino child would write it', async (t) => {
  const { url: coreUrl } = await startCore(t)
  const lines: string[] = []
  const stream = { write: (line: string) => { lines.push(line) } }
  const config = loadConfig({ CORE_URL: coreUrl, EVERGATE_RELEASE_MANAGEMENT: 'false' })
  const app = await buildApp({ config, bundle, logger: { level: 'info', stream } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const url = urlOf(app)
  const ok = await call(url, '/articles', { version: HEAD, headers: { 'x-request-id': 'req-ok' } })
  t.equal(ok.headers['x-request-id'], 'req-ok')
  // Refused by the gateway's error handler: its error line, then the request's line.
  const bad = await call(url, '/bookmarks', { method: 'POST', version: HEAD, body: '{"article_id":', headers: { 'x-request-id': 'req-bad', 'content-type': 'application/json' } })
  t.equal(bad.status, 400)
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  t.same(parsed.filter((l) => l.reqId === 'req-ok').map((l) => l.msg), ['request'])
  t.same(parsed.filter((l) => l.reqId === 'req-bad').map((l) => l.msg), [bad.json.error.message, 'request'])
  // Bindings first, then the line's own fields: the order a child's line has, which log shippers may parse by.
  const line = lines.find((l) => l.includes('"req-ok"')) as string
  t.match(line, /^\{"level":30,"time":\d+,"pid":\d+,"hostname":"[^"]*","reqId":"req-ok","method":"GET","url":"\/articles",/)
})

t.test('a request\'s logger makes its pino child only when something is written through it', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const { log: parent } = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  let children = 0
  const child = parent.child.bind(parent)
  parent.child = ((...args: Parameters<typeof child>) => { children++; return child(...args) }) as typeof parent.child
  const log = RequestLogger.make.call(null, parent, { reqId: 'r1' }, {})
  log.info({ a: 1 }, 'below the level')
  log.line('info', { a: 2 }, 'below the level too')
  t.equal(children, 0, 'nothing written, no child')
  t.equal(log.level, 'warn', 'the parent\'s level')
  log.line('error', { a: 3 }, 'the request line')
  t.equal(children, 0, 'the request line goes through the parent')
  log.warn({ a: 4 }, 'written')
  log.error(new Error('boom'))
  t.equal(children, 1, 'one child, once something is written')
  t.same(lines.map(({ reqId, a, msg }) => ({ reqId, a, msg })), [
    { reqId: 'r1', a: 3, msg: 'the request line' },
    { reqId: 'r1', a: 4, msg: 'written' },
    { reqId: 'r1', a: undefined, msg: 'boom' }
  ])
  log.level = 'info'
  log.info('now written')
  t.equal(lines.at(-1)?.msg, 'now written', 'a level set on it is its own')
  t.equal(parent.level, 'warn', 'and not the parent\'s')
  t.equal(RequestLogger.make.call(null, parent, { reqId: 'r2' }, { level: 'debug' }).level, 'debug', 'a route\'s own level makes the child at once')
})
