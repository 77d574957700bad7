import type { IncomingHttpHeaders } from 'node:http'
import semver from 'semver'
import { storeUrlOf } from '../config.js'
import { parseAppVersion, parsePlatform, userAgentReader } from './app-version.js'
import { messageOf, VersionInvalidError, VersionRequiredError, VersionUnsupportedError } from '../errors.js'

/** Who is calling, as far as versions go. Shared between requests: never mutate. */
export interface ClientVersion {
  /** Normalised semver, or null when the request named none. */
  readonly appVersion: string | null
  readonly platform: string | null
  /** The contract version that serves it; null when it cannot be served (see `error`). */
  readonly contract: string | null
  /** The contract version whose error shape this client reads. */
  readonly errorShape: string
  readonly error: (Error & { code: string, statusCode?: number }) | null
}

export interface VersionResolverOptions {
  /** Contract versions, ascending. */
  contracts: readonly string[]
  /** Lower-case header names. */
  versionHeader: string
  platformHeader: string
  /** Platforms counted by name; any other is `other`, so a header cannot grow metrics without bound. */
  platforms: readonly string[]
  /** Per platform, where its users update: in the answer to an app older than every contract. */
  storeUrls?: Readonly<Record<string, string>>
  /**
   * The lowest version a platform may run now (the release policy's), for that answer; null, or no
   * function, is the oldest contract. Asked each time the answer is sent, as rules change.
   */
  minimumVersion?: (platform: string | null) => string | null
  /** With no version at all: serve `head`, `reject`, or serve a given contract version. */
  missingVersion: string
  /** The apps whose User-Agent token names the version when the header is absent; none: no fallback. */
  userAgentApps: readonly string[]
  /** Distinct (version, platform) pairs kept; the set in the wild is small, junk is not. */
  cacheSize?: number
}

export type ResolveVersion = (headers: IncomingHttpHeaders) => ClientVersion

/** The first value of a header sent more than once (Node joins them with commas). */
function single (value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value[0]
  if (value === undefined) return value
  const comma = value.indexOf(',')
  return comma === -1 ? value : value.slice(0, comma)
}

/** Header values longer than this are resolved without being cached. */
const MAX_CACHED_LENGTH = 64

export function createVersionResolver (options: VersionResolverOptions): ResolveVersion {
  const { contracts, versionHeader, platformHeader, storeUrls = {} } = options
  const fromUserAgent = userAgentReader(options.userAgentApps)
  const platforms = new Set(options.platforms)
  const head = contracts[contracts.length - 1]
  const oldest = contracts[0]
  const cacheSize = options.cacheSize ?? 2048
  const missing = options.missingVersion === 'head' ? head : options.missingVersion
  if (missing !== 'reject' && !contracts.includes(missing)) {
    throw new Error(`missing-version policy "${options.missingVersion}" is neither head, reject nor a contract version (${contracts.join(', ')})`)
  }
  const defaultShape = missing === 'reject' ? head : missing

  /** The newest contract version <= the app version; null when older than all. */
  function floor (appVersion: string): string | null {
    for (let i = contracts.length - 1; i >= 0; i--) {
      if (semver.gte(appVersion, contracts[i])) return contracts[i]
    }
    return null
  }

  function resolveUncached (raw: string | undefined, platform: string | null): ClientVersion {
    if (raw === undefined) {
      return missing === 'reject'
        ? { appVersion: null, platform, contract: null, errorShape: defaultShape, error: new VersionRequiredError(versionHeader) }
        : { appVersion: null, platform, contract: missing, errorShape: missing, error: null }
    }
    const appVersion = parseAppVersion(raw)
    if (appVersion === null) {
      return { appVersion: null, platform, contract: null, errorShape: defaultShape, error: new VersionInvalidError(versionHeader, raw.slice(0, 64)) }
    }
    const contract = floor(appVersion)
    if (contract === null) {
      return { appVersion, platform, contract: null, errorShape: oldest, error: unsupported(appVersion, platform) }
    }
    return { appVersion, platform, contract, errorShape: contract, error: null }
  }

  /**
   * The answer to an app older than every contract: what a retired build is told (see
   * release/plugin.ts). It is kept with the resolution, so its details are worked out when read.
   */
  function unsupported (appVersion: string, platform: string | null): Error & { code: string } {
    const upgradeUrl = storeUrlOf(storeUrls, platform)
    const minimum = () => options.minimumVersion?.(platform) ?? oldest
    // The message names the same minimum as the details: a retired range above the oldest contract
    // raises it, and a rule made after this resolution was cached may have.
    return Object.defineProperties(new VersionUnsupportedError(appVersion, oldest), {
      message: { configurable: true, get: () => messageOf(VersionUnsupportedError.code, appVersion, minimum()) },
      details: { enumerable: true, get: () => ({ upgrade_url: upgradeUrl, minimum_version: minimum() }) }
    })
  }

  const cache = new Map<string, ClientVersion>()

  return function resolveVersion (headers) {
    let raw = single(headers[versionHeader])
    if (raw === undefined && fromUserAgent !== null) {
      const userAgent = headers['user-agent']
      raw = userAgent === undefined ? undefined : (fromUserAgent(userAgent) ?? undefined)
    }
    const platformRaw = single(headers[platformHeader])
    // Real version and platform values are short; long ones are junk, resolved each time rather
    // than kept (2,000 keys of 15 KB headers would hold 30 MB).
    const cacheable = (raw === undefined || raw.length <= MAX_CACHED_LENGTH) && (platformRaw === undefined || platformRaw.length <= MAX_CACHED_LENGTH)
    const key = `${raw ?? '\u0000'}\u0000${platformRaw ?? ''}`
    let client = cacheable ? cache.get(key) : undefined
    if (client === undefined) {
      const platform = parsePlatform(platformRaw)
      client = resolveUncached(raw, platform === null || platforms.has(platform) ? platform : 'other')
      if (!cacheable) return client
      if (cache.size >= cacheSize) cache.clear()
      cache.set(key, client)
    }
    return client
  }
}
