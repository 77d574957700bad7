import { parseArgs, type ParseArgsConfig } from 'node:util'
import { instantOf } from '../release/dates.js'
import { releaseVersionProblem } from '../release/latest.js'
import { rangeProblem } from '../release/policy.js'
import type { RulePreview } from '../release/preview.js'
import { adminClient, timeoutOf, type Admin } from './admin-client.js'
import { day, daysOf, keptOnly, percent, printJson, table, time, UsageError, type Io } from './io.js'

// `evergate versions ...`: the release manager's commands, each a call to the admin API.

type Command = (args: string[], io: Io) => Promise<number>
type Options = NonNullable<ParseArgsConfig['options']>

/** What every versions command takes: --json, and how long to wait for the admin API. */
const COMMON = { json: { type: 'boolean' }, timeout: { type: 'string' } } as const

/** A command's arguments, strictly parsed with the common options, and the admin client they ask for. */
function parse<O extends Options> (args: string[], io: Io, options: O, allowPositionals = false) {
  const { values, positionals } = parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals, strict: true })
  const common = values as { json?: boolean, timeout?: string }
  return { values, positionals, admin: adminClient(io.env, timeoutOf(common.timeout, io.env)), json: common.json === true }
}

const RULE_OPTIONS = {
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean' },
  platform: { type: 'string' },
  sunset: { type: 'string' },
  message: { type: 'string' },
  'upgrade-url': { type: 'string' }
} as const

type RuleFields = { range: string, status: string, platform: string | null, sunset_date: string | null }

/**
 * What a person may not mean by a rule: versions served again after they were retired (a
 * `deprecate "<2.4.0"` over a retired "<1.5.0" does that, as the newest rule wins), judged on the
 * traffic the preview looked at; and a sunset already past, which retires at once.
 */
function surprises (rule: RuleFields, preview: RulePreview | null): string[] {
  const warnings: string[] = []
  const unretired = preview?.changes.filter((c) => c.from === 'retired') ?? []
  if (unretired.length > 0) {
    const named = unretired.slice(0, 10).map((c) => `${c.app_version} (${c.platform})`).join(', ') + (unretired.length > 10 ? ', ...' : '')
    const share = unretired.reduce((sum, c) => sum + c.share, 0)
    warnings.push(`${rule.status} ${rule.range} would un-retire ${unretired.length} app version(s), ${percent(share)} of recent requests: ${named}`)
  }
  if (rule.status === 'deprecated' && rule.sunset_date !== null && rule.sunset_date < new Date().toISOString().slice(0, 10)) {
    warnings.push(`--sunset ${rule.sunset_date} is in the past: the versions it deprecates are retired at once`)
  }
  return warnings
}

/** deprecate, retire, support: a rule for a range, or with --dry-run what it would change. */
function ruleCommand (command: string, status: 'deprecated' | 'retired' | 'supported'): Command {
  return async (args, io) => {
    const { values, positionals, admin, json } = parse(args, io, RULE_OPTIONS, true)
    const [range] = positionals
    if (range === undefined || positionals.length > 1) throw new UsageError(`versions ${command} takes one range, e.g. "<2.0.0"`)
    const problem = rangeProblem(range)
    if (problem !== null) throw new UsageError(problem)
    const sunset = values.sunset
    if (sunset !== undefined && (sunset.length !== 10 || instantOf(sunset) === null)) {
      throw new UsageError(`--sunset "${sunset}" is not a date (YYYY-MM-DD)`)
    }
    if (values['upgrade-url'] !== undefined && !URL.canParse(values['upgrade-url'])) {
      throw new UsageError(`--upgrade-url "${values['upgrade-url']}" is not a URL`)
    }
    const fields = {
      range,
      status,
      platform: values.platform?.toLowerCase() ?? null,
      sunset_date: sunset ?? null,
      message: values.message ?? null,
      upgrade_url: values['upgrade-url'] ?? null
    }
    if (values['dry-run'] === true) return await preview(fields, io, admin, json)
    // A retire can un-retire nothing: no preview to ask for.
    const warnings = surprises(fields, status === 'retired' ? null : await admin('POST', '/rules/preview', fields))
    for (const warning of warnings) io.err(`warning: ${warning}`)
    if (warnings.length > 0 && values.yes !== true) {
      io.err('nothing was changed: run it again with --yes if that is what you mean (--dry-run shows every change)')
      return 1
    }
    const rule = await admin('POST', '/rules', fields)
    if (json) printJson(io, rule)
    else io.out(`rule ${rule.id}: ${rule.range} ${rule.platform ?? 'every platform'} -> ${rule.status}` +
      (rule.sunset_date === null ? '' : `, sunset ${day(rule.sunset_date)}`))
    return 0
  }
}

/** What a rule would change, from the admin API's preview: nothing is made. */
async function preview (rule: RuleFields, io: Io, admin: Admin, json: boolean): Promise<number> {
  const result = await admin('POST', '/rules/preview', rule)
  for (const warning of surprises(rule, result)) io.err(`warning: ${warning}`)
  if (json) {
    printJson(io, result)
    return 0
  }
  io.out(`dry run: ${rule.status} ${rule.range} on ${rule.platform ?? 'every platform'} would change ${result.changes.length} ` +
    `app version(s), ${percent(result.share)} of the last ${result.days} day(s)' requests (${result.affected} of ${result.total}); nothing was changed`)
  const rows = result.changes.map((c: { share: number }) => ({ ...c, share: percent(c.share) }))
  if (rows.length > 0) for (const line of table(rows, ['app_version', 'platform', 'requests', 'share', 'from', 'to'])) io.out(line)
  return 0
}

const deleteRule: Command = async (args, io) => {
  const { positionals, admin, json } = parse(args, io, {}, true)
  const id = Number(positionals[0])
  if (positionals.length !== 1 || !Number.isInteger(id) || id < 1) throw new UsageError('versions delete-rule takes one rule id, e.g. 3 (versions list shows them)')
  const rule = await admin('DELETE', `/rules/${id}`)
  if (json) printJson(io, rule)
  else io.out(`rule ${rule.id} deleted: ${rule.range} ${rule.platform ?? 'every platform'} -> ${rule.status} no longer applies`)
  return 0
}

const RELEASE_OPTIONS = { platform: { type: 'string' }, date: { type: 'string' } } as const

/** `versions release` and `versions withdraw`: what app-status names the latest version. */
function releaseCommand (command: 'release' | 'withdraw'): Command {
  return async (args, io) => {
    const { values, positionals, admin, json } = parse(args, io, RELEASE_OPTIONS, true)
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
      const out = Date.parse(release.released_at) <= Date.now() ? 'out now' : `out from ${time(release.released_at)}`
      if (json) printJson(io, release)
      else io.out(`release ${release.id}: ${release.version} on ${where}, ${out}`)
      return 0
    }
    const { releases } = await admin('GET', '/releases') as { releases: Array<{ id: number, version: string, platform: string | null, withdrawn_at: string | null }> }
    const announced = releases.find((r) => r.version === version && r.platform === platform && r.withdrawn_at === null)
    if (announced === undefined) throw new Error(`${version} is not announced for ${where} (evergate versions list shows what is)`)
    const withdrawn = await admin('DELETE', `/releases/${announced.id}`)
    if (json) printJson(io, withdrawn)
    else io.out(`release ${announced.id} withdrawn: ${version} on ${where}`)
    return 0
  }
}

const RULE_COLUMNS = ['id', 'range', 'platform', 'status', 'deprecation_date', 'sunset_date', 'message', 'updated_by'] as const

const list: Command = async (args, io) => {
  const { admin, json } = parse(args, io, {})
  const [{ rules }, { releases }, seen] = await Promise.all([admin('GET', '/rules'), admin('GET', '/releases'), admin('GET', '/versions')])
  if (json) {
    printJson(io, { rules, releases, ...seen })
    return 0
  }
  const days = (r: Record<string, string>) => ({ ...r, deprecation_date: day(r.deprecation_date), sunset_date: day(r.sunset_date) })
  io.out('Rules (a platform rule beats an any-platform rule; then the newest wins)')
  for (const line of table(rules.map(days), RULE_COLUMNS)) io.out(line)
  io.out('')
  io.out('Releases announced (the newest one out is the latest for its platform)')
  const times = (r: Record<string, string>) => ({ ...r, released_at: time(r.released_at), withdrawn_at: time(r.withdrawn_at) })
  for (const line of table(releases.map(times), ['id', 'version', 'platform', 'released_at', 'created_by', 'withdrawn_at', 'withdrawn_by'])) io.out(line)
  io.out('')
  io.out(`Latest version per platform: ${seen.latest.map((l: { platform: string, version: string, source: string }) => `${l.platform} ${l.version} (${l.source})`).join(', ') || 'none seen'}`)
  io.out(`App versions seen (minimum supported: ${seen.minimum_version ?? 'none'}; contracts: ${seen.contracts.join(', ')})`)
  for (const line of table(seen.versions.map((v: Record<string, string>) => ({ ...v, sunset_date: day(v.sunset_date) })), ['app_version', 'platform', 'status', 'rule_id', 'sunset_date'])) io.out(line)
  if (seen.not_listed > 0) io.out(`${seen.not_listed} more versions seen, with less traffic, are not listed`)
  return 0
}

const usage: Command = async (args, io) => {
  const { values, admin, json } = parse(args, io, { days: { type: 'string', default: '7' } })
  const days = daysOf(values.days)
  const answer = await admin('GET', `/usage?days=${days}`)
  if (json) {
    printJson(io, answer)
    return 0
  }
  io.out(`Requests over the last ${answer.days} day(s): ${answer.total}${keptOnly(answer.days, days)}`)
  const rows = answer.versions.map((v: { share: number }) => ({ ...v, share: percent(v.share) }))
  for (const line of table(rows, ['app_version', 'platform', 'contract_version', 'requests', 'share'])) io.out(line)
  const { versions, requests } = answer.not_listed
  if (versions > 0) io.out(`${versions} more, with ${requests} requests in all, are not listed`)
  return 0
}

const trend: Command = async (args, io) => {
  const { values, positionals, admin, json } = parse(args, io, { days: { type: 'string', default: '30' }, platform: { type: 'string' } }, true)
  const [range] = positionals
  if (range === undefined || positionals.length > 1) throw new UsageError('versions trend takes one range, e.g. "<2.0.0"')
  const problem = rangeProblem(range)
  if (problem !== null) throw new UsageError(problem)
  const days = daysOf(values.days)
  const platform = values.platform?.toLowerCase()
  const query = `range=${encodeURIComponent(range)}&days=${days}${platform === undefined ? '' : `&platform=${encodeURIComponent(platform)}`}`
  const answer = await admin('GET', `/usage/trend?${query}`)
  if (json) {
    printJson(io, answer)
    return 0
  }
  io.out(`Share of ${range} in each day's requests on ${platform ?? 'every platform'}, over the last ${answer.days} day(s)${keptOnly(answer.days, days)}`)
  const rows = answer.trend.map((d: { share: number }) => ({ ...d, share: percent(d.share) }))
  for (const line of table(rows, ['day', 'requests', 'total', 'share'])) io.out(line)
  return 0
}

const routes: Command = async (args, io) => {
  const { values, admin, json } = parse(args, io, { days: { type: 'string', default: '7' }, contract: { type: 'string' } })
  const days = daysOf(values.days)
  const query = values.contract === undefined ? '' : `&contract=${encodeURIComponent(values.contract)}`
  const answer = await admin('GET', `/usage/routes?days=${days}${query}`)
  if (json) {
    printJson(io, answer)
    return 0
  }
  io.out(`Requests per contract version and route over the last ${answer.days} day(s)${keptOnly(answer.days, days)}`)
  const share = (n: number, of: number) => (n === 0 ? '0' : `${n} (${percent(n / of)})`)
  const rows = answer.routes.map((r: { statuses: Record<string, number>, requests: number }) => ({
    ...r, '4xx': share(r.statuses['4xx'] ?? 0, r.requests), '5xx': share(r.statuses['5xx'] ?? 0, r.requests)
  }))
  for (const line of table(rows, ['contract_version', 'route', 'requests', '4xx', '5xx'])) io.out(line)
  return 0
}

interface AuditEntry {
  at: string
  actor: string
  action: string
  rule_id: number | null
  release_id: number | null
  before: Record<string, string | null> | null
  after: Record<string, string | null> | null
}

const audit: Command = async (args, io) => {
  const { values, admin, json } = parse(args, io, { limit: { type: 'string', default: '20' } })
  const limit = Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit "${values.limit}" is not a number of changes (1 to 1000)`)
  const answer = await admin('GET', `/audit?limit=${limit}`)
  if (json) {
    printJson(io, answer)
    return 0
  }
  const rows = answer.audit.map((a: AuditEntry) => {
    const subject = a.after ?? a.before
    const what = a.rule_id !== null
      ? `rule #${a.rule_id}: ${String(subject?.status)} ${String(subject?.range)}`
      : `release #${String(a.release_id)}: ${String(subject?.version)}`
    return { at: time(a.at), actor: a.actor, action: a.action, what: `${what} on ${String(subject?.platform ?? 'every platform')}` }
  })
  for (const line of table(rows, ['at', 'actor', 'action', 'what'])) io.out(line)
  return 0
}

const COMMANDS: Readonly<Record<string, Command>> = {
  list,
  deprecate: ruleCommand('deprecate', 'deprecated'),
  retire: ruleCommand('retire', 'retired'),
  support: ruleCommand('support', 'supported'),
  'delete-rule': deleteRule,
  usage,
  routes,
  trend,
  audit,
  release: releaseCommand('release'),
  withdraw: releaseCommand('withdraw')
}

export async function versions (command: string | undefined, args: string[], io: Io): Promise<number> {
  const run = command === undefined || !Object.hasOwn(COMMANDS, command) ? undefined : COMMANDS[command]
  if (run === undefined) throw new UsageError(`unknown command: versions ${command ?? ''}`.trim())
  return await run(args, io)
}
