import type { FastifyBaseLogger } from 'fastify'
import { oneAfterAnother } from './one-after-another.js'
import type { ReleaseRepository, UsageRow } from './repository.js'

export interface UsageOptions {
  repository: ReleaseRepository
  /** Distinct (day, platform, app version, contract, route, status class) kept between flushes. */
  maxKeys: number
  /**
   * App versions counted by name per day and platform, beyond the known ones; the rest count as
   * `other`. A client can make up any number of versions; the database keeps a row for each.
   */
  maxNewVersionsPerDay?: number
  /** Versions always counted by name: contracts, releases announced, versions in use. */
  known?: (appVersion: string) => boolean
  log: FastifyBaseLogger
  /** Milliseconds since the epoch (tests set the day). */
  now?: () => number
}

/** What the app versions past the day's limit are counted as: not semver, so never a candidate. */
export const OTHER_VERSION = 'other'

/** Requests of one key: a day, a route, a platform, an app version and a status class. */
interface Counted {
  readonly day: string
  readonly usage: RouteUsage
  readonly platform: string | null
  readonly appVersion: string | null
  readonly index: number
  count: number
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx']

/** The index of a status's class in STATUS_CLASSES: anything outside 1xx to 5xx counts as 5xx. */
function classOf (status: number): number {
  const index = Math.floor(status / 100) - 1
  return index >= 0 && index < 4 ? index : 4
}

/**
 * One route of one contract version, as its onResponse hook counts it: per platform, per app
 * version, the requests of each status class since the last flush. Nested maps keyed by the
 * strings the version resolver keeps, so counting a request builds no key.
 */
export class RouteUsage {
  /** platform -> app version -> requests per status class (STATUS_CLASSES). */
  counts = new Map<string | null, Map<string | null, number[]>>()

  constructor (readonly contract: string, readonly route: string, private readonly recorder: UsageRecorder) {}

  record (platform: string | null, appVersion: string | null, status: number): void {
    this.recorder.countOn(this, platform, appVersion, status)
  }
}

/** The first of the last `days` days, today included: YYYY-MM-DD in UTC, as usage is counted. */
export function firstOfLastDays (days: number, now = Date.now()): string {
  return new Date(now - (days - 1) * 86_400_000).toISOString().slice(0, 10)
}

/**
 * Counts requests in memory and writes them in batches: never a write per request. A failed flush
 * keeps its counts for the next one; past `maxKeys` distinct keys new ones are dropped, counted
 * and logged, so a database outage cannot grow memory without bound.
 *
 * Today's counts live on each route (RouteUsage), where a request of a key already counted since
 * the last flush costs two map lookups and builds no key. A day gone by's wait in `held` until
 * the next flush; a failed write's go back where they came from.
 */
export class UsageRecorder {
  private readonly routes = new Map<string, RouteUsage>()
  /** Distinct (platform, app version, status class) counted on the routes since the last flush. */
  private keys = 0
  /** Counts of past days not yet written, by their whole key. */
  private held = new Map<string, Counted>()
  private day = ''
  private dayEnds = 0
  /** Requests that could not be counted (key limit reached) since start. */
  dropped = 0
  private droppedLogged = 0
  /** Requests counted as `other`: their version was new past the day's limit, since start. */
  bucketed = 0
  /** Per platform, the versions counted by name today that are not known. */
  private admitted = new Map<string | null, Set<string>>()

  private readonly now: () => number

  constructor (private readonly opts: UsageOptions) {
    this.now = opts.now ?? Date.now
  }

  /** Where a route's requests are counted: asked once per route, at boot. */
  route (contract: string, route: string): RouteUsage {
    const name = `${contract} ${route}`
    let usage = this.routes.get(name)
    if (usage === undefined) {
      usage = new RouteUsage(contract, route, this)
      this.routes.set(name, usage)
    }
    return usage
  }

  record (platform: string | null, appVersion: string | null, contract: string, route: string, status: number): void {
    this.route(contract, route).record(platform, appVersion, status)
  }

  /** RouteUsage.record: the request path. */
  countOn (route: RouteUsage, platform: string | null, appVersion: string | null, status: number): void {
    const now = this.now()
    if (now >= this.dayEnds) this.rollDay(now)
    const index = classOf(status)
    const counts = route.counts.get(platform)?.get(appVersion)
    if (counts !== undefined && counts[index] > 0) {
      counts[index]++
      return
    }
    const bucketed = appVersion !== null && !this.admit(platform, appVersion)
    this.countNew(route, platform, bucketed ? OTHER_VERSION : appVersion, index, bucketed)
  }

  /** A key not counted on its route since the last flush, or one counted as `other`. */
  private countNew (route: RouteUsage, platform: string | null, appVersion: string | null, index: number, bucketed: boolean): void {
    const counts = this.countsOf(route, platform, appVersion, index)
    if (counts === null) {
      this.dropped++
      return
    }
    counts[index]++
    if (bucketed) this.bucketed++
  }

  /** Where a key is counted on its route, made if new; null when a new key does not fit. */
  private countsOf (route: RouteUsage, platform: string | null, appVersion: string | null, index: number): number[] | null {
    let versions = route.counts.get(platform)
    if (versions === undefined) {
      versions = new Map()
      route.counts.set(platform, versions)
    }
    let counts = versions.get(appVersion)
    if (counts === undefined || counts[index] === 0) {
      if (this.keys + this.held.size >= this.opts.maxKeys) return null
      if (counts === undefined) {
        counts = [0, 0, 0, 0, 0]
        versions.set(appVersion, counts)
      }
      this.keys++
    }
    return counts
  }

  /** Whether a version is counted by name: known, already counted today, or within the day's limit. */
  private admit (platform: string | null, appVersion: string): boolean {
    const { known, maxNewVersionsPerDay = Infinity } = this.opts
    if (known?.(appVersion) === true) return true
    let today = this.admitted.get(platform)
    if (today === undefined) {
      today = new Set()
      this.admitted.set(platform, today)
    }
    if (today.has(appVersion)) return true
    if (today.size >= maxNewVersionsPerDay) return false
    today.add(appVersion)
    return true
  }

  /** At the first request of a new day (UTC): the day before's counts are held until written. */
  private rollDay (now: number): void {
    if (this.keys > 0) this.hold(this.takeCounted())
    this.admitted.clear()
    const date = new Date(now)
    this.day = date.toISOString().slice(0, 10)
    this.dayEnds = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1)
  }

  /** The counts on the routes, of the current day; the routes start again from none. */
  private takeCounted (): Counted[] {
    const taken: Counted[] = []
    for (const usage of this.routes.values()) {
      if (usage.counts.size === 0) continue
      for (const [platform, versions] of usage.counts) {
        for (const [appVersion, counts] of versions) {
          for (let index = 0; index < counts.length; index++) {
            if (counts[index] > 0) taken.push({ day: this.day, usage, platform, appVersion, index, count: counts[index] })
          }
        }
      }
      usage.counts = new Map()
    }
    this.keys = 0
    return taken
  }

  /**
   * Counts of past days join those held, by key. A day's counts taken from the routes always fit
   * (the routes held them); a failed write's are dropped past `maxKeys`.
   */
  private hold (taken: readonly Counted[]): void {
    for (const counted of taken) {
      const { day, usage, platform, appVersion, index } = counted
      const key = `${day}|${platform ?? ''}|${appVersion ?? ''}|${usage.contract}|${usage.route}|${index}`
      const entry = this.held.get(key)
      if (entry !== undefined) entry.count += counted.count
      else if (this.keys + this.held.size < this.opts.maxKeys) this.held.set(key, { ...counted })
      else this.dropped += counted.count
    }
  }

  /**
   * The counts of a write that failed, back where they came from: today's on their routes, merged
   * with those counted meanwhile (no key is counted twice in memory), a past day's held.
   */
  private restore (batch: readonly Counted[]): void {
    const past: Counted[] = []
    for (const counted of batch) {
      if (counted.day !== this.day) {
        past.push(counted)
        continue
      }
      const { usage, platform, appVersion, index, count } = counted
      const counts = this.countsOf(usage, platform, appVersion, index)
      if (counts === null) this.dropped += count
      else counts[index] += count
    }
    this.hold(past)
  }

  /** Counts not yet written. */
  get pending (): number {
    let sum = 0
    for (const entry of this.held.values()) sum += entry.count
    for (const usage of this.routes.values()) {
      for (const versions of usage.counts.values()) {
        for (const counts of versions.values()) for (const count of counts) sum += count
      }
    }
    return sum
  }

  /**
   * Writes the counts in memory. It resolves once they are written, after a write already under
   * way (so an answer read after it is live even while the timer's flush is still writing), and a
   * hung write makes later flushes wait in one, not pile up.
   */
  readonly flush = oneAfterAnother(async () => await this.write())

  private async write (): Promise<void> {
    if (this.dropped > this.droppedLogged) {
      this.opts.log.warn({ dropped: this.dropped }, 'usage counts dropped: too many distinct keys before a flush')
      this.droppedLogged = this.dropped
    }
    // Past days' counts and today's: never the same key twice.
    const batch = [...this.held.values(), ...this.takeCounted()]
    this.held = new Map()
    if (batch.length === 0) return
    try {
      await this.opts.repository.addUsage(batch.map(rowOf))
    } catch (err) {
      this.restore(batch)
      throw err
    }
  }
}

function rowOf ({ day, usage, platform, appVersion, index, count }: Counted): UsageRow {
  return {
    day,
    platform: platform ?? 'unknown',
    app_version: appVersion ?? 'none',
    contract_version: usage.contract,
    route: usage.route,
    status_class: STATUS_CLASSES[index],
    count
  }
}
