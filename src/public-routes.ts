import type { FastifyInstance } from 'fastify'
import { contractSnapshot, type Plans } from './engine/index.js'
import type { Bundle } from './engine/index.js'
import { ContractNotFoundError } from './gateway/errors.js'

export interface PublicRoutesOptions {
  bundle: Bundle
  plans: Plans
}

/** The gateway's own public endpoints, under `/_evergate`. */
export default async function publicRoutes (fastify: FastifyInstance, { bundle, plans }: PublicRoutesOptions): Promise<void> {
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
  const changelog = {
    head: plans.head,
    versions: [...bundle.contracts].reverse().map(({ version }) => ({
      version,
      changes: (bundle.changes.get(version) ?? []).map(({ change }) => change.description)
    }))
  }
  fastify.get('/changelog', async () => changelog)

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
