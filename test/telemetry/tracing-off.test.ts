import { createRequire } from 'node:module'
import type { IncomingHttpHeaders } from 'node:http'
import t from 'tap'
import { buildCore } from '../../demo/core.js'
import { call, startGateway, urlOf } from '../helpers/gateway.js'
import { startCollector } from '../helpers/otlp.js'

// A file of its own: once any gateway here turns tracing on, its modules stay loaded.

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'

/**
 * The OpenTelemetry SDK's modules loaded so far (CommonJS, so Node's CommonJS loader knows them all).
 * Not @opentelemetry/api, the no-op facade, which prom-client's process metrics load for themselves.
 */
const loaded = () => Object.keys(createRequire(import.meta.url).cache)
  .filter((file) => (file.includes('/@opentelemetry/') && !file.includes('/@opentelemetry/api/')) || file.includes('/@fastify/otel/'))

t.test('tracing off: a client\'s trace context reaches the core as it sent it, and nothing of the SDK is loaded', async (t) => {
  const seen: IncomingHttpHeaders[] = []
  const core = buildCore()
  core.addHook('onRequest', (request, _reply, done) => { seen.push(request.headers); done() })
  await core.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => core.close())
  const coreUrl = urlOf(core)

  const { url } = await startGateway(t, coreUrl)
  t.equal((await call(url, '/profile', { version: '1.0.0', headers: { traceparent: TRACEPARENT, tracestate: 'pulse=ios' } })).status, 200)
  t.equal(seen[0].traceparent, TRACEPARENT)
  t.equal(seen[0].tracestate, 'pulse=ios')
  t.same(loaded(), [], 'no module of the SDK')

  const collector = await startCollector(t)
  const disabled = await startGateway(t, coreUrl, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SDK_DISABLED: 'true' } })
  t.equal((await call(disabled.url, '/profile', { version: '1.0.0', headers: { traceparent: TRACEPARENT } })).status, 200)
  t.equal(seen[1].traceparent, TRACEPARENT, 'OTEL_SDK_DISABLED turns tracing off, whatever the endpoint')
  t.same(loaded(), [], 'and loads nothing either')

  // The same look sees the SDK once tracing is on: the checks above can fail.
  const traced = await startGateway(t, coreUrl, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } })
  t.equal((await call(traced.url, '/profile', { version: '1.0.0', headers: { traceparent: TRACEPARENT } })).status, 200)
  t.ok(loaded().some((file) => file.includes('/@fastify/otel/')))
  t.not(seen[2].traceparent, TRACEPARENT, 'traced, the core is called by the gateway\'s own span')
})
