// Tracing's settings, read from the standard OpenTelemetry variables (the config schema in
// ../config.ts lists each). Nothing here loads the SDK: that happens only once an endpoint is set.

/** How spans go to the collector: OTLP over HTTP, as protobuf (the specification's default) or JSON. */
export type OtlpProtocol = 'http/protobuf' | 'http/json'

/** The samplers of OTEL_TRACES_SAMPLER the gateway offers: the specification's, less the remote ones (jaeger_remote, xray). */
export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const
export type SamplerName = typeof SAMPLERS[number]

/** The service name spans carry when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names one. */
export const DEFAULT_SERVICE_NAME = 'evergate'

export interface TracingConfig {
  /** Where the spans are POSTed: the traces endpoint as given, or the endpoint with `/v1/traces`. */
  url: string
  protocol: OtlpProtocol
  /** Sent with every export (a hosted backend's API key, say). */
  headers: Record<string, string>
  /** The resource's attributes: service.name and OTEL_RESOURCE_ATTRIBUTES. */
  resource: Record<string, string>
  sampler: SamplerName
  /** The share of new traces kept by the ratio samplers, 0 to 1. */
  samplerRatio: number
}

/** The OpenTelemetry variables, as the config schema has read them. */
export interface TracingEnv {
  OTEL_SDK_DISABLED: boolean
  OTEL_SERVICE_NAME: string
  OTEL_RESOURCE_ATTRIBUTES: string
  OTEL_EXPORTER_OTLP_ENDPOINT: string
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: string
  OTEL_EXPORTER_OTLP_PROTOCOL: string
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: string
  OTEL_EXPORTER_OTLP_HEADERS: string
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: string
  OTEL_TRACES_SAMPLER: string
  OTEL_TRACES_SAMPLER_ARG: string
}

function httpUrl (name: string, value: string): URL {
  const url = URL.canParse(value) ? new URL(value) : null
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new Error(`${name}: "${value}" is not an http(s) URL`)
  return url
}

/**
 * `key=value,key=value`, each part percent-encoded: the format of OTEL_EXPORTER_OTLP_HEADERS and
 * OTEL_RESOURCE_ATTRIBUTES (the W3C Baggage list, without properties).
 */
function keyValues (name: string, list: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of list.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const eq = entry.indexOf('=')
    try {
      if (eq <= 0) throw new Error('no key')
      out[decodeURIComponent(entry.slice(0, eq).trim())] = decodeURIComponent(entry.slice(eq + 1).trim())
    } catch {
      throw new Error(`${name}: "${entry}" is not key=value (percent-encoded)`)
    }
  }
  return out
}

function protocolOf (name: string, value: string): OtlpProtocol {
  if (value === 'http/protobuf' || value === 'http/json') return value
  const hint = value === 'grpc' ? ': the gateway exports over HTTP; the collector takes it on port 4318' : ''
  throw new Error(`${name}: "${value}" is not http/protobuf or http/json${hint}`)
}

/**
 * Tracing as the variables ask for it, or null when it is off: no endpoint is set, or
 * OTEL_SDK_DISABLED is true. The signal-specific variables win over the general ones.
 */
export function tracingConfig (env: TracingEnv): TracingConfig | null {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.trim()
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT.trim()
  if (env.OTEL_SDK_DISABLED || (traces === '' && base === '')) return null
  let url: string
  if (traces !== '') {
    url = httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces).href
  } else {
    // The general endpoint is the collector's root: each signal has its path under it.
    const root = httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base)
    url = new URL(`${root.pathname.replace(/\/$/, '')}/v1/traces`, root).href
  }
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL !== ''
    ? protocolOf('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)
    : protocolOf('OTEL_EXPORTER_OTLP_PROTOCOL', env.OTEL_EXPORTER_OTLP_PROTOCOL)
  const sampler = env.OTEL_TRACES_SAMPLER as SamplerName
  if (!SAMPLERS.includes(sampler)) throw new Error(`OTEL_TRACES_SAMPLER: "${sampler}" is not one of ${SAMPLERS.join(', ')}`)
  const ratio = env.OTEL_TRACES_SAMPLER_ARG === '' ? 1 : Number(env.OTEL_TRACES_SAMPLER_ARG)
  if (sampler.endsWith('traceidratio') && !(ratio >= 0 && ratio <= 1)) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG: "${env.OTEL_TRACES_SAMPLER_ARG}" is not a ratio from 0 to 1`)
  }
  const resource = keyValues('OTEL_RESOURCE_ATTRIBUTES', env.OTEL_RESOURCE_ATTRIBUTES)
  // OTEL_SERVICE_NAME wins over a service.name among the attributes, as the specification says.
  const serviceName = env.OTEL_SERVICE_NAME.trim() !== '' ? env.OTEL_SERVICE_NAME.trim() : resource['service.name'] ?? DEFAULT_SERVICE_NAME
  return {
    url,
    protocol,
    headers: {
      ...keyValues('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS),
      ...keyValues('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS)
    },
    resource: { ...resource, 'service.name': serviceName },
    sampler,
    samplerRatio: ratio
  }
}
