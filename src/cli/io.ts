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
export const day = (iso: string | null): string | null => iso?.slice(0, 10) ?? null

export function daysOf (text: string): number {
  const days = Number(text)
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError(`--days "${text}" is not a number of days (1 to 366)`)
  return days
}

/** What to say when an answer covers fewer days than were asked for: the gateway keeps no more. */
export function keptOnly (days: number, asked: number): string {
  return days < asked ? ` (only ${days} days are kept)` : ''
}
