import semver from 'semver'

export interface TrendDay {
  day: string
  /** Requests that day (on the platform asked for, or on all). */
  total: number
  /** Of those, from app versions in the range. */
  requests: number
  share: number
}

/**
 * The share of each day's requests that a range of app versions carries: how fast a range is
 * leaving, to date its sunset by. Requests that name no version are in no range. Every day of the
 * window is there, those with no traffic at 0.
 */
export function rangeTrend (
  usage: ReadonlyArray<{ day: string, platform: string, app_version: string, requests: number }>,
  range: string,
  platform: string | null,
  firstDay: string,
  lastDay: string
): TrendDay[] {
  const compiled = new semver.Range(range, { includePrerelease: true })
  const days = new Map<string, TrendDay>()
  for (let time = Date.parse(`${firstDay}T00:00:00Z`); time <= Date.parse(`${lastDay}T00:00:00Z`); time += 86_400_000) {
    const day = new Date(time).toISOString().slice(0, 10)
    days.set(day, { day, total: 0, requests: 0, share: 0 })
  }
  const inRange = new Map<string, boolean>()
  for (const row of usage) {
    const entry = days.get(row.day)
    if (entry === undefined || (platform !== null && row.platform !== platform)) continue
    entry.total += row.requests
    let matches = inRange.get(row.app_version)
    if (matches === undefined) {
      matches = semver.valid(row.app_version) !== null && compiled.test(row.app_version)
      inRange.set(row.app_version, matches)
    }
    if (matches) entry.requests += row.requests
  }
  for (const entry of days.values()) entry.share = entry.total === 0 ? 0 : entry.requests / entry.total
  return [...days.values()]
}
