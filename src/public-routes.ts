import type { FastifyInstance, FastifyRequest } from 'fastify'
import { changelog, differences, type ChangelogEntry, type Differences } from './compatibility/changes.js'
import { changelogHtml, differencesHtml } from './compatibility/changes-html.js'
import { contractSnapshot, type Plans } from './engine/index.js'
import type { Bundle } from './engine/index.js'
import { ChangesQueryError, ContractNotFoundError } from './errors.js'

export interface PublicRoutesOptions {
  bundle: Bundle
  plans: Plans
  /** Each frozen version's release day (from its frozen copy). */
  released: ReadonlyMap<string, string>
}

/** A browser asks for HTML before JSON; anything else (an app, curl, a script) gets JSON. */
function wantsHtml (request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  const html = accept.indexOf('text/html')
  const json = accept.indexOf('application/json')
  return html !== -1 && (json === -1 || html < json)
}

/** The gateway's own public endpoints, under `/_evergate`. */
export default async function publicRoutes (fastify: FastifyInstance, { bundle, plans, released }: PublicRoutesOptions): Promise<void> {
  fastify.get('/health', async () => ({ status: 'ok' }))

  // While closing, a 503, so balancers drain the instance (requests that still come are served).
  // A degraded database is still ready: traffic flows on the last known policy. Why it is
  // degraded (hosts, ports, credentials in a driver's message) is for the logs.
  fastify.get('/ready', async (_request, reply) => {
    if (fastify.draining) return await reply.code(503).send({ status: 'draining' })
    const database = fastify.hasDecorator('release') ? fastify.release.store.health : null
    return {
      status: 'ready',
      head: plans.head,
      upstreams: [...fastify.upstreams.keys()],
      database: database === null ? null : { status: database.status, since: database.since }
    }
  })

  // Built once: the changelog only changes with a deploy.
  const entries: ChangelogEntry[] = changelog(bundle, released)
  const log = {
    head: plans.head,
    versions: entries.map((entry) => ({
      version: entry.version,
      released: entry.released,
      changes: entry.changes.map((c) => c.description),
      details: entry.changes,
      differences: entry.differences
    }))
  }
  const logHtml = changelogHtml(entries, plans.head)
  fastify.get('/changelog', async (request, reply) => wantsHtml(request) ? await reply.type('text/html; charset=utf-8').send(logHtml) : log)

  // "What changes for my app if I move from 2.0.0 to 3.0.0": every route and field, and why.
  const versions = plans.contracts.map((c) => c.version)
  fastify.get<{ Querystring: { from?: string, to?: string } }>('/changes', async (request, reply) => {
    const { from, to = plans.head } = request.query
    if (typeof from !== 'string' || !versions.includes(from) || typeof to !== 'string' || !versions.includes(to)) {
      throw new ChangesQueryError(`from and to must be contract versions (${versions.join(', ')}); to defaults to head`)
    }
    if (from === to) throw new ChangesQueryError('from and to are the same version')
    const [older, newer] = versions.indexOf(from) < versions.indexOf(to) ? [from, to] : [to, from]
    const found: Differences = differences(bundle, older, newer)
    return wantsHtml(request) ? await reply.type('text/html; charset=utf-8').send(differencesHtml(found)) : found
  })

  fastify.get('/contracts', async () => ({
    head: plans.head,
    versions: plans.contracts.map((c) => c.version)
  }))

  const snapshots = new Map(bundle.contracts.map((c) => [c.version, contractSnapshot(c)]))
  fastify.get<{ Params: { version: string } }>('/contracts/:version', async (request) => {
    const snapshot = snapshots.get(request.params.version)
    if (snapshot === undefined) throw new ContractNotFoundError(request.params.version)
    return snapshot
  })
}
