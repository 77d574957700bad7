import proxyAddr from '@fastify/proxy-addr'
import { Type, type Static } from '@sinclair/typebox'
import envSchema from 'env-schema'
import type { UpstreamOptions } from './proxy/upstreams.js'
import { tracingConfig, type TracingConfig } from './telemetry/config.js'

// Everything the gateway reads from the environment, with its default. Checked once at start:
// a bad value stops the process with a message that names the variable.
export const EnvSchema = Type.Object({
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535 }),
  HOST: Type.String({ default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  /** The core service (upstream `core`), when one service owns every route. */
  CORE_URL: Type.String({ default: 'http://127.0.0.1:8090' }),
  /** More core services, for routes whose head contract names another upstream: `search=http://...,media=http://...`. */
  EVERGATE_UPSTREAMS: Type.String({ default: '' }),
  EVERGATE_VERSION_HEADER: Type.String({ default: 'x-app-version', minLength: 1 }),
  EVERGATE_PLATFORM_HEADER: Type.String({ default: 'x-app-platform', minLength: 1 }),
  /** The platforms your apps ship on; any other value of the header counts as `other`. */
  EVERGATE_PLATFORMS: Type.String({ default: 'ios,android,web' }),
  /**
   * Where each platform's users update (`ios=https://apps.apple.com/...,android=https://play.google.com/...`):
   * the upgrade URL of the 426 answers and app-status when no rule names one.
   */
  EVERGATE_STORE_URLS: Type.String({ default: '' }),
  /** With no version header: `head`, `reject`, or a contract version to serve. */
  EVERGATE_MISSING_VERSION: Type.String({ default: 'head' }),
  /**
   * The product names of your apps in User-Agent (`Pulse`, as in `Pulse/3.2.1 (iPhone; iOS 17.0)`):
   * with no version header, the version is read from those tokens only; none named: no fallback.
   */
  EVERGATE_USER_AGENT_APPS: Type.String({ default: '' }),
  /** `false` turns the User-Agent fallback off while keeping the names; it reads nothing without them. */
  EVERGATE_USER_AGENT_FALLBACK: Type.Optional(Type.Boolean()),
  EVERGATE_BODY_LIMIT: Type.Integer({ default: 1048576, minimum: 1 }),
  /**
   * On SIGTERM, how long to go on accepting and serving, /ready saying 503, before closing: the
   * time a load balancer takes to stop sending here (Kubernetes removes endpoints as it signals).
   */
  EVERGATE_DRAIN_DELAY_MS: Type.Integer({ default: 0, minimum: 0 }),
  /** The longest a client may take to send a whole request (headers and body); then a 408. */
  EVERGATE_REQUEST_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 1 }),
  /**
   * The load balancers in front of the gateway, whose word on the client (X-Forwarded-For, -Proto,
   * -Host) is taken: addresses and CIDRs, or `true` (any peer at all); empty: none.
   */
  EVERGATE_TRUST_PROXY: Type.String({ default: '' }),
  /** The largest core response read whole to translate for an older client; past it, a 502. */
  EVERGATE_TRANSLATE_LIMIT: Type.Integer({ default: 10485760, minimum: 1 }),
  /**
   * The share of core answers (0 to 1) checked against head's contract, after the client has its
   * answer: violations are counted in evergate_contract_violations_total. 0 (the default) checks none.
   */
  EVERGATE_CONTRACT_SAMPLE_RATE: Type.Number({ default: 0, minimum: 0, maximum: 1 }),
  EVERGATE_UPSTREAM_CONNECTIONS: Type.Integer({ default: 64, minimum: 1 }),
  EVERGATE_CONNECT_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 1 }),
  EVERGATE_HEADERS_TIMEOUT_MS: Type.Integer({ default: 15000, minimum: 1 }),
  EVERGATE_BODY_TIMEOUT_MS: Type.Integer({ default: 15000, minimum: 1 }),
  EVERGATE_KEEP_ALIVE_MS: Type.Integer({ default: 4000, minimum: 1 }),
  /** Release policies, usage and metrics; off only to measure what they cost. */
  EVERGATE_RELEASE_MANAGEMENT: Type.Boolean({ default: true }),
  /** PostgreSQL; without it, an embedded PostgreSQL (PGlite) keeps its data in EVERGATE_DATA_DIR. */
  DATABASE_URL: Type.String({ default: '' }),
  DATABASE_SCHEMA: Type.String({ default: '' }),
  EVERGATE_DATA_DIR: Type.String({ default: '.evergate-data' }),
  EVERGATE_POLICY_CHANNEL: Type.String({ default: 'evergate_policies', pattern: '^[a-z_][a-z0-9_]{0,62}$' }),
  EVERGATE_POLICY_POLL_MS: Type.Integer({ default: 1000, minimum: 50 }),
  EVERGATE_USAGE_FLUSH_MS: Type.Integer({ default: 10000, minimum: 50 }),
  EVERGATE_USAGE_MAX_KEYS: Type.Integer({ default: 50000, minimum: 1 }),
  /**
   * App versions counted by name per day, platform and instance, beyond those known (contracts,
   * releases announced, versions in use); the rest count as "other". Clients can make up versions.
   */
  EVERGATE_USAGE_MAX_NEW_VERSIONS: Type.Integer({ default: 1000, minimum: 1 }),
  /** Days of usage kept; older days are deleted. At least the 30 that decide which versions are in use. */
  EVERGATE_USAGE_RETENTION_DAYS: Type.Integer({ default: 400, minimum: 31 }),
  ADMIN_PORT: Type.Integer({ default: 8081, minimum: 0, maximum: 65535 }),
  ADMIN_HOST: Type.String({ default: '127.0.0.1' }),
  /** The admin API's bearer token; with none, the admin API is off. */
  EVERGATE_ADMIN_TOKEN: Type.String({ default: '' }),
  // Tracing (docs/observability.md): the standard OpenTelemetry variables. With no endpoint set,
  // none of the OpenTelemetry SDK is loaded.
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.String({
    default: '',
    description: 'The OTLP/HTTP collector (http://otel-collector:4318): spans go to its /v1/traces. Empty, with no traces endpoint either: no tracing'
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.String({
    default: '',
    description: 'The URL spans are sent to, used as it is (no /v1/traces added); wins over OTEL_EXPORTER_OTLP_ENDPOINT'
  }),
  OTEL_EXPORTER_OTLP_PROTOCOL: Type.String({
    default: 'http/protobuf',
    description: 'How spans are encoded: http/protobuf or http/json (grpc is not offered)'
  }),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: Type.String({ default: '', description: 'The same for spans only; wins over OTEL_EXPORTER_OTLP_PROTOCOL' }),
  OTEL_EXPORTER_OTLP_HEADERS: Type.String({
    default: '',
    description: 'Headers sent with every export, key=value,key=value, percent-encoded (a hosted backend\'s API key)'
  }),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: Type.String({ default: '', description: 'The same for spans only; added to OTEL_EXPORTER_OTLP_HEADERS, and wins on the same key' }),
  OTEL_SERVICE_NAME: Type.String({ default: '', description: 'service.name of the spans; empty: the service.name of OTEL_RESOURCE_ATTRIBUTES, else evergate' }),
  OTEL_RESOURCE_ATTRIBUTES: Type.String({
    default: '',
    description: 'More attributes of every span\'s resource, key=value,key=value, percent-encoded (deployment.environment.name=production)'
  }),
  OTEL_TRACES_SAMPLER: Type.String({
    default: 'parentbased_always_on',
    description: 'Which requests are traced: always_on, always_off, traceidratio, or parentbased_ of one of them (a request whose traceparent says sampled or not is kept or not as it says)'
  }),
  OTEL_TRACES_SAMPLER_ARG: Type.String({ default: '', description: 'The share of requests the traceidratio samplers keep, 0 to 1; empty: 1' }),
  OTEL_SDK_DISABLED: Type.Boolean({ default: false, description: 'true turns tracing off whatever endpoint is set' })
})

export type Env = Static<typeof EnvSchema>

export interface GatewayConfig {
  port: number
  host: string
  logLevel: string
  versionHeader: string
  platformHeader: string
  platforms: string[]
  /** Per platform, where its users update (EVERGATE_STORE_URLS). */
  storeUrls: Record<string, string>
  missingVersion: string
  /** The apps whose User-Agent names the version when the header is absent; empty: no fallback. */
  userAgentApps: string[]
  bodyLimit: number
  requestTimeout: number
  drainDelay: number
  /** Fastify's `trustProxy`: every peer, none, or the addresses and ranges listed. */
  trustProxy: boolean | string
  upstream: UpstreamOptions
  /** The share of core answers checked against head's contract (EVERGATE_CONTRACT_SAMPLE_RATE). */
  contractSampleRate: number
  release: ReleaseConfig | null
  admin: { port: number, host: string, token: string | null }
  /** Tracing to an OTLP collector (OTEL_EXPORTER_OTLP_ENDPOINT); null: off, and nothing of it loaded. */
  tracing: TracingConfig | null
}

export interface ReleaseConfig {
  database: { url?: string, dataDir: string, schema?: string }
  channel: string
  pollMs: number
  flushMs: number
  maxUsageKeys: number
  maxNewVersionsPerDay: number
  usageRetentionDays: number
}

/**
 * An upstream is an origin: routes carry the whole path. A path, query or credentials in its URL
 * would be dropped without a word, so they are refused.
 */
function originOf (what: string, url: string): string {
  const parsed = new URL(url)
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${what}: "${url}" is not an http(s) URL`)
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
    throw new Error(`${what}: "${url}" must be an origin (scheme://host:port), without a path, query or credentials`)
  }
  return url
}

function parseUpstreams (list: string, core: string): Record<string, string> {
  if (!URL.canParse(core)) throw new Error(`CORE_URL: "${core}" is not a URL`)
  const origins: Record<string, string> = { core: originOf('CORE_URL', core) }
  for (const entry of list.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const eq = entry.indexOf('=')
    const name = entry.slice(0, eq).trim()
    const url = entry.slice(eq + 1).trim()
    if (eq <= 0 || !URL.canParse(url)) throw new Error(`EVERGATE_UPSTREAMS: "${entry}" is not name=url`)
    origins[name] = originOf(`EVERGATE_UPSTREAMS ${name}`, url)
  }
  return origins
}

/**
 * The load balancers to trust, checked by proxy-addr, which Fastify compiles them with. A number of
 * hops is refused: it cannot tell a load balancer from a client that reaches the gateway directly,
 * and Fastify then trusts no X-Forwarded-Proto or -Host at all.
 */
function parseTrustProxy (value: string): boolean | string {
  const text = value.trim()
  if (text === '' || text === 'false') return false
  if (text === 'true') return true
  const entries = text.split(',').map((e) => e.trim())
  for (const entry of entries) {
    const [address, bits] = entry.split('/')
    if (/^\d+$/.test(entry)) throw new Error(`EVERGATE_TRUST_PROXY: name the load balancers' addresses or ranges, not a number of hops ("${entry}")`)
    // An IPv4-mapped range shorter than the mapping itself matches no IPv4 peer.
    if (address.toLowerCase().startsWith('::ffff:') && bits !== undefined && Number(bits) < 96) {
      throw new Error(`EVERGATE_TRUST_PROXY: "${entry}" matches no IPv4 address: write it as IPv4 (10.0.0.0/8)`)
    }
  }
  try {
    proxyAddr.compile(entries)
  } catch (err) {
    throw new Error(`EVERGATE_TRUST_PROXY: ${(err as Error).message}`)
  }
  return entries.join(',')
}

/** Whether the peer a request came from is a trusted load balancer, as Fastify decides it for `trustProxy`. */
export function peerTrust (trustProxy: boolean | string): (address: string) => boolean {
  if (typeof trustProxy === 'boolean') return () => trustProxy
  const trusted = proxyAddr.compile(trustProxy.split(','))
  return (address) => trusted(address, 0)
}

/** `platform=url,...`: each platform one apps are told apart by, each URL http(s). */
function parseStoreUrls (list: string, platforms: readonly string[]): Record<string, string> {
  const urls: Record<string, string> = {}
  for (const entry of list.split(',').map((e) => e.trim()).filter((e) => e !== '')) {
    const eq = entry.indexOf('=')
    const platform = entry.slice(0, eq).trim().toLowerCase()
    const url = entry.slice(eq + 1).trim()
    if (eq <= 0 || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new Error(`EVERGATE_STORE_URLS: "${entry}" is not platform=http(s) URL`)
    }
    if (!platforms.includes(platform) && platform !== 'other') {
      throw new Error(`EVERGATE_STORE_URLS: "${platform}" is not in EVERGATE_PLATFORMS (${platforms.join(', ')}) or other`)
    }
    if (Object.hasOwn(urls, platform)) throw new Error(`EVERGATE_STORE_URLS: ${platform} is given twice`)
    // As the URL parser reads it (spaces escaped, tabs and newlines gone): it goes into Link headers.
    urls[platform] = new URL(url).href
  }
  return urls
}

/** Where a platform's users update, from EVERGATE_STORE_URLS; null for none, or no platform. */
export function storeUrlOf (storeUrls: Readonly<Record<string, string>>, platform: string | null): string | null {
  return platform !== null && Object.hasOwn(storeUrls, platform) ? storeUrls[platform] : null
}

/**
 * EVERGATE_USER_AGENT_APPS, unless EVERGATE_USER_AGENT_FALLBACK is false. Set to true, the fallback
 * once read any product token (`okhttp/4.12.0` as app 4.12.0): true with no names would now read
 * nothing, silently, so it stops the start with what to set instead.
 */
function userAgentApps (e: Env): string[] {
  const apps = e.EVERGATE_USER_AGENT_APPS.split(',').map((a) => a.trim()).filter((a) => a !== '')
  const bad = apps.find((a) => !/^[A-Za-z0-9][\w.!#$%&'*+^`|~-]{0,63}$/.test(a))
  if (bad !== undefined) throw new Error(`EVERGATE_USER_AGENT_APPS: "${bad}" is not a User-Agent product name (Pulse, as in Pulse/3.2.1)`)
  if (e.EVERGATE_USER_AGENT_FALLBACK === true && apps.length === 0) {
    throw new Error('EVERGATE_USER_AGENT_FALLBACK: the fallback reads only your apps\' names: set EVERGATE_USER_AGENT_APPS (e.g. Pulse)')
  }
  return e.EVERGATE_USER_AGENT_FALLBACK === false ? [] : apps
}

export function loadConfig (env: Record<string, string | undefined> = process.env): GatewayConfig {
  const e = envSchema<Env>({ schema: EnvSchema, data: env as Record<string, unknown>, dotenv: false, env: false })
  const platforms = e.EVERGATE_PLATFORMS.split(',').map((p) => p.trim().toLowerCase()).filter((p) => p !== '')
  // Usage and metrics name apps that send no platform `unknown`: a platform of that name would be counted with them.
  if (platforms.includes('unknown')) throw new Error('EVERGATE_PLATFORMS: "unknown" names the apps that send no platform; it cannot be one')
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    versionHeader: e.EVERGATE_VERSION_HEADER.toLowerCase(),
    platformHeader: e.EVERGATE_PLATFORM_HEADER.toLowerCase(),
    platforms,
    storeUrls: parseStoreUrls(e.EVERGATE_STORE_URLS, platforms),
    missingVersion: e.EVERGATE_MISSING_VERSION,
    userAgentApps: userAgentApps(e),
    bodyLimit: e.EVERGATE_BODY_LIMIT,
    requestTimeout: e.EVERGATE_REQUEST_TIMEOUT_MS,
    drainDelay: e.EVERGATE_DRAIN_DELAY_MS,
    trustProxy: parseTrustProxy(e.EVERGATE_TRUST_PROXY),
    upstream: {
      origins: parseUpstreams(e.EVERGATE_UPSTREAMS, e.CORE_URL),
      connections: e.EVERGATE_UPSTREAM_CONNECTIONS,
      connectTimeout: e.EVERGATE_CONNECT_TIMEOUT_MS,
      headersTimeout: e.EVERGATE_HEADERS_TIMEOUT_MS,
      bodyTimeout: e.EVERGATE_BODY_TIMEOUT_MS,
      keepAliveTimeout: e.EVERGATE_KEEP_ALIVE_MS,
      translateLimit: e.EVERGATE_TRANSLATE_LIMIT
    },
    contractSampleRate: e.EVERGATE_CONTRACT_SAMPLE_RATE,
    release: e.EVERGATE_RELEASE_MANAGEMENT
      ? {
          database: {
            url: e.DATABASE_URL === '' ? undefined : e.DATABASE_URL,
            dataDir: e.EVERGATE_DATA_DIR,
            schema: e.DATABASE_SCHEMA === '' ? undefined : e.DATABASE_SCHEMA
          },
          channel: e.EVERGATE_POLICY_CHANNEL,
          pollMs: e.EVERGATE_POLICY_POLL_MS,
          flushMs: e.EVERGATE_USAGE_FLUSH_MS,
          maxUsageKeys: e.EVERGATE_USAGE_MAX_KEYS,
          maxNewVersionsPerDay: e.EVERGATE_USAGE_MAX_NEW_VERSIONS,
          usageRetentionDays: e.EVERGATE_USAGE_RETENTION_DAYS
        }
      : null,
    admin: { port: e.ADMIN_PORT, host: e.ADMIN_HOST, token: e.EVERGATE_ADMIN_TOKEN === '' ? null : e.EVERGATE_ADMIN_TOKEN },
    tracing: tracingConfig(e)
  }
}
