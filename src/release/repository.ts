import type { Knex } from 'knex'
import semver from 'semver'
import type { Rule, Status } from './policy.js'
import { firstOfLastDays } from './dates.js'

/** A rule as the admin API and the CLI see it. */
export interface RuleRecord {
  id: number
  platform: string | null
  range: string
  status: Status
  deprecation_date: string | null
  sunset_date: string | null
  message: string | null
  upgrade_url: string | null
  created_at: string
  updated_at: string
  updated_by: string
}

export type RuleFields = Pick<RuleRecord, 'platform' | 'range' | 'status' | 'deprecation_date' | 'sunset_date' | 'message' | 'upgrade_url'>

/**
 * A release as the admin API and the CLI see it: announced, and the latest once `released_at` is
 * past, unless it was withdrawn.
 */
export interface ReleaseRecord {
  id: number
  platform: string | null
  version: string
  released_at: string
  created_at: string
  created_by: string
  withdrawn_at: string | null
  withdrawn_by: string | null
}

export type ReleaseFields = Pick<ReleaseRecord, 'platform' | 'version' | 'released_at'>

/** A change to a rule (rule_id set) or to a release (release_id set), with what it was before and after. */
export type AuditRecord = {
  id: number
  at: string
  actor: string
  action: 'create' | 'update' | 'delete' | 'withdraw'
} & ({
  rule_id: number
  release_id: null
  before: RuleRecord | null
  after: RuleRecord | null
} | {
  rule_id: null
  release_id: number
  before: ReleaseRecord | null
  after: ReleaseRecord | null
})

export interface UsageRow {
  day: string
  platform: string
  app_version: string
  contract_version: string
  route: string
  status_class: string
  count: number
}

/** Rows per INSERT: 7,000 parameters, well inside PostgreSQL's 65,535. */
const USAGE_ROWS_PER_STATEMENT = 1000

export interface UsageSummary {
  app_version: string
  platform: string
  contract_version: string
  requests: number
  share: number
}

/** Requests on one day from one app or contract version (null: the rest, together). */
export interface DailyCount {
  day: string
  name: string | null
  requests: number
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/** Requests to one route of one contract version, by status class. */
export interface RouteUsage {
  contract_version: string
  route: string
  requests: number
  /** Requests per status class (`2xx`, `4xx`, ...), the classes seen only. */
  statuses: Record<string, number>
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString()

function toRecord (row: Record<string, any>): RuleRecord {
  return {
    id: Number(row.id),
    platform: row.platform,
    range: row.range,
    status: row.status,
    deprecation_date: iso(row.deprecation_date),
    sunset_date: iso(row.sunset_date),
    message: row.message,
    upgrade_url: row.upgrade_url,
    created_at: iso(row.created_at) as string,
    updated_at: iso(row.updated_at) as string,
    updated_by: row.updated_by
  }
}

function toReleaseRecord (row: Record<string, any>): ReleaseRecord {
  return {
    id: Number(row.id),
    platform: row.platform,
    version: row.version,
    released_at: iso(row.released_at) as string,
    created_at: iso(row.created_at) as string,
    created_by: row.created_by,
    withdrawn_at: iso(row.withdrawn_at),
    withdrawn_by: row.withdrawn_by
  }
}

export function toRule (record: RuleRecord): Rule {
  const date = (v: string | null) => (v === null ? null : new Date(v))
  return {
    id: record.id,
    platform: record.platform,
    range: record.range,
    status: record.status,
    deprecationDate: date(record.deprecation_date),
    sunsetDate: date(record.sunset_date),
    message: record.message,
    upgradeUrl: record.upgrade_url,
    updatedAt: new Date(record.updated_at)
  }
}

/**
 * Everything release management keeps in the database. Changes to rules and releases write the
 * audit log, bump the policy version and NOTIFY other instances in one transaction.
 */
export class ReleaseRepository {
  constructor (private readonly knex: Knex, readonly channel: string) {}

  async listRules (): Promise<RuleRecord[]> {
    return (await this.knex('evergate_rules').select('*').orderBy('id')).map(toRecord)
  }

  async policyVersion (): Promise<number> {
    const row = await this.knex('evergate_policy_version').where({ id: 1 }).first('version')
    return Number(row.version)
  }

  async listReleases (): Promise<ReleaseRecord[]> {
    return (await this.knex('evergate_releases').select('*').orderBy('id')).map(toReleaseRecord)
  }

  private async changed (trx: Knex.Transaction, audit: DistributiveOmit<AuditRecord, 'id' | 'at'>): Promise<void> {
    await trx('evergate_audit').insert({
      ...audit,
      before: audit.before === null ? null : JSON.stringify(audit.before),
      after: audit.after === null ? null : JSON.stringify(audit.after)
    })
    const [{ version }] = await trx('evergate_policy_version').where({ id: 1 }).increment('version', 1).returning('version')
    await trx.raw('select pg_notify(?, ?)', [this.channel, String(version)])
  }

  async createRule (fields: RuleFields, actor: string): Promise<RuleRecord> {
    return await this.knex.transaction(async (trx) => {
      const [row] = await trx('evergate_rules').insert({ ...fields, updated_by: actor }).returning('*')
      const after = toRecord(row)
      await this.changed(trx, { actor, action: 'create', rule_id: after.id, release_id: null, before: null, after })
      return after
    })
  }

  async updateRule (id: number, fields: Partial<RuleFields>, actor: string): Promise<RuleRecord | null> {
    return await this.knex.transaction(async (trx) => {
      const current = await trx('evergate_rules').where({ id }).forUpdate().first()
      if (current === undefined) return null
      const [row] = await trx('evergate_rules').where({ id })
        .update({ ...fields, updated_by: actor, updated_at: trx.fn.now() }).returning('*')
      const after = toRecord(row)
      await this.changed(trx, { actor, action: 'update', rule_id: id, release_id: null, before: toRecord(current), after })
      return after
    })
  }

  async deleteRule (id: number, actor: string): Promise<RuleRecord | null> {
    return await this.knex.transaction(async (trx) => {
      const [row] = await trx('evergate_rules').where({ id }).delete().returning('*')
      if (row === undefined) return null
      const before = toRecord(row)
      await this.changed(trx, { actor, action: 'delete', rule_id: id, release_id: null, before, after: null })
      return before
    })
  }

  /** Announces a release; null when this version already stands announced for this platform. */
  async createRelease (fields: ReleaseFields, actor: string): Promise<ReleaseRecord | null> {
    return await this.knex.transaction(async (trx) => {
      const [row] = await trx('evergate_releases').insert({ ...fields, created_by: actor }).onConflict().ignore().returning('*')
      if (row === undefined) return null
      const after = toReleaseRecord(row)
      await this.changed(trx, { actor, action: 'create', rule_id: null, release_id: after.id, before: null, after })
      return after
    })
  }

  /** Withdraws an announcement (a release pulled from the stores); null when none stands. */
  async withdrawRelease (id: number, actor: string): Promise<ReleaseRecord | null> {
    return await this.knex.transaction(async (trx) => {
      const current = await trx('evergate_releases').where({ id }).whereNull('withdrawn_at').forUpdate().first()
      if (current === undefined) return null
      const [row] = await trx('evergate_releases').where({ id })
        .update({ withdrawn_at: trx.fn.now(), withdrawn_by: actor }).returning('*')
      const after = toReleaseRecord(row)
      await this.changed(trx, { actor, action: 'withdraw', rule_id: null, release_id: id, before: toReleaseRecord(current), after })
      return after
    })
  }

  async audit (limit: number): Promise<AuditRecord[]> {
    const rows = await this.knex('evergate_audit').select('*').orderBy('id', 'desc').limit(limit)
    const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v)
    return rows.map((row) => ({ ...row, id: Number(row.id), at: iso(row.at) as string, before: json(row.before), after: json(row.after) }))
  }

  /**
   * Adds counts to the day's totals, all or none. With a batch id, exactly once: the id is recorded
   * in the same transaction, and a batch whose id is already recorded is skipped (a write whose
   * commit went through but whose answer was lost is tried again). Returns whether it wrote.
   * PostgreSQL takes at most 65,535 parameters a statement, seven a row here: a batch past 9,362
   * keys goes as several statements.
   */
  async addUsage (rows: readonly UsageRow[], batch?: string): Promise<boolean> {
    if (rows.length === 0) return false
    return await this.knex.transaction(async (trx) => {
      if (batch !== undefined) {
        const claimed = await trx('evergate_usage_batches').insert({ id: batch }).onConflict('id').ignore().returning('id')
        if (claimed.length === 0) return false
      }
      for (let i = 0; i < rows.length; i += USAGE_ROWS_PER_STATEMENT) {
        await trx('evergate_usage').insert(rows.slice(i, i + USAGE_ROWS_PER_STATEMENT))
          .onConflict(['day', 'platform', 'app_version', 'contract_version', 'route', 'status_class'])
          .merge({ count: trx.raw('evergate_usage.count + excluded.count') })
      }
      return true
    })
  }

  /**
   * Forgets the ids of usage batches applied before `hours` ago. A batch is tried again at each
   * flush until it is written or skipped, so its id is needed for as long as the database is away
   * from the instance that wrote it; past that, a retried batch would be counted twice.
   */
  async deleteUsageBatchesBefore (hours: number): Promise<number> {
    return await this.knex('evergate_usage_batches').where('applied_at', '<', this.knex.raw('now() - make_interval(hours => ?)', [hours])).delete()
  }

  /**
   * Deletes the usage of the oldest day before `day` (YYYY-MM-DD); returns how many rows went, or
   * null when no day is that old. A day a statement keeps each one short, however much is due.
   */
  async deleteOldestUsageDayBefore (day: string): Promise<number | null> {
    const { oldest } = await this.knex('evergate_usage').where('day', '<', day).first(this.knex.raw('min(day)::text as oldest'))
    if (oldest === null) return null
    return await this.knex('evergate_usage').where('day', oldest).delete()
  }

  /**
   * Requests per app version, platform and contract version since `days` days ago, busiest first,
   * with each one's share of them all; at most `limit` of them (a client can make up versions by
   * the thousand), `total` and `keys` counting them all.
   */
  async usageSummary (days: number, limit?: number): Promise<{ versions: UsageSummary[], total: number, keys: number }> {
    const query = this.knex('evergate_usage')
      .where('day', '>=', firstOfLastDays(days))
      .groupBy('app_version', 'platform', 'contract_version')
      .select('app_version', 'platform', 'contract_version')
      .sum({ requests: 'count' })
      .select(this.knex.raw('sum(sum("count")) over () as total, count(*) over () as keys'))
      .orderBy([{ column: 'requests', order: 'desc' }, 'app_version', 'platform', 'contract_version'])
    if (limit !== undefined) query.limit(limit)
    const rows: Array<Record<string, string>> = await query
    const total = rows.length === 0 ? 0 : Number(rows[0].total)
    const versions = rows.map((row) => ({
      app_version: row.app_version,
      platform: row.platform,
      contract_version: row.contract_version,
      requests: Number(row.requests),
      share: total === 0 ? 0 : Number(row.requests) / total
    }))
    return { versions, total, keys: rows.length === 0 ? 0 : Number(rows[0].keys) }
  }

  /**
   * Requests per contract version and route since `days` days ago, by status class: which routes
   * an old contract is still called on, and whether they fail for it. Newest contract first, then
   * busiest route first.
   */
  async routeUsage (days: number, contract: string | null): Promise<RouteUsage[]> {
    const query = this.knex('evergate_usage')
      .where('day', '>=', firstOfLastDays(days))
      .groupBy('contract_version', 'route', 'status_class')
      .select('contract_version', 'route', 'status_class')
      .sum({ requests: 'count' })
    if (contract !== null) query.where('contract_version', contract)
    const routes = new Map<string, RouteUsage>()
    for (const row of await query as Array<Record<string, string>>) {
      const key = `${row.contract_version} ${row.route}`
      const usage = routes.get(key) ?? { contract_version: row.contract_version, route: row.route, requests: 0, statuses: {} }
      usage.requests += Number(row.requests)
      usage.statuses[row.status_class] = Number(row.requests)
      routes.set(key, usage)
    }
    return [...routes.values()].sort((a, b) =>
      semver.rcompare(a.contract_version, b.contract_version) || b.requests - a.requests || a.route.localeCompare(b.route))
  }

  /** The app versions seen since `days` days ago (on `platform`, or on any). */
  async versionsSeenSince (days: number, platform: string | null): Promise<string[]> {
    const query = this.knex('evergate_usage').where('day', '>=', firstOfLastDays(days)).distinct('app_version')
    if (platform !== null) query.where('platform', platform)
    return (await query).map((row: { app_version: string }) => row.app_version)
  }

  /**
   * Requests per day since `days` days ago (on `platform`, or on any), and of those, the requests
   * from `versions`: one row a day, whatever the number of versions, oldest first.
   */
  async dailyRequests (days: number, platform: string | null, versions: readonly string[]): Promise<Array<{ day: string, total: number, requests: number }>> {
    // One parameter, however many versions (a statement takes at most 65,535).
    const fromVersions = this.knex.raw(
      'coalesce(sum(count) filter (where app_version in (select jsonb_array_elements_text(?::jsonb))), 0) as requests',
      [JSON.stringify(versions)]
    )
    const query = this.knex('evergate_usage')
      .where('day', '>=', firstOfLastDays(days))
      .groupBy('day')
      .select(this.knex.raw('day::text as day'), fromVersions)
      .sum({ total: 'count' })
      .orderBy('day')
    if (platform !== null) query.where('platform', platform)
    const rows: Array<Record<string, string>> = await query
    return rows.map((row) => ({ day: row.day, total: Number(row.total), requests: Number(row.requests) }))
  }

  /**
   * Requests per day since `days` days ago: by app version, the `top` busiest of those days by
   * name and the rest as one (name null), and by contract version. At most days × (top + 1) and
   * days × contracts rows, however many versions clients make up.
   */
  async dailyUsage (days: number, top: number): Promise<{ versions: DailyCount[], contracts: DailyCount[] }> {
    const since = firstOfLastDays(days)
    const toCounts = (rows: Array<Record<string, string | null>>) =>
      rows.map((row) => ({ day: String(row.day), name: row.name, requests: Number(row.requests) }))
    const versions = await this.knex
      .with('busiest', (q) => q.from('evergate_usage').where('day', '>=', since).groupBy('app_version')
        .select('app_version').orderByRaw('sum(count) desc, app_version').limit(top))
      .from('evergate_usage as u')
      .leftJoin('busiest as b', 'b.app_version', 'u.app_version')
      .where('u.day', '>=', since)
      .groupBy('u.day', 'b.app_version')
      .select(this.knex.raw('u.day::text as day'), 'b.app_version as name')
      .sum({ requests: 'u.count' })
    const contracts = await this.knex('evergate_usage')
      .where('day', '>=', since)
      .groupBy('day', 'contract_version')
      .select(this.knex.raw('day::text as day'), 'contract_version as name')
      .sum({ requests: 'count' })
    return { versions: toCounts(versions), contracts: toCounts(contracts) }
  }

  /**
   * The app versions in use, per platform: seen on or after `since` (YYYY-MM-DD) with at least
   * `minShare` of their platform's requests since then. What "latest" and "minimum" are chosen
   * among: a version string one client made up is not one, nor are the many a script can send.
   */
  async versionsInUse (since: string, minShare: number): Promise<Array<{ platform: string, app_version: string }>> {
    const inUse = this.knex('evergate_usage')
      .where('day', '>=', since)
      .whereNot('app_version', 'none')
      .groupBy('platform', 'app_version')
      .select('platform', 'app_version')
      .select(this.knex.raw('sum(count) as requests, sum(sum(count)) over (partition by platform) as platform_requests'))
    return await this.knex.from(inUse.as('in_use'))
      .select('platform', 'app_version')
      .whereRaw('requests >= ? * platform_requests', [minShare])
  }

  /**
   * The app versions seen on each platform in all the usage kept, the busiest `limit` of them
   * (a client can make up versions by the thousand); `seen` counts them all.
   */
  async seenVersions (limit: number): Promise<{ versions: Array<{ platform: string, app_version: string }>, seen: number }> {
    const rows: Array<Record<string, string>> = await this.knex('evergate_usage')
      .groupBy('platform', 'app_version')
      .select('platform', 'app_version')
      .sum({ requests: 'count' })
      .select(this.knex.raw('count(*) over () as seen'))
      .orderBy([{ column: 'requests', order: 'desc' }, 'app_version', 'platform'])
      .limit(limit)
    return {
      versions: rows.map(({ platform, app_version: appVersion }) => ({ platform, app_version: appVersion })),
      seen: rows.length === 0 ? 0 : Number(rows[0].seen)
    }
  }
}
