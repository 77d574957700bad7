import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import type { Metrics } from '../metrics.js'
import { openDatabase, type Database, type DatabaseOptions } from '../storage/database.js'
import { migrate } from '../storage/migrations.js'
import type { RoutePlan } from '../engine/index.js'
import { AppRetiredError } from '../errors.js'
import type { Decision, Status } from './policy.js'
import { PolicyStore } from './policy-store.js'
import { ReleaseRepository } from './repository.js'
import { firstOfLastDays } from './dates.js'
import { UsageRecorder } from './usage.js'

export interface ReleaseOptions {
  database: DatabaseOptions
  /** The NOTIFY channel rule changes are announced on. */
  channel: string
  pollMs: number
  flushMs: number
  maxUsageKeys: number
  /** App versions usage counts by name per day and platform beyond the known ones. */
  maxNewVersionsPerDay: number
  /** Days of usage kept, today included. */
  usageRetentionDays: number
  /** Per platform, where its users update. */
  storeUrls: Readonly<Record<string, string>>
  contractVersions: readonly string[]
  /** The platforms apps are told apart by (EVERGATE_PLATFORMS); any other is `other`. */
  platforms: readonly string[]
  metrics: Metrics
}

export interface Release {
  readonly contractVersions: readonly string[]
  /** What a rule or a release may name as its platform: the ones apps are told apart by, and `other`. */
  readonly platforms: readonly string[]
  readonly db: Database
  readonly repository: ReleaseRepository
  readonly store: PolicyStore
  readonly usage: UsageRecorder
  /** How many days of usage are kept (EVERGATE_USAGE_RETENTION_DAYS). */
  readonly usageRetentionDays: number
}

declare module 'fastify' {
  interface FastifyInstance {
    release: Release
  }
  interface FastifyRequest {
    /** What the release policy decided for the calling build (undefined with release management off). */
    policyStatus?: Status | null
  }
}

/**
 * What to alert on, read when Prometheus scrapes: nothing on the request path. A database away
 * means rules decided elsewhere are not obeyed here, and usage piles up in memory, then is dropped.
 */
function releaseMetrics ({ registry }: Metrics, store: PolicyStore, usage: UsageRecorder): void {
  // The registry keeps each instrument it is given.
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect () { this.set(read()) } })
  /** A counter of a total kept elsewhere: each scrape adds what it grew by since the last. */
  const counter = (name: string, help: string, read: () => number) => {
    let reported = 0
    return new Counter({
      name,
      help,
      registers: [registry],
      collect () {
        const total = read()
        this.inc(total - reported)
        reported = total
      }
    })
  }
  gauge('evergate_release_database_up', '1 while the release policy database answers, 0 while the last known policy is served without it',
    () => store.health.status === 'ok' ? 1 : 0)
  gauge('evergate_release_rules', 'Release rules in force on this instance', () => store.policy.rules.length)
  new Gauge({
    name: 'evergate_release_versions',
    help: 'App versions in use (1 % of their platform\'s requests over 30 days) by platform and what the release policy says of them now',
    labelNames: ['platform', 'status'] as const,
    registers: [registry],
    collect () {
      this.reset()
      const { policy, inUse } = store
      const counts = new Map<string, Record<Status, number>>()
      for (const { platform, version } of inUse) {
        const byStatus = counts.get(platform) ?? { supported: 0, deprecated: 0, retired: 0 }
        byStatus[policy.decide(version, platform === 'unknown' ? null : platform).status]++
        counts.set(platform, byStatus)
      }
      for (const [platform, byStatus] of counts) {
        for (const status of STATUSES) this.set({ platform, status }, byStatus[status])
      }
    }
  })
  gauge('evergate_usage_pending', 'Requests counted in memory and not written to the database yet', () => usage.pending)
  counter('evergate_usage_dropped_total', 'Requests not counted: too many distinct usage keys waited for the database', () => usage.dropped)
  counter('evergate_usage_other_versions_total',
    'Requests counted as app version "other": a version new past the day\'s limit (EVERGATE_USAGE_MAX_NEW_VERSIONS)', () => usage.bucketed)
}

const STATUSES: readonly Status[] = ['supported', 'deprecated', 'retired']

/** How often each instance deletes the usage past its retention. */
const RETENTION_EVERY_MS = 6 * 60 * 60 * 1000

/**
 * How long the id of a usage batch written is kept: an instance whose write failed tries it again
 * at every flush until the database answers, and an outage past this counts that batch twice.
 */
const USAGE_BATCH_IDS_KEPT_HOURS = 48

const DEFAULT_RETIRED_MESSAGE = 'This version of the app is no longer supported. Please update to keep using it.'

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

function withHook (existing: RouteOptions['onRequest'], hook: Hook): Hook[] {
  return [...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]) as Hook[], hook]
}

/**
 * Release policy on every versioned route: deprecated versions get Deprecation/Sunset/Link headers,
 * retired ones a 426 in their own error shape; and every request is counted, in memory.
 */
async function releaseManagement (fastify: FastifyInstance, opts: ReleaseOptions): Promise<void> {
  const db = openDatabase(opts.database, fastify.log)
  try {
    await migrate(db.knex)
  } catch (err) {
    await db.knex.destroy()
    throw err
  }
  const repository = new ReleaseRepository(db.knex, opts.channel)
  const store = new PolicyStore({
    repository,
    listenUrl: db.url,
    pollMs: db.kind === 'embedded' ? null : opts.pollMs,
    contractVersions: opts.contractVersions,
    storeUrls: opts.storeUrls,
    log: fastify.log
  })
  await store.start()
  const usage = new UsageRecorder({
    repository,
    maxKeys: opts.maxUsageKeys,
    maxNewVersionsPerDay: opts.maxNewVersionsPerDay,
    known: (appVersion) => store.known.has(appVersion),
    log: fastify.log
  })
  releaseMetrics(opts.metrics, store, usage)
  const flush = () => usage.flush().catch((err: Error) => {
    fastify.log.warn({ err, pending: usage.pending }, 'usage flush failed: counts kept for the next one')
  })
  const flushing = setInterval(flush, opts.flushMs).unref()
  // Usage past its retention goes at start and every few hours, on every instance, a day at a time
  // (by the primary key's first column: with nothing to delete, one index probe). Neither the boot
  // nor the shutdown waits for more than the day being deleted.
  let expiring: Promise<void> | null = null
  let closing = false
  const expire = async () => {
    await repository.deleteUsageBatchesBefore(USAGE_BATCH_IDS_KEPT_HOURS)
    const before = firstOfLastDays(opts.usageRetentionDays)
    let rows = 0
    while (!closing) {
      const deleted = await repository.deleteOldestUsageDayBefore(before)
      if (deleted === null) break
      rows += deleted
    }
    if (rows > 0) fastify.log.info({ rows, before }, 'usage past its retention deleted')
  }
  const startExpiring = () => {
    expiring ??= expire()
      .catch((err: Error) => { fastify.log.warn({ err }, 'usage retention: delete failed, tried again later') })
      .finally(() => { expiring = null })
  }
  startExpiring()
  const expiringEvery = setInterval(startExpiring, RETENTION_EVERY_MS).unref()

  const platforms = [...opts.platforms, 'other']
  fastify.decorate('release', { contractVersions: opts.contractVersions, platforms, db, repository, store, usage, usageRetentionDays: opts.usageRetentionDays })
  fastify.addHook('onClose', async () => {
    clearInterval(flushing)
    clearInterval(expiringEvery)
    closing = true
    await store.stop()
    await flush()
    await expiring
    await db.knex.destroy()
  })

  function retired (decision: Decision, request: FastifyRequest): Error {
    const { platform } = request.client
    return Object.assign(new AppRetiredError(decision.message ?? DEFAULT_RETIRED_MESSAGE), {
      details: {
        upgrade_url: decision.upgradeUrl,
        minimum_version: store.policy.minimumVersion(platform)
      }
    })
  }

  fastify.decorateRequest('policyStatus', null)
  const enforcePolicy: Hook = (request, reply, done) => {
    const { appVersion, platform } = request.client
    const decision = store.policy.decide(appVersion, platform)
    request.policyStatus = decision.status
    if (decision.status === 'supported') return done()
    if (decision.status === 'deprecated') {
      reply.headers(decision.headers)
      return done()
    }
    done(retired(decision, request))
  }

  fastify.addHook('onRoute', (route) => {
    const plan = route.config?.evergate as RoutePlan | undefined
    if (plan === undefined) return
    // Bound at boot, per route: counting a request builds no key and hashes no label.
    const countUsage = usage.route(plan.contract, plan.route)
    const countRequest = opts.metrics.requests.route(plan.contract, plan.route)
    const timeRequest = opts.metrics.requestSeconds.route(plan.contract, plan.route)
    const count: Hook = (request, reply, done) => {
      const { platform, appVersion } = request.client
      const status = reply.statusCode
      countUsage(platform, appVersion, status)
      countRequest(platform, status)
      timeRequest(status, reply.elapsedTime / 1000)
      done()
    }
    route.onRequest = withHook(route.onRequest, enforcePolicy)
    route.onResponse = withHook(route.onResponse, count)
  })
}

export default fp(releaseManagement, {
  name: 'evergate-release',
  fastify: '5.x',
  dependencies: ['evergate-version-resolution']
})
