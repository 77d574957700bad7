import type { FastifyRequest } from 'fastify'
import type { Release } from '../release/plugin.js'
import type { ReleaseRecord, ReleaseRepository, RuleRecord } from '../release/repository.js'

/** The longest an answer waits for the counts in memory to be written; past it, it misses them. */
const FLUSH_WAIT_MS = 1000

/** A change to the rules or the releases, as the log names it. */
export type ChangeEvent = 'rule created' | 'rule updated' | 'rule deleted' | 'release announced' | 'release withdrawn'

/** What every admin route is given: the release management, and the admin's own repository. */
export interface AdminContext {
  readonly release: Release
  /** On the admin's own pool, with its own timeout (app.ts). */
  readonly repository: ReleaseRepository
  /**
   * Writes the counts still in memory, so that an answer read after it is live; on a database
   * slow or away, waits no longer than FLUSH_WAIT_MS (the flush goes on, the answer misses it).
   */
  flushUsage (request: FastifyRequest): Promise<void>
  /**
   * The days a usage answer covers, the live counts written first. No more days than are kept:
   * an answer for 90 days with 31 kept would undercount, unsaid.
   */
  usageDays (request: FastifyRequest, asked: number): Promise<number>
  /**
   * A change made, as an event in the log with who made it: what the audit log keeps, where log
   * shipping and alerting see it as it happens.
   */
  logChange (request: FastifyRequest, event: ChangeEvent, record: RuleRecord | ReleaseRecord): void
}

export function adminContext (release: Release, repository: ReleaseRepository): AdminContext {
  async function flushUsage (request: FastifyRequest): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const waited = new Promise<void>((resolve) => { timer = setTimeout(resolve, FLUSH_WAIT_MS) })
    await Promise.race([
      release.usage.flush().catch((err: Error) => request.log.warn({ err }, `usage flush before ${request.url} failed`)),
      waited
    ])
    clearTimeout(timer)
  }
  return {
    release,
    repository,
    flushUsage,
    async usageDays (request, asked) {
      await flushUsage(request)
      return Math.min(asked, release.usageRetentionDays)
    },
    logChange (request, event, record) {
      const what = event.startsWith('rule') ? 'rule' : 'release'
      request.log.info({ event, actor: request.actor, [what]: record }, `${event} by ${request.actor}`)
    }
  }
}
