/** A day (`2026-12-24`, UTC) or a timestamp with its offset (`2026-12-24T09:00:00-05:00`). */
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2}))?$'
const DATE = new RegExp(DATE_PATTERN)

/**
 * The instant a day or timestamp names, as ISO text; null when it names none. Date.parse rolls
 * 2026-02-31 over into March: a calendar day that does not round-trip is not one (a timestamp's own
 * day is checked alone, as its offset may put it on another UTC day). Years outside 1970–9999 are
 * typos, and PostgreSQL would refuse some of them.
 */
export function instantOf (value: string): string | null {
  if (!DATE.test(value)) return null
  const day = value.slice(0, 10)
  const midnight = Date.parse(`${day}T00:00:00Z`)
  const time = value.length === 10 ? midnight : Date.parse(value)
  if (Number.isNaN(midnight) || Number.isNaN(time) || new Date(midnight).toISOString().slice(0, 10) !== day) return null
  const year = new Date(time).getUTCFullYear()
  return year < 1970 || year > 9999 ? null : new Date(time).toISOString()
}

/** The first of the last `days` days, today included: YYYY-MM-DD in UTC, as usage is counted. */
export function firstOfLastDays (days: number, now = Date.now()): string {
  return new Date(now - (days - 1) * 86_400_000).toISOString().slice(0, 10)
}
