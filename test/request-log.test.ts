import t from 'tap'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import bundle from '../versions/index.js'
import { call, startCore, urlOf } from './helpers/gateway.js'

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
