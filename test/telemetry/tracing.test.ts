import type { IncomingHttpHeaders } from 'node:http'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import bundle from '../../versions/index.js'
import { buildCore } from '../../demo/core.js'
import { call, urlOf } from '../helpers/gateway.js'
import { attributes, startCollector, type OtlpSpan } from '../helpers/otlp.js'

// A client that is itself traced: its trace, and the span of its call to the gateway.
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const CLIENT_SPAN = '00f067aa0ba902b7'
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`

/** The demo core, noting the headers of every request it gets. */
async function startWatchedCore (t: Test) {
  const seen: IncomingHttpHeaders[] = []
  const core = buildCore()
  core.addHook('onRequest', (request, _reply, done) => {
    seen.push(request.headers)
    done()
  })
  await core.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => core.close())
  return { url: urlOf(core), seen, core }
}

/** A gateway that exports to `collector`; closing it exports the spans still batched. */
async function tracedGateway (t: Test, coreUrl: string, env: Record<string, string>) {
  const config = loadConfig({ CORE_URL: coreUrl, LOG_LEVEL: 'silent', EVERGATE_RELEASE_MANAGEMENT: 'false', ...env })
  const app = await buildApp({ config, bundle, logger: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  let closed = false
  t.teardown(async () => { if (!closed) await app.close() })
  return { url: urlOf(app), close: async () => { closed = true; await app.close() } }
}

const byName = <S extends OtlpSpan>(spans: S[], name: string): S[] => spans.filter((s) => s.name === name)

t.test('one request, traced end to end: its span, its three stages, and the core in the same trace', async (t) => {
  const collector = await startCollector(t)
  const core = await startWatchedCore(t)
  const gateway = await tracedGateway(t, core.url, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'evergate-test',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test'
  })
  // A 1.0.0 build renames its profile: PUT /profile runs a request chain up to PATCH /users/me and
  // a response chain back down.
  const res = await call(gateway.url, '/profile', {
    method: 'PUT',
    version: '1.0.0',
    json: { name: 'Ada Lovelace' },
    headers: { traceparent: TRACEPARENT, tracestate: 'pulse=ios' }
  })
  t.equal(res.status, 200)
  t.equal(res.json.name, 'Ada Lovelace')
  t.equal(collector.exports.length, 0, 'spans are batched, not sent one by one')
  await gateway.close()

  const spans = collector.spans().filter((s) => s.traceId === TRACE_ID)
  const [request] = byName(spans, 'PUT /profile')
  t.ok(request, 'the request\'s span, in the client\'s trace')
  t.equal(request.parentSpanId, CLIENT_SPAN, 'a child of the client\'s span')
  t.equal(request.kind, 2, 'a server span')
  t.match(attributes(request), {
    'evergate.app_version': '1.0.0',
    'evergate.contract': '1.0.0',
    'evergate.route': 'PUT /profile',
    'http.route': '/profile',
    'http.request.method': 'PUT',
    'http.response.status_code': 200
  })
  t.same(request.resource['service.name'], 'evergate-test')
  t.same(request.resource['deployment.environment.name'], 'test')

  const stages = ['request chain', 'core call', 'response chain'].map((name) => {
    const found = byName(spans, name)
    t.equal(found.length, 1, `one ${name} span`)
    t.equal(found[0]?.parentSpanId, request.spanId, `${name}: a child of the request's span`)
    t.match(attributes(found[0]), { 'evergate.contract': '1.0.0', 'evergate.route': 'PUT /profile' })
    return found[0]
  })
  const coreCall = stages[1]
  t.equal(coreCall.kind, 3, 'the core call is a client span')
  t.match(attributes(coreCall), { 'http.request.method': 'PATCH', 'url.template': '/users/me', 'http.response.status_code': 200, 'evergate.upstream': 'core' })
  t.equal(spans.length, 4, 'no span per Fastify hook')

  t.equal(core.seen.length, 1)
  t.equal(core.seen[0].traceparent, `00-${TRACE_ID}-${coreCall.spanId}-01`, 'the core is called by the core call\'s span, and only it')
  t.equal(core.seen[0].tracestate, 'pulse=ios', 'the trace state goes on with the trace')
})

t.test('a request without a traceparent starts a trace, and the core continues it', async (t) => {
  const collector = await startCollector(t)
  const core = await startWatchedCore(t)
  const gateway = await tracedGateway(t, core.url, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })
  t.equal((await call(gateway.url, '/users/me', { version: '3.0.0' })).status, 200)
  await gateway.close()
  const [request] = byName(collector.spans(), 'GET /users/me')
  t.equal(request.parentSpanId ?? '', '', 'a root span')
  t.equal(request.resource['service.name'], 'evergate')
  t.same(byName(collector.spans(), 'request chain'), [], 'a head client runs no chain: no span for it')
  const [coreCall] = byName(collector.spans(), 'core call')
  t.equal(core.seen[0].traceparent, `00-${request.traceId}-${coreCall.spanId}-01`)
  t.equal(core.seen[0].tracestate, undefined)
})

t.test('failed requests: status ERROR and the gateway\'s error code, on the request and on the stage that failed', async (t) => {
  const collector = await startCollector(t)
  const core = await startWatchedCore(t)
  const gateway = await tracedGateway(t, core.url, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })
  t.equal((await call(gateway.url, '/profile', { version: '0.9.0' })).status, 426, 'older than every contract')
  t.equal((await call(gateway.url, '/profile', { version: 'v' })).status, 400, 'not a version')
  t.equal((await call(gateway.url, '/articles/nope', { version: '3.0.0' })).status, 404, 'the core\'s own 404')
  await core.core.close()
  const down = await call(gateway.url, '/users/me', { version: '3.0.0' })
  t.equal(down.status, 502)
  await gateway.close()

  const spans = collector.spans()
  const requests = spans.filter((s) => s.kind === 2)
  const failed = (code: string) => requests.find((s) => attributes(s)['evergate.error_code'] === code)
  for (const code of ['EVG_ERR_VERSION_UNSUPPORTED', 'EVG_ERR_VERSION_INVALID', 'EVG_ERR_UPSTREAM_UNREACHABLE']) {
    const span = failed(code)
    t.ok(span, `a request span with ${code}`)
    t.equal(span?.status.code, 2, `${code}: status ERROR`)
    t.equal(span === undefined ? undefined : attributes(span)['error.type'], code)
  }
  t.equal(attributes(failed('EVG_ERR_VERSION_UNSUPPORTED') as OtlpSpan)['evergate.app_version'], '0.9.0')

  const notFound = requests.find((s) => s.name === 'GET /articles/:id') as OtlpSpan
  t.equal(attributes(notFound)['http.response.status_code'], 404)
  t.equal(attributes(notFound)['evergate.error_code'], undefined, 'the core\'s answer is no error of the gateway\'s')
  t.not(notFound.status.code, 2, 'and a 4xx the server passes on is no server error')
  const notFoundCall = spans.find((s) => s.name === 'core call' && s.parentSpanId === notFound.spanId) as OtlpSpan
  t.equal(notFoundCall.status.code, 2, 'a client span that got a 404 failed, by the HTTP conventions')

  const unreachable = failed('EVG_ERR_UPSTREAM_UNREACHABLE') as OtlpSpan
  const [call502] = spans.filter((s) => s.name === 'core call' && s.parentSpanId === unreachable.spanId)
  t.equal(call502?.status.code, 2, 'the core call that failed is closed, failed')
  t.equal(attributes(call502)['evergate.error_code'], 'EVG_ERR_UPSTREAM_UNREACHABLE')
})

t.test('protobuf, the protocol\'s default encoding, reaches the collector too', async (t) => {
  const collector = await startCollector(t)
  const core = await startWatchedCore(t)
  const gateway = await tracedGateway(t, core.url, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url })
  t.equal((await call(gateway.url, '/users/me', { version: '3.0.0', headers: { traceparent: TRACEPARENT } })).status, 200)
  await gateway.close()
  t.equal(collector.exports.length, 1)
  const [{ contentType, body }] = collector.exports
  t.equal(contentType, 'application/x-protobuf')
  t.ok((body as Buffer).includes(Buffer.from(TRACE_ID, 'hex')), 'the client\'s trace id, as protobuf carries it')
  t.ok((body as Buffer).includes(Buffer.from('GET /users/me')), 'and the request\'s span')
})

t.test('health and readiness probes are not traced', async (t) => {
  const collector = await startCollector(t)
  const core = await startWatchedCore(t)
  const gateway = await tracedGateway(t, core.url, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })
  t.equal((await call(gateway.url, '/_evergate/health')).status, 200)
  t.equal((await call(gateway.url, '/_evergate/ready?probe=1')).status, 200)
  t.equal((await call(gateway.url, '/_evergate/changelog')).status, 200)
  await gateway.close()
  t.same(collector.spans().map((s) => s.name), ['GET /_evergate/changelog'])
})

t.test('sampling: a trace dropped is not exported, and the core is told so', async (t) => {
  const collector = await startCollector(t)
  const core = await startWatchedCore(t)
  const none = await tracedGateway(t, core.url, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_SAMPLER: 'always_off' })
  t.equal((await call(none.url, '/users/me', { version: '3.0.0', headers: { traceparent: TRACEPARENT } })).status, 200)
  await none.close()
  t.same(collector.spans(), [])
  t.match(core.seen[0].traceparent, new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`), 'the same trace, not sampled')

  // A client's sampled trace is kept whatever the ratio says of new ones.
  const ratio = await tracedGateway(t, core.url, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0'
  })
  t.equal((await call(ratio.url, '/users/me', { version: '3.0.0', headers: { traceparent: TRACEPARENT } })).status, 200)
  t.equal((await call(ratio.url, '/users/me', { version: '3.0.0' })).status, 200)
  await ratio.close()
  t.same(collector.spans().map((s) => s.traceId), [TRACE_ID, TRACE_ID], 'the client\'s trace only: its request and its core call')
})

t.test('an export that fails is in the gateway\'s log, and the gateway still closes', async (t) => {
  const core = await startWatchedCore(t)
  // A port that was just free: nothing listens there.
  const gone = await startCollector(t)
  await gone.close()
  const lines: Array<Record<string, unknown>> = []
  const config = loadConfig({ CORE_URL: core.url, EVERGATE_RELEASE_MANAGEMENT: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: gone.url })
  const app = await buildApp({ config, bundle, logger: { level: 'warn', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.equal((await call(urlOf(app), '/users/me', { version: '3.0.0' })).status, 200)
  const started = Date.now()
  await app.close()
  t.ok(Date.now() - started < 2000, 'within its share of a shutdown\'s grace')
  t.ok(lines.some((l) => l.level === 40 && String(l.msg).startsWith('closing without the last spans')), 'a warning says the spans were not exported')
})

t.test('the request\'s log line carries its trace id', async (t) => {
  const collector = await startCollector(t)
  const core = await startWatchedCore(t)
  const lines: Array<Record<string, unknown>> = []
  const config = loadConfig({ CORE_URL: core.url, EVERGATE_RELEASE_MANAGEMENT: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: collector.url })
  const app = await buildApp({ config, bundle, logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  t.equal((await call(urlOf(app), '/users/me', { version: '3.0.0', headers: { traceparent: TRACEPARENT } })).status, 200)
  t.equal(lines.find((l) => l.msg === 'request')?.traceId, TRACE_ID)
})
