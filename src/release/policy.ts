import semver from 'semver'
import { storeUrlOf } from '../config.js'

export type Status = 'supported' | 'deprecated' | 'retired'

/** A release manager's decision about a range of app versions, as stored. */
export interface Rule {
  readonly id: number
  /** null: every platform. */
  readonly platform: string | null
  readonly range: string
  readonly status: Status
  readonly deprecationDate: Date | null
  readonly sunsetDate: Date | null
  readonly message: string | null
  readonly upgradeUrl: string | null
  readonly updatedAt: Date
}

/** What applies to one (app version, platform) now, with its response headers made once. */
export interface Decision {
  readonly status: Status
  readonly rule: Rule | null
  readonly deprecationDate: Date | null
  readonly sunsetDate: Date | null
  readonly message: string | null
  readonly upgradeUrl: string | null
  /** Deprecation, Sunset and Link, for deprecated versions; empty otherwise. */
  readonly headers: Readonly<Record<string, string>>
  /** When the decision stops being true (a sunset date passing); Infinity when it does not. */
  readonly validUntil: number
}

const SUPPORTED: Decision = Object.freeze({
  status: 'supported',
  rule: null,
  deprecationDate: null,
  sunsetDate: null,
  message: null,
  upgradeUrl: null,
  headers: Object.freeze({}),
  validUntil: Infinity
})

/**
 * Why `range` cannot be a rule's, or null when it can. semver reads an empty range, or one with an
 * empty alternative (`<2.0.0 ||`, a typo), as every version: a rule that would retire every app
 * must say `*`.
 */
export function rangeProblem (range: string): string | null {
  if (semver.validRange(range) === null) return `"${range}" is not a semver range (e.g. "<2.0.0", "1.4.x")`
  if (range.split('||').some((part) => part.trim() === '')) {
    return `"${range}" has an empty part, which semver reads as every version: write "*" if every version is meant`
  }
  return null
}

/**
 * How overlapping rules resolve, deterministically:
 *  1. a rule for the caller's platform beats a rule for every platform;
 *  2. among those, the newest decision wins (latest `updatedAt`, then highest id).
 * So `deprecate "<2.0.0"` then `retire "<1.5.0"` retires 1.2.0 and deprecates 1.6.0, and a later
 * `support "1.4.x"` brings 1.4.x back. A deprecated rule whose sunset date has passed retires.
 */
export function precedence (a: Rule, b: Rule): number {
  const specific = Number(b.platform !== null) - Number(a.platform !== null)
  if (specific !== 0) return specific
  return b.updatedAt.getTime() - a.updatedAt.getTime() || b.id - a.id
}

function deprecationHeaders (rule: Rule, deprecationDate: Date, upgradeUrl: string | null): Record<string, string> {
  const headers: Record<string, string> = { deprecation: `@${Math.floor(deprecationDate.getTime() / 1000)}` }
  const links: string[] = []
  if (upgradeUrl !== null) links.push(`<${upgradeUrl}>; rel="deprecation"`)
  if (rule.sunsetDate !== null) {
    headers.sunset = rule.sunsetDate.toUTCString()
    if (upgradeUrl !== null) links.push(`<${upgradeUrl}>; rel="sunset"`)
  }
  if (links.length > 0) headers.link = links.join(', ')
  return headers
}

/** `storeUrl`: the platform's own, for a rule that names no upgrade URL. */
function decisionOf (rule: Rule, now: number, storeUrl: string | null): Decision {
  const sunset = rule.sunsetDate?.getTime() ?? Infinity
  const retired = rule.status === 'retired' || (rule.status === 'deprecated' && sunset <= now)
  const upgradeUrl = rule.upgradeUrl ?? storeUrl
  const base = {
    rule,
    deprecationDate: rule.deprecationDate,
    sunsetDate: rule.sunsetDate,
    message: rule.message,
    upgradeUrl
  }
  if (retired) return { ...base, status: 'retired', headers: {}, validUntil: Infinity }
  if (rule.status === 'supported') return { ...SUPPORTED, rule, validUntil: Infinity }
  return {
    ...base,
    status: 'deprecated',
    headers: deprecationHeaders(rule, rule.deprecationDate ?? rule.updatedAt, upgradeUrl),
    validUntil: sunset
  }
}

export interface PolicyOptions {
  /** Per platform, where its users update (EVERGATE_STORE_URLS), for the rules that name no upgrade URL. */
  storeUrls?: Readonly<Record<string, string>>
  /** The oldest contract version: no minimum version is below it, whatever a rule's range says. */
  floor?: string
}

interface CompiledRule {
  readonly rule: Rule
  readonly range: semver.Range
}

/** The rules in force, compiled once per change; answers per (version, platform) are cached. */
export class Policy {
  readonly rules: readonly Rule[]
  private readonly compiled: readonly CompiledRule[]
  private readonly cache = new Map<string, Decision>()
  private readonly boundaries: readonly string[]

  private readonly storeUrls: Readonly<Record<string, string>>
  /** Per platform (one of the few apps are told apart by, or none). */
  private readonly minimums = new Map<string | null, { version: string | null, validUntil: number }>()

  constructor (rules: readonly Rule[], knownVersions: readonly string[], options: PolicyOptions = {}) {
    this.rules = [...rules].sort(precedence)
    this.compiled = this.rules.map((rule) => ({ rule, range: new semver.Range(rule.range, { includePrerelease: true }) }))
    const { floor } = options
    this.boundaries = candidateVersions(this.compiled, knownVersions)
      .filter((version) => floor === undefined || semver.gte(version, floor))
    this.storeUrls = options.storeUrls ?? {}
  }

  decide (appVersion: string | null, platform: string | null, now = Date.now()): Decision {
    if (appVersion === null || this.compiled.length === 0) return SUPPORTED
    const key = platform === null ? appVersion : `${appVersion}\u0000${platform}`
    const cached = this.cache.get(key)
    if (cached !== undefined && cached.validUntil > now) return cached
    const match = this.compiled.find(({ rule, range }) =>
      (rule.platform === null || rule.platform === platform) && range.test(appVersion))
    const decision = match === undefined ? SUPPORTED : decisionOf(match.rule, now, this.storeUrl(platform))
    if (this.cache.size >= 4096) this.cache.clear()
    this.cache.set(key, decision)
    return decision
  }

  /** Where a platform's users update (EVERGATE_STORE_URLS), or null. */
  storeUrl (platform: string | null): string | null {
    return storeUrlOf(this.storeUrls, platform)
  }

  /**
   * The lowest version a platform may run: the first known version above the highest retired one,
   * and never below the floor. Known versions are the contract versions, the edges of every rule's
   * range and versions seen.
   */
  minimumVersion (platform: string | null, now = Date.now()): string | null {
    // Asked by every app-status call and every 426: worked out once per platform, until a sunset
    // date it depends on passes (a new rule makes a new Policy).
    const cached = this.minimums.get(platform)
    if (cached !== undefined && cached.validUntil > now) return cached.version
    let validUntil = Infinity
    const statuses = this.boundaries.map((v) => {
      const decision = this.decide(v, platform, now)
      validUntil = Math.min(validUntil, decision.validUntil)
      return decision.status
    })
    const lastRetired = statuses.lastIndexOf('retired')
    const index = statuses.findIndex((status, i) => i > lastRetired && status !== 'retired')
    const version = index === -1 ? null : this.boundaries[index]
    this.minimums.set(platform, { version, validUntil })
    return version
  }
}

/** Every version where a rule's verdict can change, plus the known ones, ascending. */
function candidateVersions (rules: readonly CompiledRule[], known: readonly string[]): string[] {
  const versions = new Set<string>(known.filter((v) => semver.valid(v) !== null))
  for (const { range } of rules) {
    for (const comparators of range.set) {
      for (const { operator, semver: bound } of comparators) {
        if (operator === '') continue // `*`: no edge
        // `1.4.x` compiles to `>=1.4.0-0 <1.5.0-0`: the edge an app can run is the release.
        const edge = `${bound.major}.${bound.minor}.${bound.patch}`
        versions.add(edge)
        if (operator === '<=' || operator === '>') versions.add(semver.inc(edge, 'patch') as string)
      }
    }
  }
  return [...versions].sort(semver.compare)
}
