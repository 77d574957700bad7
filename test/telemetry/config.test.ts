import t from 'tap'
import { loadConfig } from '../../src/config.js'

t.test('no endpoint, or OTEL_SDK_DISABLED: no tracing', async (t) => {
  t.equal(loadConfig({}).tracing, null)
  t.equal(loadConfig({ OTEL_SERVICE_NAME: 'gateway', OTEL_TRACES_SAMPLER: 'always_on' }).tracing, null, 'only an endpoint turns it on')
  t.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing, null)
})

t.test('the endpoint: the collector\'s root, or the traces URL as it is', async (t) => {
  const url = (env: Record<string, string>) => loadConfig(env).tracing?.url
  t.equal(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), 'http://collector:4318/v1/traces')
  t.equal(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example/otlp/' }), 'https://otlp.example/otlp/v1/traces', 'under its path')
  t.equal(url({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' }), 'http://collector:4318/custom', 'nothing added')
  t.equal(url({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/v1/traces' }), 'http://b:4318/v1/traces',
    'the signal\'s own wins')
})

t.test('defaults: protobuf, every request of a trace the client did not drop, the service named evergate', async (t) => {
  const tracing = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing
  t.same(tracing, {
    url: 'http://collector:4318/v1/traces',
    protocol: 'http/protobuf',
    headers: {},
    resource: { 'service.name': 'evergate' },
    sampler: 'parentbased_always_on',
    samplerRatio: 1
  })
})

t.test('headers, resource attributes, protocol and sampler', async (t) => {
  const tracing = loadConfig({
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=abc%3D%3D, x-team=pulse',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-team=gateway',
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes,deployment.environment.name=prod%20eu',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.25'
  }).tracing
  t.same(tracing?.headers, { 'x-api-key': 'abc==', 'x-team': 'gateway' }, 'percent-decoded; the signal\'s own win')
  t.same(tracing?.resource, { 'service.name': 'from-attributes', 'deployment.environment.name': 'prod eu' })
  t.equal(tracing?.protocol, 'http/json')
  t.equal(tracing?.sampler, 'parentbased_traceidratio')
  t.equal(tracing?.samplerRatio, 0.25)
  t.same(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SERVICE_NAME: 'edge', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' }).tracing?.resource,
    { 'service.name': 'edge' }, 'OTEL_SERVICE_NAME wins over the attributes')
})

t.test('bad values stop the start with a message naming the variable', async (t) => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }
  t.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }), /OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" is not an http\(s\) URL/)
  t.throws(() => loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }), /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: .* is not an http\(s\) URL/)
  t.throws(() => loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), /OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not http\/protobuf or http\/json: the gateway exports over HTTP/)
  t.throws(() => loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' }), /OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "thrift"/)
  t.throws(() => loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_HEADERS: 'authorization' }), /OTEL_EXPORTER_OTLP_HEADERS: "authorization" is not key=value/)
  t.throws(() => loadConfig({ ...endpoint, OTEL_RESOURCE_ATTRIBUTES: 'team=%E0%A4%A' }), /OTEL_RESOURCE_ATTRIBUTES: "team=%E0%A4%A" is not key=value/)
  t.throws(() => loadConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'jaeger_remote' }), /OTEL_TRACES_SAMPLER: "jaeger_remote" is not one of always_on/)
  t.throws(() => loadConfig({ ...endpoint, OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10%' }), /OTEL_TRACES_SAMPLER_ARG: "10%" is not a ratio/)
  t.throws(() => loadConfig({ ...endpoint, OTEL_SDK_DISABLED: 'maybe' }), /OTEL_SDK_DISABLED/)
})
