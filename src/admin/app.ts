import { timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import semver from 'semver'
import validation from '../gateway/validation.js'
import type { Metrics } from '../metrics.js'
import {
  AdminError, BadRequestError, CrossSiteError, DatabaseUnavailableError, isCatalogued, QueryInvalidError, ReleaseExistsError,
  ReleaseNotFoundError, RuleNotFoundError, UnauthorizedError, ValidationError
} from '../errors.js'
import { rangeProblem } from '../release/policy.js'
import type { Release } from '../release/plugin.js'
import { previewRule } from '../release/preview.js'
import { dailySeries, rangeTrend, versionsInRange } from '../release/trend.js'
import { firstOfLastDays } from '../release/dates.js'
import { ReleaseRepository, toRule } from '../release/repository.js'
import { isDatabaseUnavailable, openDatabase } from '../storage/database.js'
import { newRule, platformProblem, releaseFields, ruleFields } from './fields.js'
import { adminPage } from './page.js'
import {
  AuditQuery, DailyUsageQuery, IdParams, PreviewQuery, ReleaseFieldsSchema, RouteUsageQuery, RuleFieldsSchema, RulePatchSchema, TrendQuery,
  UsageQuery, VersionsQuery,
  type ReleaseFieldsInput, type RuleFieldsInput, type RulePatchInput
} from './schemas.js'

export interface AdminOptions {
  release: Release
  metrics: Metrics
  token: string
  logger?: FastifyServerOptions['logger']
}

/**
 * The longest an admin call waits for a database connection: a release manager is told at once
 * that the database is away, not after the gateway's own 5 s (twice, with a usage flush first).
 */
const DATABASE_TIMEOUT_MS = 2000

/** The longest an answer waits for the counts in memory to be written; past it, it misses them. */
const FLUSH_WAIT_MS = 1000

/** A name for the audit log: any printable text (a person's name, an address, a job's name). */
const ACTOR = /^[^\p{C}]{1,64}$/u

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the audit log names: `X-Evergate-Actor`, else the browser's user name, else "admin". */
    actor: string
  }
}

/** Whether `given` is `expected`, in time that does not tell how much of it matched. */
/** The admin API's error body: `{ error: { code, message } }`, the code from the catalogue. */
function errorBody (err: { code: string, message: string }): { error: { code: string, message: string } } {
  return { error: { code: err.code, message: err.message } }
}

function same (given: string, expected: Buffer): boolean {
  const bytes = Buffer.from(given)
  return bytes.length === expected.length && timingSafeEqual(bytes, expected)
}

/**
 * Whether a request with the browser's credentials came from another site's page. The browser
 * sends the credentials it asked for with every request to this origin, whoever's page makes it:
 * such a request must not act on them (cross-site request forgery).
 */
function fromAnotherSite (request: FastifyRequest): boolean {
  // Reading changes nothing, another site's page cannot see the answer (no CORS here), and a link
  // to the page from a wiki or a chat must open it.
  if (request.method === 'GET' || request.method === 'HEAD') return false
  // The browser's own word, when it gives it; the Origin (compared with a Host that a reverse
  // proxy may have rewritten) only from browsers that do not.
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site !== 'same-origin' && site !== 'none'
  const origin = request.headers.origin
  if (origin === undefined) return false
  return !URL.canParse(origin) || new URL(origin).host !== request.headers.host
}

/**
 * The release managers' API and page, on their own port and never on the public one. Every path
 * needs the token: as a bearer token (the CLI, scripts) or as the password the browser asks for on
 * the page, with the release manager's name as the user name. Every change is audited and in
 * force on this instance before the answer.
 */
export async function buildAdmin ({ release, metrics, token, logger = false }: AdminOptions): Promise<FastifyInstance> {
  const admin = Fastify({ logger })
  // The gateway's validators: bodies as sent (no null -> "" coercion), parameters coerced.
  await admin.register(validation)
  const password = Buffer.from(token)
  const { store, usage } = release
  // Its own pool, with its own timeout: admin calls neither wait behind usage flushes nor as long.
  // The embedded database is one process's, and never away.
  const { db } = release
  const own = db.kind === 'postgres' ? openDatabase({ url: db.url, schema: db.schema, dataDir: '', timeoutMs: DATABASE_TIMEOUT_MS }, admin.log) : null
  const repository = own === null ? release.repository : new ReleaseRepository(own.knex, release.repository.channel)
  admin.addHook('onClose', async () => { await own?.knex.destroy() })
  const page = adminPage()

  /** The browser's user name when the request carries the token; null when it does not. */
  function credentials (authorization: string): { user: string | null } | null {
    // `Bearer`, `bearer`, `BEARER`: the scheme is case-insensitive, and one or more spaces follow it (RFC 9110, 11.4).
    const [, scheme = '', value = ''] = /^(\S+) +(.*)$/.exec(authorization) ?? []
    if (scheme.toLowerCase() === 'bearer') return same(value, password) ? { user: null } : null
    if (scheme.toLowerCase() !== 'basic') return null
    const pair = Buffer.from(value, 'base64').toString('utf8')
    const colon = pair.indexOf(':')
    return colon !== -1 && same(pair.slice(colon + 1), password) ? { user: pair.slice(0, colon) } : null
  }

  admin.decorateRequest('actor', 'admin')
  admin.addHook('onRequest', async (request, reply) => {
    // No answer here is taken for a type it does not say it is: the page's policy lets scripts
    // come from this port, and a JSON answer must never run as one.
    reply.header('x-content-type-options', 'nosniff')
    const given = credentials(request.headers.authorization ?? '')
    if (given === null) {
      // The page's address asks the browser for the token; the API's paths say what they take.
      const challenge = request.url === '/' ? 'Basic realm="evergate admin", charset="UTF-8"' : 'Bearer'
      return reply.code(401).header('www-authenticate', challenge)
        .send(errorBody(new UnauthorizedError()))
    }
    if (given.user !== null && fromAnotherSite(request)) {
      return reply.code(403).send(errorBody(new CrossSiteError()))
    }
    const actor = request.headers['x-evergate-actor'] ?? given.user
    if (typeof actor === 'string' && ACTOR.test(actor)) request.actor = actor
  })

  admin.setErrorHandler((caught: Error & { statusCode?: number, code?: string, validation?: unknown }, request, reply) => {
    // A database away is no fault of the request nor of the gateway: a code a script can retry on.
    const unavailable = isDatabaseUnavailable(caught)
    const err = unavailable ? new DatabaseUnavailableError({ cause: caught }) : caught
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
    if (unavailable) request.log.warn({ err }, 'admin request failed: the database is not answering')
    else if (status >= 500) request.log.error({ err }, 'admin request failed')
    if (unavailable) reply.header('retry-after', '5')
    const shown = err.validation !== undefined
      ? new ValidationError(err.message)
      : status >= 500 && !unavailable ? new AdminError() : isCatalogued(err) ? err : new BadRequestError(err.message)
    return reply.code(status).send(errorBody(shown as { code: string, message: string }))
  })

  admin.get('/', async (_request, reply) => reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', page.contentSecurityPolicy)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(page.html))

  for (const { path, type, body } of page.assets) {
    admin.get(path, async (_request, reply) => reply.type(type).header('cache-control', 'private, max-age=86400').send(body))
  }

  admin.get('/rules', async () => ({ rules: await repository.listRules() }))

  /**
   * Writes the counts still in memory, so that an answer read after it is live; on a database
   * slow or away, waits no longer than FLUSH_WAIT_MS (the flush goes on, the answer misses it).
   */
  async function flushUsage (request: FastifyRequest): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<void>((resolve) => { timer = setTimeout(resolve, FLUSH_WAIT_MS) })
    await Promise.race([
      usage.flush().catch((err: Error) => request.log.warn({ err }, `usage flush before ${request.url} failed`)),
      waited
    ])
    clearTimeout(timer)
  }

  /**
   * The days a usage answer covers, the live counts written first. No more days than are kept:
   * an answer for 90 days with 31 kept would undercount, unsaid.
   */
  async function usageDays (request: FastifyRequest, asked: number): Promise<number> {
    await flushUsage(request)
    return Math.min(asked, release.usageRetentionDays)
  }

  admin.post<{ Body: RuleFieldsInput }>('/rules', { schema: { body: RuleFieldsSchema } }, async (request, reply) => {
    const rule = await repository.createRule(newRule(request.body, release.platforms), request.actor)
    await store.refresh()
    return reply.code(201).send(rule)
  })

  // What a rule would do before it is made: the versions whose status it would change, and
  // their share of the traffic. Nothing is written.
  admin.post<{ Body: RuleFieldsInput, Querystring: { days: number } }>('/rules/preview',
    { schema: { body: RuleFieldsSchema, querystring: PreviewQuery } }, async (request) => {
      const fields = newRule(request.body, release.platforms)
      const now = new Date()
      const { policy } = store
      const rule = toRule({
        ...fields,
        // The newest of all, as the rule would be once made.
        id: policy.rules.reduce((max, r) => Math.max(max, r.id), 0) + 1,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
        updated_by: request.actor
      })
      const days = await usageDays(request, request.query.days)
      return { days, rule: fields, ...previewRule(policy, rule, (await repository.usageSummary(days)).versions, now.getTime()) }
    })

  admin.patch<{ Params: { id: number }, Body: RulePatchInput }>('/rules/:id',
    { schema: { params: IdParams, body: RulePatchSchema } }, async (request) => {
      const rule = await repository.updateRule(request.params.id, ruleFields(request.body, release.platforms), request.actor)
      if (rule === null) throw new RuleNotFoundError(request.params.id)
      await store.refresh()
      return rule
    })

  admin.delete<{ Params: { id: number } }>('/rules/:id', { schema: { params: IdParams } }, async (request) => {
    const rule = await repository.deleteRule(request.params.id, request.actor)
    if (rule === null) throw new RuleNotFoundError(request.params.id)
    await store.refresh()
    return rule
  })

  admin.get('/releases', async () => ({ releases: await repository.listReleases() }))

  admin.post<{ Body: ReleaseFieldsInput }>('/releases', { schema: { body: ReleaseFieldsSchema } }, async (request, reply) => {
    const fields = releaseFields(request.body, release.platforms)
    const announced = await repository.createRelease(fields, request.actor)
    if (announced === null) throw new ReleaseExistsError(fields.version, fields.platform ?? 'every platform')
    await store.refresh()
    return reply.code(201).send(announced)
  })

  admin.delete<{ Params: { id: number } }>('/releases/:id', { schema: { params: IdParams } }, async (request) => {
    const withdrawn = await repository.withdrawRelease(request.params.id, request.actor)
    if (withdrawn === null) throw new ReleaseNotFoundError(request.params.id)
    await store.refresh()
    return withdrawn
  })

  admin.get<{ Querystring: { limit: number } }>('/audit', { schema: { querystring: AuditQuery } },
    async (request) => ({ audit: await repository.audit(request.query.limit) }))

  admin.get<{ Querystring: { days: number, limit: number } }>('/usage', { schema: { querystring: UsageQuery } }, async (request) => {
    const days = await usageDays(request, request.query.days)
    const { versions, total, keys } = await repository.usageSummary(days, request.query.limit)
    const listed = versions.reduce((sum, v) => sum + v.requests, 0)
    return {
      days,
      retention_days: release.usageRetentionDays,
      total,
      versions,
      // The quietest, past the limit: counted in the total and the shares, not listed.
      not_listed: { versions: keys - versions.length, requests: total - listed }
    }
  })

  // The share of each day's requests a range of app versions carries: how fast it is leaving.
  admin.get<{ Querystring: { range: string, platform?: string, days: number } }>('/usage/trend',
    { schema: { querystring: TrendQuery } }, async (request) => {
      const { range, platform = null } = request.query
      const problem = rangeProblem(range) ?? (platform === 'unknown' ? null : platformProblem(platform, release.platforms))
      if (problem !== null) throw new QueryInvalidError(problem)
      const days = await usageDays(request, request.query.days)
      // The range is matched against the distinct versions seen (a few hundred from real builds,
      // more when a script makes them up), so the database answers one row a day, not one per day
      // and version.
      const versions = versionsInRange(range, await repository.versionsSeenSince(days, platform))
      const trend = rangeTrend(await repository.dailyRequests(days, platform, versions), firstOfLastDays(days), firstOfLastDays(1))
      return { range, platform, days, retention_days: release.usageRetentionDays, trend }
    })

  // Each day's requests by app version (the busiest by name, the rest as one) and by contract
  // version: the page's stacked charts of shares.
  admin.get<{ Querystring: { days: number, top: number } }>('/usage/daily', { schema: { querystring: DailyUsageQuery } }, async (request) => {
    const days = await usageDays(request, request.query.days)
    const counts = await repository.dailyUsage(days, request.query.top)
    const [first, last] = [firstOfLastDays(days), firstOfLastDays(1)]
    const versions = dailySeries(counts.versions, first, last)
    return {
      days,
      retention_days: release.usageRetentionDays,
      dates: versions.days,
      totals: versions.totals,
      versions: versions.series,
      contracts: dailySeries(counts.contracts, first, last).series
    }
  })

  admin.get<{ Querystring: { days: number, contract?: string } }>('/usage/routes', { schema: { querystring: RouteUsageQuery } }, async (request) => {
    const days = await usageDays(request, request.query.days)
    const routes = await repository.routeUsage(days, request.query.contract ?? null)
    return { days, retention_days: release.usageRetentionDays, routes }
  })

  /** The busiest app versions seen, with what the policy says of each now. */
  admin.get<{ Querystring: { limit: number } }>('/versions', { schema: { querystring: VersionsQuery } }, async (request) => {
    await flushUsage(request)
    const { policy, latest } = store
    const { versions: seen, seen: seenCount } = await repository.seenVersions(request.query.limit)
    const rows = seen
      .filter(({ app_version: version }) => semver.valid(version) !== null)
      .sort((a, b) => semver.compare(a.app_version, b.app_version) || a.platform.localeCompare(b.platform))
      .map(({ app_version: version, platform }) => {
        const decision = policy.decide(version, platform === 'unknown' ? null : platform)
        return { app_version: version, platform, status: decision.status, rule_id: decision.rule?.id ?? null, sunset_date: decision.sunsetDate?.toISOString() ?? null }
      })
    // The platforms apps are told apart by; `other` and `unknown` (apps that send none) once seen.
    const seenOn = new Set(seen.map((s) => s.platform))
    const platforms = [...release.platforms, 'unknown'].filter((p) => seenOn.has(p) || (p !== 'other' && p !== 'unknown'))
    return {
      contracts: release.contractVersions,
      minimum_version: policy.minimumVersion(null),
      latest: platforms.map((platform) => ({ platform, ...latest.of(platform === 'unknown' ? null : platform) })),
      database: store.health,
      versions: rows,
      // App versions seen on a platform with less traffic than those listed (the limit).
      not_listed: seenCount - seen.length
    }
  })

  admin.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return await metrics.registry.metrics()
  })

  return admin
}
