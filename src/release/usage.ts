import { randomUUID } from 'node:crypto'
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
  /** Its index in STATUS_CLASSES. */
  readonly statusClass: number
  count: number
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx']

const LAST_CLASS = STATUS_CLASSES.length - 1

/** A status's class, as its index in STATUS_CLASSES: anything outside 1xx to 5xx counts as 5xx. */
function classOf (status: number): number {
  const statusClass = Math.floor(status / 100) - 1
  return statusClass >= 0 && statusClass < LAST_CLASS ? statusClass : LAST_CLASS
}

/**
 * One route of one contract version: per platform, per app version, its requests of each status
 * class since the last flush. Nested maps keyed by the strings the version resolver keeps, so
 * counting a request builds no key.
 */
interface RouteUsage {
  readonly contract: string
  readonly route: string
  /** platform -> app version -> requests per status class (STATUS_CLASSES). */
  counts: Map<string | null, Map<string | null, number[]>>
}

/** Counts one request of a route: its client's platform and app version, and its status. */
export type CountUsage = (platform: string | null, appVersion: string | null, status: number) => void


/**
 * Counts requests in memory and writes them in batches: never a write per request. Each batch
 * has an id, written with it, so that it is counted exactly once: a failed write may have
 * committed (the connection reset after COMMIT), so its batch is written again as it was, under
 * the same id, before any other, and the database skips it if it is there already. Past `maxKeys`
 * distinct keys new ones are dropped, counted and logged, so a database outage cannot grow memory
 * without bound: besides them, only the one batch being written, or waiting to be written again.
 *
 * Today's counts live on each route (RouteUsage), where a request of a key already counted since
 * the last flush costs two map lookups and builds no key. Counts of a past day wait in `held`
 * until the next flush.
 */
export class UsageRecorder {
  private readonly routes = new Map<string, RouteUsage>()
  /** Distinct (route, platform, app version, status class) counted on the routes since the last flush. */
  private keys = 0
  /** Counts of past days not yet written (each key once: a day is taken from the routes once). */
  private held: Counted[] = []
  private day = ''
  private dayEnds = 0
  /** Requests that could not be counted (key limit reached) since start. */
  dropped = 0
  private droppedLogged = 0
  /** Requests counted as `other`: their version was new past the day's limit, since start. */
  bucketed = 0
  /** Per platform, the versions counted by name today that are not known. */
  private admitted = new Map<string | null, Set<string>>()
  /** A batch whose write failed, perhaps after it committed: written again first, as it is. */
  private unconfirmed: { id: string, rows: UsageRow[] } | null = null

  private readonly now: () => number

  constructor (private readonly opts: UsageOptions) {
    this.now = opts.now ?? Date.now
  }

  /** How a route's onResponse hook counts its requests: asked once per route, at boot. */
  route (contract: string, route: string): CountUsage {
    const usage = this.usageOf(contract, route)
    return (platform, appVersion, status) => { this.count(usage, platform, appVersion, status) }
  }

  /** Counts one request (tests; the gateway counts through route()). */
  record (platform: string | null, appVersion: string | null, contract: string, route: string, status: number): void {
    this.count(this.usageOf(contract, route), platform, appVersion, status)
  }

  private usageOf (contract: string, route: string): RouteUsage {
    const name = `${contract} ${route}`
    let usage = this.routes.get(name)
    if (usage === undefined) {
      usage = { contract, route, counts: new Map() }
      this.routes.set(name, usage)
    }
    return usage
  }

  /** The request path. */
  private count (usage: RouteUsage, platform: string | null, appVersion: string | null, status: number): void {
    const now = this.now()
    if (now >= this.dayEnds) this.rollDay(now)
    const statusClass = classOf(status)
    const counts = usage.counts.get(platform)?.get(appVersion)
    if (counts !== undefined && counts[statusClass] > 0) {
      counts[statusClass]++
      return
    }
    // A key not counted on its route since the last flush, or one counted as `other`.
    const bucketed = appVersion !== null && !this.admit(platform, appVersion)
    const claimed = this.claimKey(usage, platform, bucketed ? OTHER_VERSION : appVersion, statusClass)
    if (claimed === null) {
      this.dropped++
      return
    }
    claimed[statusClass]++
    if (bucketed) this.bucketed++
  }

  /**
   * The counts a key adds to on its route; a key new since the last flush takes one of `maxKeys`
   * (null when none is left).
   */
  private claimKey (usage: RouteUsage, platform: string | null, appVersion: string | null, statusClass: number): number[] | null {
    let versions = usage.counts.get(platform)
    let counts = versions?.get(appVersion)
    if (counts === undefined || counts[statusClass] === 0) {
      if (this.keys + this.held.length >= this.opts.maxKeys) return null
      if (versions === undefined) {
        versions = new Map()
        usage.counts.set(platform, versions)
      }
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
    if (this.keys > 0) this.held = this.held.concat(this.takeCounted())
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
          for (let statusClass = 0; statusClass < counts.length; statusClass++) {
            const count = counts[statusClass]
            if (count > 0) taken.push({ day: this.day, usage, platform, appVersion, statusClass, count })
          }
        }
      }
      usage.counts = new Map()
    }
    this.keys = 0
    return taken
  }

  /** Counts not yet written. */
  get pending (): number {
    let sum = 0
    for (const row of this.unconfirmed?.rows ?? []) sum += row.count
    for (const entry of this.held) sum += entry.count
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
    if (this.unconfirmed !== null) {
      // Until it is written or skipped, the counts since wait on their routes.
      await this.opts.repository.addUsage(this.unconfirmed.rows, this.unconfirmed.id)
      this.unconfirmed = null
    }
    // Past days' counts and today's: never the same key twice.
    const rows = [...this.held, ...this.takeCounted()].map(rowOf)
    this.held = []
    if (rows.length === 0) return
    const id = randomUUID()
    try {
      await this.opts.repository.addUsage(rows, id)
    } catch (err) {
      this.unconfirmed = { id, rows }
      throw err
    }
  }
}

function rowOf ({ day, usage, platform, appVersion, statusClass, count }: Counted): UsageRow {
  return {
    day,
    platform: platform ?? 'unknown',
    app_version: appVersion ?? 'none',
    contract_version: usage.contract,
    route: usage.route,
    status_class: STATUS_CLASSES[statusClass],
    count
  }
}
