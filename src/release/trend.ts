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

/** One series of a stacked chart: a version's requests each day, and its share of them all. */
export interface DailySeries {
  /** null: the versions not named, together. */
  name: string | null
  requests: number[]
  share: number
}

/**
 * Daily counts as series over every day from `firstDay` to `lastDay` (those with no traffic at 0),
 * busiest first and the rest last, with each day's total: what a stacked chart of shares draws.
 */
export function dailySeries (
  counts: ReadonlyArray<{ day: string, name: string | null, requests: number }>,
  firstDay: string,
  lastDay: string
): { days: string[], totals: number[], series: DailySeries[] } {
  const days = rangeTrend([], firstDay, lastDay).map((d) => d.day)
  const index = new Map(days.map((day, i) => [day, i]))
  const totals = days.map(() => 0)
  const byName = new Map<string | null, DailySeries>()
  for (const { day, name, requests } of counts) {
    const i = index.get(day)
    if (i === undefined) continue
    const series = byName.get(name) ?? { name, requests: days.map(() => 0), share: 0 }
    series.requests[i] += requests
    totals[i] += requests
    byName.set(name, series)
  }
  const all = totals.reduce((sum, n) => sum + n, 0)
  const series = [...byName.values()]
  for (const s of series) s.share = all === 0 ? 0 : s.requests.reduce((sum, n) => sum + n, 0) / all
  series.sort((a, b) => Number(a.name === null) - Number(b.name === null) || b.share - a.share || String(a.name).localeCompare(String(b.name)))
  return { days, totals, series }
}
