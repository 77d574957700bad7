import semver from 'semver'

export interface TrendDay {
  day: string
  /** Requests that day (on the platform asked for, or on all). */
  total: number
  /** Of those, from app versions in the range. */
  requests: number
  share: number
}

/** The versions in `range` (pre-releases included); a request that names none is in no range. */
export function versionsInRange (range: string, versions: readonly string[]): string[] {
  const compiled = new semver.Range(range, { includePrerelease: true })
  return versions.filter((version) => semver.valid(version) !== null && compiled.test(version))
}

/**
 * The share of each day's requests that a range of app versions carries: how fast a range is
 * leaving, to date its sunset by. Every day from `firstDay` to `lastDay` is there, those with no
 * traffic at 0.
 */
export function rangeTrend (
  daily: ReadonlyArray<{ day: string, total: number, requests: number }>,
  firstDay: string,
  lastDay: string
): TrendDay[] {
  const counted = new Map(daily.map((d) => [d.day, d]))
  const days: TrendDay[] = []
  for (let time = Date.parse(`${firstDay}T00:00:00Z`); time <= Date.parse(`${lastDay}T00:00:00Z`); time += 86_400_000) {
    const day = new Date(time).toISOString().slice(0, 10)
    const { total = 0, requests = 0 } = counted.get(day) ?? {}
    days.push({ day, total, requests, share: total === 0 ? 0 : requests / total })
  }
  return days
}
