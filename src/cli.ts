#!/usr/bin/env node
import { realpathSync } from 'node:fs'
import { hostname, userInfo } from 'node:os'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { request } from 'undici'
import { loadConfig } from './config.js'
import type { BundleSource } from './engine/index.js'
import { checkSnapshots, faulty, freezeSnapshots, tampered, type SnapshotReport } from './contract-snapshots.js'
import { instantOf } from './release/dates.js'
import { releaseVersionProblem } from './release/latest.js'
import { rangeProblem } from './release/policy.js'
import { openDatabase } from './storage/database.js'
import { migrate } from './storage/migrations.js'

const USAGE = `usage: evergate <command>

  versions list                          the rules in force and every app version seen
  versions deprecate <range> [options]   deprecate app versions (Deprecation/Sunset headers)
  versions retire <range> [options]      refuse app versions with a 426 upgrade answer
  versions support <range> [options]     support app versions again (the newest rule wins)
  versions usage [--days N]              requests per app version and platform, with shares
  versions routes [--days N] [--contract V]
                                         requests per contract version and route, with errors
  versions trend <range> [--platform P] [--days N]
                                         a range's share of each day's requests (default 30 days)
  versions delete-rule <id>              delete a rule (list shows their ids)
  versions audit [--limit N]             the last changes to rules and releases: who, when, what
  versions release <version> [options]   announce a release: app-status names it the latest
  versions withdraw <version> [--platform P]
                                         withdraw an announced release (pulled from the store)
  migrate                                bring the database schema up to date
  contracts check                        compare every contract with its frozen snapshot
  contracts freeze [version...]          snapshot every contract not frozen yet (a release), or those named

options for deprecate, retire, support:
  --dry-run          change nothing: show the app versions whose status would change, with their traffic
  --platform P       ios, android, web, ... (default: every platform)
  --sunset DATE      YYYY-MM-DD: deprecated versions retire on that day
  --message TEXT     what the app shows its user
  --upgrade-url URL  the store page

options for release:
  --platform P       the store it is out in (default: every platform)
  --date WHEN        YYYY-MM-DD (UTC), or a timestamp with its offset: when it is out (default: now)

The versions commands talk to the admin API: EVERGATE_ADMIN_URL (default http://127.0.0.1:8081)
with EVERGATE_ADMIN_TOKEN. migrate uses DATABASE_URL, or the embedded database in EVERGATE_DATA_DIR.
Exit codes: 0 done, 1 failed, 2 bad usage.`

export interface Io {
  out (line: string): void
  err (line: string): void
  env: Record<string, string | undefined>
}

class UsageError extends Error {}

/** Columns padded to their widest cell. */
export function table (rows: ReadonlyArray<Record<string, unknown>>, columns: readonly string[]): string[] {
  const cells = rows.map((row) => columns.map((c) => (row[c] === null || row[c] === undefined ? '-' : String(row[c]))))
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)))
  const line = (values: readonly string[]) => values.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd()
  return [line(columns), ...cells.map(line)]
}

function adminClient (env: Io['env']) {
  const base = (env.EVERGATE_ADMIN_URL ?? 'http://127.0.0.1:8081').replace(/\/$/, '')
  const token = env.EVERGATE_ADMIN_TOKEN ?? ''
  if (token === '') throw new UsageError('EVERGATE_ADMIN_TOKEN is not set')
  const actor = `${userInfo().username}@${hostname()}`.replace(/[^\w.@+-]/g, '').slice(0, 64)
  return async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<any> => {
    let res
    try {
      res = await request(base + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-evergate-actor': actor,
          // Fastify refuses an empty body said to be JSON.
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    } catch (err) {
      throw new Error(`cannot reach the admin API at ${base}: ${(err as Error).message}`)
    }
    const json = await res.body.json().catch(() => null) as { error?: { message?: string } } | null
    if (res.statusCode === 401) throw new Error('the admin API refused the token (EVERGATE_ADMIN_TOKEN)')
    if (res.statusCode >= 400) throw new Error(json?.error?.message ?? `the admin API answered ${res.statusCode}`)
    return json
  }
}

const RULE_OPTIONS = {
  'dry-run': { type: 'boolean' },
  platform: { type: 'string' },
  sunset: { type: 'string' },
  message: { type: 'string' },
  'upgrade-url': { type: 'string' }
} as const

function ruleFrom (status: string, args: string[]): { rule: Record<string, unknown>, dryRun: boolean } {
  const { values, positionals } = parseArgs({ args, options: RULE_OPTIONS, allowPositionals: true, strict: true })
  const [range] = positionals
  if (range === undefined || positionals.length > 1) throw new UsageError(`versions ${status === 'supported' ? 'support' : status.replace(/d$/, '')} takes one range, e.g. "<2.0.0"`)
  const problem = rangeProblem(range)
  if (problem !== null) throw new UsageError(problem)
  const sunset = values.sunset
  if (sunset !== undefined && (sunset.length !== 10 || instantOf(sunset) === null)) {
    throw new UsageError(`--sunset "${sunset}" is not a date (YYYY-MM-DD)`)
  }
  if (values['upgrade-url'] !== undefined && !URL.canParse(values['upgrade-url'])) {
    throw new UsageError(`--upgrade-url "${values['upgrade-url']}" is not a URL`)
  }
  const rule = {
    range,
    status,
    platform: values.platform?.toLowerCase() ?? null,
    sunset_date: sunset ?? null,
    message: values.message ?? null,
    upgrade_url: values['upgrade-url'] ?? null
  }
  return { rule, dryRun: values['dry-run'] === true }
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`

/** What a rule would change, from the admin API's preview: nothing is made. */
async function preview (rule: Record<string, unknown>, admin: Admin, io: Io): Promise<number> {
  const result = await admin('POST', '/rules/preview', rule)
  const what = `${String(rule.status)} ${String(rule.range)} on ${String(rule.platform ?? 'every platform')}`
  io.out(`dry run: ${what} would change ${result.changes.length} app version(s), ${percent(result.share)} of the ` +
    `last ${result.days} day(s)' requests (${result.affected} of ${result.total}); nothing was changed`)
  const rows = result.changes.map((c: { share: number }) => ({ ...c, share: percent(c.share) }))
  if (rows.length > 0) for (const line of table(rows, ['app_version', 'platform', 'requests', 'share', 'from', 'to'])) io.out(line)
  return 0
}

const RULE_COLUMNS = ['id', 'range', 'platform', 'status', 'deprecation_date', 'sunset_date', 'message', 'updated_by'] as const
const day = (iso: string | null) => iso?.slice(0, 10) ?? null

type Admin = ReturnType<typeof adminClient>

interface AuditEntry {
  at: string
  actor: string
  action: string
  rule_id: number | null
  release_id: number | null
  before: Record<string, string | null> | null
  after: Record<string, string | null> | null
}

const RELEASE_OPTIONS = { platform: { type: 'string' }, date: { type: 'string' } } as const

/** `versions release` and `versions withdraw`: what app-status names the latest version. */
async function releases (command: 'release' | 'withdraw', args: string[], io: Io, admin: Admin): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: RELEASE_OPTIONS, allowPositionals: true, strict: true })
  const [version] = positionals
  if (version === undefined || positionals.length > 1) throw new UsageError(`versions ${command} takes one version, e.g. 3.4.0`)
  const platform = values.platform?.toLowerCase() ?? null
  const where = platform ?? 'every platform'
  const date = values.date
  if (command === 'withdraw' && date !== undefined) throw new UsageError('versions withdraw takes no --date: it withdraws the release now')
  if (command === 'release') {
    if (date !== undefined && instantOf(date) === null) throw new UsageError(`--date "${date}" is not a date (YYYY-MM-DD (UTC), or a timestamp with its offset)`)
    const problem = releaseVersionProblem(version)
    if (problem !== null) throw new UsageError(problem)
    const release = await admin('POST', '/releases', { version, platform, released_at: date ?? null })
    const out = Date.parse(release.released_at) <= Date.now() ? 'out now' : `out from ${release.released_at}`
    io.out(`release ${release.id}: ${release.version} on ${where}, ${out}`)
    return 0
  }
  const { releases } = await admin('GET', '/releases') as { releases: Array<{ id: number, version: string, platform: string | null, withdrawn_at: string | null }> }
  const announced = releases.find((r) => r.version === version && r.platform === platform && r.withdrawn_at === null)
  if (announced === undefined) throw new Error(`${version} is not announced for ${where} (evergate versions list shows what is)`)
  await admin('DELETE', `/releases/${announced.id}`)
  io.out(`release ${announced.id} withdrawn: ${version} on ${where}`)
  return 0
}

async function versions (command: string | undefined, args: string[], io: Io): Promise<number> {
  const admin = adminClient(io.env)
  const STATUS: Record<string, string> = { deprecate: 'deprecated', retire: 'retired', support: 'supported' }
  if (command !== undefined && command in STATUS) {
    const { rule: fields, dryRun } = ruleFrom(STATUS[command], args)
    if (dryRun) return await preview(fields, admin, io)
    const rule = await admin('POST', '/rules', fields)
    io.out(`rule ${rule.id}: ${rule.range} ${rule.platform ?? 'every platform'} -> ${rule.status}` +
      (rule.sunset_date === null ? '' : `, sunset ${day(rule.sunset_date)}`))
    return 0
  }
  if (command === 'release' || command === 'withdraw') return await releases(command, args, io, admin)
  if (command === 'delete-rule') {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true })
    const id = Number(positionals[0])
    if (positionals.length !== 1 || !Number.isInteger(id) || id < 1) throw new UsageError('versions delete-rule takes one rule id, e.g. 3 (versions list shows them)')
    const rule = await admin('DELETE', `/rules/${id}`)
    io.out(`rule ${rule.id} deleted: ${rule.range} ${rule.platform ?? 'every platform'} -> ${rule.status} no longer applies`)
    return 0
  }
  if (command === 'audit') {
    const { values } = parseArgs({ args, options: { limit: { type: 'string', default: '20' } }, strict: true })
    const limit = Number(values.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit "${values.limit}" is not a number of changes (1 to 1000)`)
    const { audit } = await admin('GET', `/audit?limit=${limit}`)
    const rows = audit.map((a: AuditEntry) => {
      const subject = a.after ?? a.before
      const what = a.rule_id !== null
        ? `rule #${a.rule_id}: ${String(subject?.status)} ${String(subject?.range)}`
        : `release #${String(a.release_id)}: ${String(subject?.version)}`
      return { at: a.at.slice(0, 19).replace('T', ' '), actor: a.actor, action: a.action, what: `${what} on ${String(subject?.platform ?? 'every platform')}` }
    })
    for (const line of table(rows, ['at', 'actor', 'action', 'what'])) io.out(line)
    return 0
  }
  if (command === 'list') {
    parseArgs({ args, options: {}, strict: true })
    const [{ rules }, { releases }, seen] = await Promise.all([admin('GET', '/rules'), admin('GET', '/releases'), admin('GET', '/versions')])
    io.out('Rules (a platform rule beats an any-platform rule; then the newest wins)')
    for (const line of table(rules.map((r: Record<string, string>) => ({ ...r, deprecation_date: day(r.deprecation_date), sunset_date: day(r.sunset_date) })), RULE_COLUMNS)) io.out(line)
    io.out('')
    io.out('Releases announced (the newest one out is the latest for its platform)')
    for (const line of table(releases, ['id', 'version', 'platform', 'released_at', 'created_by', 'withdrawn_at', 'withdrawn_by'])) io.out(line)
    io.out('')
    io.out(`Latest version per platform: ${seen.latest.map((l: { platform: string, version: string, source: string }) => `${l.platform} ${l.version} (${l.source})`).join(', ') || 'none seen'}`)
    io.out(`App versions seen (minimum supported: ${seen.minimum_version ?? 'none'}; contracts: ${seen.contracts.join(', ')})`)
    for (const line of table(seen.versions, ['app_version', 'platform', 'status', 'rule_id', 'sunset_date'])) io.out(line)
    return 0
  }
  if (command === 'usage') {
    const { values } = parseArgs({ args, options: { days: { type: 'string', default: '7' } }, strict: true })
    const days = daysOf(values.days)
    const usage = await admin('GET', `/usage?days=${days}`)
    io.out(`Requests over the last ${usage.days} day(s): ${usage.total}${keptOnly(usage.days, days)}`)
    const rows = usage.versions.map((v: { share: number }) => ({ ...v, share: percent(v.share) }))
    for (const line of table(rows, ['app_version', 'platform', 'contract_version', 'requests', 'share'])) io.out(line)
    return 0
  }
  if (command === 'trend') {
    const { values, positionals } = parseArgs({ args, options: { days: { type: 'string', default: '30' }, platform: { type: 'string' } }, allowPositionals: true, strict: true })
    const [range] = positionals
    if (range === undefined || positionals.length > 1) throw new UsageError('versions trend takes one range, e.g. "<2.0.0"')
    const problem = rangeProblem(range)
    if (problem !== null) throw new UsageError(problem)
    const days = daysOf(values.days)
    const platform = values.platform?.toLowerCase()
    const query = `range=${encodeURIComponent(range)}&days=${days}${platform === undefined ? '' : `&platform=${encodeURIComponent(platform)}`}`
    const { trend, days: covered } = await admin('GET', `/usage/trend?${query}`)
    io.out(`Share of ${range} in each day's requests on ${platform ?? 'every platform'}, over the last ${covered} day(s)${keptOnly(covered, days)}`)
    const rows = trend.map((d: { share: number }) => ({ ...d, share: percent(d.share) }))
    for (const line of table(rows, ['day', 'requests', 'total', 'share'])) io.out(line)
    return 0
  }
  if (command === 'routes') {
    const { values } = parseArgs({ args, options: { days: { type: 'string', default: '7' }, contract: { type: 'string' } }, strict: true })
    const days = daysOf(values.days)
    const query = values.contract === undefined ? '' : `&contract=${encodeURIComponent(values.contract)}`
    const usage = await admin('GET', `/usage/routes?days=${days}${query}`)
    io.out(`Requests per contract version and route over the last ${usage.days} day(s)${keptOnly(usage.days, days)}`)
    const share = (n: number, of: number) => (n === 0 ? '0' : `${n} (${percent(n / of)})`)
    const rows = usage.routes.map((r: { statuses: Record<string, number>, requests: number }) => ({
      ...r, '4xx': share(r.statuses['4xx'] ?? 0, r.requests), '5xx': share(r.statuses['5xx'] ?? 0, r.requests)
    }))
    for (const line of table(rows, ['contract_version', 'route', 'requests', '4xx', '5xx'])) io.out(line)
    return 0
  }
  throw new UsageError(`unknown command: versions ${command ?? ''}`.trim())
}

function daysOf (text: string): number {
  const days = Number(text)
  if (!Number.isInteger(days) || days < 1 || days > 366) throw new UsageError(`--days "${text}" is not a number of days (1 to 366)`)
  return days
}

/** What to say when an answer covers fewer days than were asked for: the gateway keeps no more. */
function keptOnly (days: number, asked: number): string {
  return days < asked ? ` (only ${days} days are kept)` : ''
}

async function loadContracts (): Promise<BundleSource['contracts']> {
  const { default: bundle } = await import('../versions/index.js') as { default: BundleSource }
  return bundle.contracts
}

/** The bundle's own snapshots, wherever the command runs from (compiled, this is dist/src/cli.js). */
const SNAPSHOTS = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../contracts/snapshots' : '../../contracts/snapshots', import.meta.url))

function reportFaults (report: SnapshotReport, io: Io): void {
  for (const v of report.unfrozen) io.err(`${v}  NOT FROZEN, and a newer contract exists: it has shipped; run evergate contracts freeze ${v}`)
  for (const v of report.drifted) io.err(`${v}  CHANGED since it was frozen: released apps rely on it; add a new version instead`)
  for (const v of report.dropped) io.err(`${v}  frozen, but no longer in the bundle: released apps still call it`)
}

async function contracts (command: string | undefined, args: string[], io: Io, load: typeof loadContracts): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { snapshots: { type: 'string' } }, allowPositionals: true, strict: true })
  const dir = values.snapshots === undefined ? SNAPSHOTS : resolve(values.snapshots)
  if (command === 'check') {
    if (positionals.length > 0) throw new UsageError('contracts check takes no version: it checks them all')
    const report = await checkSnapshots(await load(), dir)
    for (const v of report.frozen) io.out(`${v}  frozen, unchanged`)
    for (const v of report.unreleased) io.out(`${v}  not frozen yet (freeze it when it ships: evergate contracts freeze)`)
    reportFaults(report, io)
    return faulty(report) ? 1 : 0
  }
  if (command === 'freeze') {
    const bundled = await load()
    const unknown = positionals.filter((v) => !bundled.some((c) => c.version === v))
    if (unknown.length > 0) throw new UsageError(`no contract ${unknown.join(', ')} in the bundle`)
    const { written, report } = await freezeSnapshots(bundled, dir, positionals.length === 0 ? undefined : positionals)
    reportFaults(report, io)
    if (tampered(report)) {
      io.err('nothing frozen: put the released contracts back as they were first')
      return 1
    }
    io.out(written.length === 0 ? 'every contract is already frozen' : `froze ${written.join(', ')}`)
    return 0
  }
  throw new UsageError(`unknown command: contracts ${command ?? ''}`.trim())
}

async function migrateCommand (io: Io): Promise<number> {
  const config = loadConfig({ ...io.env, EVERGATE_RELEASE_MANAGEMENT: 'true' })
  const db = openDatabase(config.release?.database as Parameters<typeof openDatabase>[0])
  try {
    const ran = await migrate(db.knex)
    io.out(ran.length === 0 ? `the ${db.kind} database is up to date` : `migrated the ${db.kind} database: ${ran.join(', ')}`)
    return 0
  } finally {
    await db.knex.destroy()
  }
}

/** Runs one CLI command; returns the exit code. */
export async function run (argv: string[], io: Io, load = loadContracts): Promise<number> {
  const [group, command, ...args] = argv
  try {
    if (group === 'versions') return await versions(command, args, io)
    if (group === 'contracts') return await contracts(command, args, io, load)
    if (group === 'migrate' && command === undefined) return await migrateCommand(io)
    throw new UsageError(group === undefined ? 'no command' : `unknown command: ${argv.join(' ')}`)
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true
    io.err(`evergate: ${(err as Error).message}`)
    if (usage) io.err(USAGE)
    return usage ? 2 : 1
  }
}

/* c8 ignore next 4 -- the process entry; `run` is what the tests drive */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const io: Io = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env }
  process.exitCode = await run(process.argv.slice(2), io)
}
