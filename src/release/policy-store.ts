import type { FastifyBaseLogger } from 'fastify'
import pg from 'pg'
import semver from 'semver'
import { LatestVersions } from './latest.js'
import { oneAfterAnother } from './one-after-another.js'
import { Policy, type PolicyOptions } from './policy.js'
import { toRule, type ReleaseRepository } from './repository.js'
import { firstOfLastDays } from './dates.js'

/** A version counts as in use (see versionsInUse) with 1 % of its platform's last 30 days. */
const IN_USE_DAYS = 30
const IN_USE_SHARE = 0.01

export interface PolicyStoreOptions {
  repository: ReleaseRepository
  /** PostgreSQL URL for the LISTEN connection; undefined on the embedded database (one process). */
  listenUrl: string | undefined
  /**
   * How often the policy version is polled: the fallback when a NOTIFY is missed. null on the
   * embedded database, where every change comes through this process and refreshes it directly,
   * and where a query runs on this process's own thread.
   */
  pollMs: number | null
  /** Contract versions: candidates for "minimum" (the oldest is its floor) and, with no release announced, "latest". */
  contractVersions: readonly string[]
  /** Per platform, where its users update: the upgrade URL of rules that name none. */
  storeUrls?: Readonly<Record<string, string>>
  /** How often the versions in use are worked out again without a rule change; 10 minutes. */
  inUseMs?: number
  log: FastifyBaseLogger
}

export interface DatabaseHealth {
  status: 'ok' | 'degraded'
  /** Why it is degraded: logged when it happens, never shown on the public port. */
  reason: string | null
  since: string
}

/**
 * The release policy in memory: the hot path reads `policy` and never waits on the database.
 * Changes arrive by NOTIFY (at once) or by polling the policy version (within `pollMs`). While the
 * database is away the last known policy stays in force and `health` says degraded.
 */
export class PolicyStore {
  policy: Policy
  health: DatabaseHealth = { status: 'ok', reason: null, since: new Date().toISOString() }
  /** The newest version per platform, announced or in use (see IN_USE_SHARE). */
  latest: LatestVersions
  /** Versions usage always counts by name: the contracts, releases announced, versions in use. */
  known: ReadonlySet<string>
  /** The app versions in use per platform (`unknown`: apps that send none), betas too. */
  inUse: ReadonlyArray<{ platform: string, version: string }> = []
  private version = -1
  private listener: pg.Client | null = null
  private timer: NodeJS.Timeout | undefined
  private inUseTimer: NodeJS.Timeout | undefined
  private stopped = false
  /** What every Policy is made with: the store URLs and the oldest contract as the floor. */
  private readonly policyOptions: PolicyOptions

  constructor (private readonly opts: PolicyStoreOptions) {
    this.policyOptions = { storeUrls: opts.storeUrls, floor: [...opts.contractVersions].sort(semver.compare)[0] }
    this.policy = new Policy([], opts.contractVersions, this.policyOptions)
    this.latest = new LatestVersions([], new Map(), opts.contractVersions)
    this.known = new Set(opts.contractVersions)
  }

  /**
   * Loads the policy, or fails: a gateway that started with no rules would serve retired builds.
   * The LISTEN connection and everything after may fail and recover (see poll).
   */
  async start (): Promise<void> {
    await this.refresh()
    await this.poll()
    if (this.opts.pollMs !== null) this.timer = setInterval(() => { void this.poll() }, this.opts.pollMs).unref()
    // A new release gains its share of traffic with no rule changing: reload for it too.
    this.inUseTimer = setInterval(() => {
      this.refresh().catch((err: Error) => this.degraded(err))
    }, this.opts.inUseMs ?? 600_000).unref()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    clearInterval(this.inUseTimer)
    await this.listener?.end().catch(() => {})
  }

  /**
   * Reloads now (after a change made through this instance): what it resolves to includes every
   * change made before the call, as a load already under way is followed by one more.
   */
  readonly refresh = oneAfterAnother(async () => await this.load())

  private async load (): Promise<void> {
    const { repository, contractVersions } = this.opts
    const version = await repository.policyVersion()
    const since = firstOfLastDays(IN_USE_DAYS)
    const [records, releases, inUse] = await Promise.all([
      repository.listRules(), repository.listReleases(), repository.versionsInUse(since, IN_USE_SHARE)
    ])
    // Releases only: a beta is never the version to upgrade to.
    const seen = inUse.filter(({ app_version: v }) => semver.valid(v) !== null && semver.prerelease(v) === null)
    const byPlatform = new Map<string, string[]>()
    for (const { platform, app_version: appVersion } of seen) {
      byPlatform.set(platform, [...(byPlatform.get(platform) ?? []), appVersion])
    }
    for (const list of byPlatform.values()) list.sort(semver.compare)
    const latest = new LatestVersions(
      releases.map((r) => ({ platform: r.platform, version: r.version, releasedAt: new Date(r.released_at), withdrawn: r.withdrawn_at !== null })),
      byPlatform,
      contractVersions
    )
    const candidates = [...contractVersions, ...seen.map((s) => s.app_version)]
    this.policy = new Policy(records.map(toRule), candidates, this.policyOptions)
    this.latest = latest
    // Betas in use too: they are never the latest, but their traffic is real.
    const inUseVersions = inUse.map((v) => v.app_version).filter((v) => semver.valid(v) !== null)
    this.inUse = inUse.filter((v) => semver.valid(v.app_version) !== null).map((v) => ({ platform: v.platform, version: v.app_version }))
    this.known = new Set([...contractVersions, ...inUseVersions, ...releases.filter((r) => r.withdrawn_at === null).map((r) => r.version)])
    this.version = version
  }

  private async poll (): Promise<void> {
    if (this.stopped) return
    // Without LISTEN, changes still come by polling: its failure is degraded, not a stop.
    let notListening: Error | null = null
    if (this.opts.listenUrl !== undefined && this.listener === null) {
      await this.listen(this.opts.listenUrl).catch((err: Error) => { notListening = err })
    }
    try {
      const version = await this.opts.repository.policyVersion()
      if (version !== this.version) await this.refresh()
      if (notListening === null) this.healthy()
      else this.degraded(notListening)
    } catch (err) {
      this.degraded(err as Error)
    }
  }

  private async listen (url: string): Promise<void> {
    const client = new pg.Client({ connectionString: url })
    const lost = (err?: Error) => {
      if (this.listener === client) this.listener = null
      client.removeAllListeners()
      client.end().catch(() => {})
      if (!this.stopped && err !== undefined) this.degraded(err)
    }
    client.on('error', lost)
    client.on('end', () => lost())
    client.on('notification', () => {
      this.refresh().then(() => this.healthy(), (err: Error) => this.degraded(err))
    })
    try {
      await client.connect()
      await client.query(`LISTEN "${this.opts.repository.channel.replaceAll('"', '')}"`)
    } catch (err) {
      lost()
      throw err
    }
    this.listener = client
  }

  private healthy (): void {
    if (this.health.status === 'ok') return
    this.opts.log.info({ after: this.health.reason }, 'release policy database is back')
    this.health = { status: 'ok', reason: null, since: new Date().toISOString() }
  }

  private degraded (err: Error): void {
    if (this.health.status === 'degraded') return
    this.opts.log.warn({ err }, 'release policy database unreachable: serving the last known policy')
    this.health = { status: 'degraded', reason: err.message, since: new Date().toISOString() }
  }
}
