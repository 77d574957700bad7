import proxyAddr from '@fastify/proxy-addr'
import { Type, type Static } from '@sinclair/typebox'
import envSchema from 'env-schema'
import type { UpstreamOptions } from './proxy/upstreams.js'
import { tracingConfig, type TracingConfig } from './telemetry/config.js'

// Everything the gateway reads from the environment, with its default. Checked once at start:
// a bad value stops the process with a message that names the variable. Each description is the
// variable's line in docs/configuration.md (`npm run docs:config` writes it; a test compares).
export const EnvSchema = Type.Object({
  PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'The public port: the API and `/_evergate/*`.' }),
  HOST: Type.String({ default: '0.0.0.0', description: 'The address the public port listens on.' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
    default: 'info',
    description: 'pino\'s level; at `info`, one line per request with app version, platform, contract version, policy status and error code ' +
      '([observability.md](observability.md)).'
  }),
  CORE_URL: Type.String({
    default: 'http://127.0.0.1:8090',
    description: 'The core service (upstream `core`), when one service owns every route: an origin, no path (routes carry the whole path).'
  }),
  EVERGATE_UPSTREAMS: Type.String({
    default: '',
    description: 'More core services, for routes whose head contract names another upstream: `search=http://search:9000,media=http://media:9000`; ' +
      'a head route names its service with `upstream: \'search\'`.'
  }),
  EVERGATE_VERSION_HEADER: Type.String({ default: 'x-app-version', minLength: 1, description: 'The header an app sends its version in (`3.2.1`; also read: `3.2`, `v3.2.1`, `3.2.1 (451)`).' }),
  EVERGATE_PLATFORM_HEADER: Type.String({ default: 'x-app-platform', minLength: 1, description: 'The header an app may send its platform in (`ios`).' }),
  EVERGATE_PLATFORMS: Type.String({
    default: 'ios,android,web',
    description: 'The platforms your apps ship on, counted by name; any other value of the header counts as `other` ' +
      '(`unknown` is taken: apps that send none).'
  }),
  EVERGATE_STORE_URLS: Type.String({
    default: '',
    description: 'Where each platform\'s users update, `platform=url,...` (`ios=https://apps.apple.com/...,android=https://play.google.com/...`): ' +
      'the upgrade URL of the 426 answers, `Link` headers and app-status when a rule names none. `npm start` sets Pulse\'s.'
  }),
  EVERGATE_MISSING_VERSION: Type.String({ default: 'head', description: 'With no version: `head`, `reject` (a 400), or a contract version to serve.' }),
  EVERGATE_USER_AGENT_APPS: Type.String({
    default: '',
    description: 'Your apps\' product names in `User-Agent` (`Pulse,Pulse-Android`): with no version header, `Pulse/3.2.1 (iPhone; iOS 17.0)` is read as 3.2.1. ' +
      'Only these names are read, never an HTTP library\'s or system\'s token (`okhttp/4.12.0`, `Dalvik/2.1.0`); ' +
      'a bare build number (`Pulse/451 CFNetwork/... Darwin/...`) is no version. None named: no fallback. `npm start` sets `Pulse`.'
  }),
  EVERGATE_USER_AGENT_FALLBACK: Type.Optional(Type.Boolean({
    description: '`false` turns the User-Agent fallback off and keeps the names; unset, it is on when names are given. ' +
      '`true` with no `EVERGATE_USER_AGENT_APPS` stops the start (the fallback once read any token).'
  })),
  EVERGATE_BODY_LIMIT: Type.Integer({ default: 1048576, minimum: 1, description: 'The largest request body, in bytes (a 413 above it).' }),
  EVERGATE_DRAIN_DELAY_MS: Type.Integer({
    default: 0,
    minimum: 0,
    description: 'On SIGTERM, how long to go on accepting and serving with `/_evergate/ready` at 503 before closing: set it to the time ' +
      'your load balancer takes to stop sending (on Kubernetes, which removes the endpoint as it signals, a few seconds). ' +
      'A second SIGTERM, a SIGINT or an uncaught error ends it early, and the close that follows is as graceful.'
  }),
  EVERGATE_REQUEST_TIMEOUT_MS: Type.Integer({
    default: 30000,
    minimum: 1,
    description: 'The longest a client may take to send a request, headers and body: late, it is a 408 ' +
      'and the connection closes (an answer may take as long as the core does).'
  }),
  EVERGATE_TRUST_PROXY: Type.String({
    default: '',
    description: 'The load balancers in front of the gateway, by address or range (`10.0.0.0/8,loopback`). ' +
      'Their `X-Forwarded-Proto` and `-Host` reach the core as they sent them (so they must set both, or remove a client\'s); ' +
      'from any other peer, the core gets the scheme and host the gateway itself saw ' +
      '(a TLS-terminating load balancer\'s `https` would become `http` without it). ' +
      '`true` trusts every peer: only where nothing but the load balancer can reach the gateway. ' +
      'A number of hops is refused: it cannot tell a load balancer from a client that connects directly.'
  }),
  EVERGATE_TRANSLATE_LIMIT: Type.Integer({
    default: 10485760,
    minimum: 1,
    description: 'The largest core response read whole to translate for an older client, in bytes ' +
      '(a 502 above it; untranslated bodies stream whatever their size).'
  }),
  EVERGATE_CONTRACT_SAMPLE_RATE: Type.Number({
    default: 0,
    minimum: 0,
    maximum: 1,
    description: 'The share of core answers (0 to 1) checked against head\'s contract, after the client has its answer: ' +
      'breaks are counted in `evergate_contract_violations_total` and logged once per kind ' +
      '([compatibility-verify.md](compatibility-verify.md#contract-sampling-in-production)). 0 checks none.'
  }),
  EVERGATE_UPSTREAM_CONNECTIONS: Type.Integer({ default: 64, minimum: 1, description: 'Keep-alive connections per core service.' }),
  EVERGATE_CONNECT_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 1, description: 'How long connecting to a core service may take (then a 504).' }),
  EVERGATE_HEADERS_TIMEOUT_MS: Type.Integer({ default: 15000, minimum: 1, description: 'How long a core service may take to send its response headers (then a 504).' }),
  EVERGATE_BODY_TIMEOUT_MS: Type.Integer({ default: 15000, minimum: 1, description: 'How long a core service may pause while sending its response body.' }),
  EVERGATE_KEEP_ALIVE_MS: Type.Integer({ default: 4000, minimum: 1, description: 'How long an idle keep-alive connection to a core service is kept.' }),
  EVERGATE_RELEASE_MANAGEMENT: Type.Boolean({
    default: true,
    description: '`false` turns off release policies, usage and metrics (and needs no database); off only to measure what they cost.'
  }),
  DATABASE_URL: Type.String({
    default: '',
    description: 'PostgreSQL for release management (rules, releases, audit log, usage); empty: an embedded PostgreSQL (PGlite) in `EVERGATE_DATA_DIR`.'
  }),
  DATABASE_SCHEMA: Type.String({
    default: '',
    description: 'PostgreSQL only: the schema the gateway\'s tables live in (it must exist); empty: the connection\'s default search path. ' +
      'The tests give each file its own.'
  }),
  EVERGATE_DATA_DIR: Type.String({ default: '.evergate-data', description: 'The embedded database\'s folder (without `DATABASE_URL`). The Docker image sets `/var/lib/evergate`.' }),
  EVERGATE_POLICY_CHANNEL: Type.String({
    default: 'evergate_policies',
    pattern: '^[a-z_][a-z0-9_]{0,62}$',
    description: 'PostgreSQL only: the LISTEN/NOTIFY channel a change of rules or releases is announced on. ' +
      'Every instance on one database uses the same; the tests give each file its own.'
  }),
  EVERGATE_POLICY_POLL_MS: Type.Integer({
    default: 1000,
    minimum: 50,
    description: 'How often the policy version is polled, the fallback to LISTEN/NOTIFY (PostgreSQL only: on the embedded database ' +
      'every change comes through the one gateway process).'
  }),
  EVERGATE_USAGE_FLUSH_MS: Type.Integer({ default: 10000, minimum: 50, description: 'How often usage counted in memory is written to the database (and once more at shutdown).' }),
  EVERGATE_USAGE_MAX_KEYS: Type.Integer({
    default: 50000,
    minimum: 1,
    description: 'The most distinct usage keys kept in memory while the database is away; anything dropped is counted and logged.'
  }),
  EVERGATE_USAGE_MAX_NEW_VERSIONS: Type.Integer({
    default: 1000,
    minimum: 1,
    description: 'App versions counted by name per day, platform and instance beyond those known (contracts, releases announced, ' +
      'versions in use); the rest count as `other`. Clients can make up versions.'
  }),
  EVERGATE_USAGE_RETENTION_DAYS: Type.Integer({
    default: 400,
    minimum: 31,
    description: 'Days of usage kept, today included; older days are deleted. At least 31: the last 30 decide which versions are in use.'
  }),
  ADMIN_PORT: Type.Integer({ default: 8081, minimum: 0, maximum: 65535, description: 'The admin API and the release managers\' page; never on the public port.' }),
  ADMIN_HOST: Type.String({ default: '127.0.0.1', description: 'The address the admin port listens on: this machine only, unless set.' }),
  EVERGATE_ADMIN_TOKEN: Type.String({
    default: '',
    description: 'The admin API\'s bearer token; empty: the admin API is off. `npm start` uses `demo-admin-token`.'
  }),
  // Tracing: the standard OpenTelemetry variables (docs/observability.md). With no endpoint set,
  // nothing of the OpenTelemetry SDK is loaded.
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.String({
    default: '',
    description: 'Tracing: the OTLP/HTTP collector (`http://otel-collector:4318`); spans go to its `/v1/traces`. ' +
      'With neither endpoint set, tracing is off and nothing of the OpenTelemetry SDK is loaded ([observability.md](observability.md)).'
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Type.String({
    default: '',
    description: 'The URL spans are sent to, used as it is (no `/v1/traces` added); wins over `OTEL_EXPORTER_OTLP_ENDPOINT`.'
  }),
  OTEL_EXPORTER_OTLP_PROTOCOL: Type.String({
    default: 'http/protobuf',
    description: 'How spans are encoded: `http/protobuf` or `http/json` (`grpc` is not offered: the collector takes OTLP/HTTP on port 4318).'
  }),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: Type.String({ default: '', description: 'The same for spans only; wins over `OTEL_EXPORTER_OTLP_PROTOCOL`.' }),
  OTEL_EXPORTER_OTLP_HEADERS: Type.String({
    default: '',
    description: 'Headers sent with every export, `key=value,key=value`, percent-encoded (a hosted backend\'s API key).'
  }),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: Type.String({
    default: '',
    description: 'The same for spans only: added to `OTEL_EXPORTER_OTLP_HEADERS`, and winning on the same key.'
  }),
  OTEL_SERVICE_NAME: Type.String({
    default: '',
    description: 'The spans\' `service.name`; empty: the `service.name` of `OTEL_RESOURCE_ATTRIBUTES`, else `evergate`.'
  }),
  OTEL_RESOURCE_ATTRIBUTES: Type.String({
    default: '',
    description: 'More attributes of every span\'s resource, `key=value,key=value`, percent-encoded (`deployment.environment.name=production`).'
  }),
  OTEL_TRACES_SAMPLER: Type.String({
    default: 'parentbased_always_on',
    description: 'Which requests are traced: `always_on`, `always_off`, `traceidratio`, or `parentbased_` one of them ' +
      '(a request whose `traceparent` says sampled, or not, is traced, or not, as it says).'
  }),
  OTEL_TRACES_SAMPLER_ARG: Type.String({ default: '', description: 'The share of new traces the `traceidratio` samplers keep, 0 to 1; empty: 1.' }),
  OTEL_SDK_DISABLED: Type.Boolean({ default: false, description: '`true` turns tracing off, whatever endpoint is set.' })
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
