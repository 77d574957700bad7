import t from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
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
