// What every CLI command shares: where it writes, how it fails, how it prints.

export interface Io {
  out (line: string): void
  err (line: string): void
  env: Record<string, string | undefined>
}

/** Bad usage (exit 2, with the usage text), not a failure (exit 1). */
export class UsageError extends Error {}

/** Columns padded to their widest cell. */
export function table (rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): string[] {
  const cells = rows.map((row) => columns.map((c) => (row[c] === null || row[c] === undefined ? '-' : String(row[c]))))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)))
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd()
  return [line(columns), ...cells.map(line)]
}

export const percent = (share: number): string => `${(share * 100).toFixed(1)}%`

// Dates, one way everywhere the CLI prints one: days as `2027-01-31`, instants as `2027-01-31 09:00 UTC`.
// (--json prints the admin API's own ISO timestamps, for scripts.)
export const day = (iso: string | null | undefined): string | null => iso == null ? null : new Date(iso).toISOString().slice(0, 10)
export const time = (iso: string | null | undefined): string | null => iso == null ? null : `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`

/** --json: the answer as it came, for scripts. */
export const printJson = (io: Io, value: unknown): void => io.out(JSON.stringify(value, null, 2))

export function daysOf (text: string): number {
  const days = Number(text)
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError(`--days "${text}" is not a number of days (1 to 366)`)
  return days
}

/** What to say when an answer covers fewer days than were asked for: the gateway keeps no more. */
export function keptOnly (days: number, asked: number): string {
  return days < asked ? ` (only ${days} days are kept)` : ''
}
