import type { FastifyInstance } from 'fastify'

/** `/_evergate/health` (the process lives) and `/_evergate/ready` (send it traffic). */
export default async function health (fastify: FastifyInstance, { head }: { head: string }): Promise<void> {
  fastify.get('/health', async () => ({ status: 'ok' }))

  // While closing, a 503, so balancers drain the instance (requests that still come are served).
  // A degraded database is still ready: traffic flows on the last known policy. Why it is
  // degraded (hosts, ports, credentials in a driver's message) is for the logs.
  fastify.get('/ready', async (_request, reply) => {
    if (fastify.draining) return await reply.code(503).send({ status: 'draining' })
    const database = fastify.hasDecorator('release') ? fastify.release.store.health : null
    return {
      status: 'ready',
      head,
      upstreams: [...fastify.upstreams.keys()],
      database: database === null ? null : { status: database.status, since: database.since }
    }
  })
}
