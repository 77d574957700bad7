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
}

/** What the app versions past the day's limit are counted as: not semver, so never a candidate. */
export const OTHER_VERSION = 'other'

interface Entry {
  readonly row: Omit<UsageRow, 'count'>
  count: number
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx']

/** The first of the last `days` days, today included: YYYY-MM-DD in UTC, as usage is counted. */
export function firstOfLastDays (days: number, now = Date.now()): string {
  return new Date(now - (days - 1) * 86_400_000).toISOString().slice(0, 10)
}

/**
 * Counts requests in memory and writes them in batches: never a write per request. A failed flush
 * keeps its counts for the next one; past `maxKeys` distinct keys new ones are dropped, counted
 * and logged, so a database outage cannot grow memory without bound.
 */
export class UsageRecorder {
  private entries = new Map<string, Entry>()
  private day = ''
  private dayEnds = 0
  /** Requests that could not be counted (key limit reached) since start. */
  dropped = 0
  private droppedLogged = 0
  /** Requests counted as `other`: their version was new past the day's limit, since start. */
  bucketed = 0
  /** Per platform, the versions counted by name today that are not known. */
  private admitted = new Map<string | null, Set<string>>()

  constructor (private readonly opts: UsageOptions) {}

  record (platform: string | null, appVersion: string | null, contract: string, route: string, status: number): void {
    const now = Date.now()
    if (now >= this.dayEnds) this.rollDay(now)
    const statusClass = STATUS_CLASSES[Math.floor(status / 100) - 1] ?? '5xx'
    let key = `${this.day}|${platform ?? ''}|${appVersion ?? ''}|${contract}|${route}|${statusClass}`
    let entry = this.entries.get(key)
    if (entry !== undefined) {
      entry.count++
      return
    }
    const bucketed = appVersion !== null && !this.admit(platform, appVersion)
    if (bucketed) {
      appVersion = OTHER_VERSION
      key = `${this.day}|${platform ?? ''}|${appVersion}|${contract}|${route}|${statusClass}`
      entry = this.entries.get(key)
      if (entry !== undefined) {
        entry.count++
        this.bucketed++
        return
      }
    }
    if (this.entries.size >= this.opts.maxKeys) {
      this.dropped++
      return
    }
    if (bucketed) this.bucketed++
    this.entries.set(key, {
      row: { day: this.day, platform: platform ?? 'unknown', app_version: appVersion ?? 'none', contract_version: contract, route, status_class: statusClass },
      count: 1
    })
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

  private rollDay (now: number): void {
    this.admitted.clear()
    const date = new Date(now)
    this.day = date.toISOString().slice(0, 10)
    this.dayEnds = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1)
  }

  /** Counts not yet written. */
  get pending (): number {
    let sum = 0
    for (const entry of this.entries.values()) sum += entry.count
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
    if (this.entries.size === 0) return
    const batch = this.entries
    this.entries = new Map()
    try {
      await this.opts.repository.addUsage([...batch.values()].map(({ row, count }) => ({ ...row, count })))
    } catch (err) {
      this.merge(batch)
      throw err
    }
  }

  /** Puts back the counts of a batch that could not be written. */
  private merge (batch: Map<string, Entry>): void {
    for (const [key, entry] of batch) {
      const current = this.entries.get(key)
      if (current !== undefined) current.count += entry.count
      else if (this.entries.size < this.opts.maxKeys) this.entries.set(key, entry)
      else this.dropped += entry.count
    }
  }
}
