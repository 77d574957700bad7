import type { FastifyInstance } from 'fastify'
import type { AdminContext } from '../context.js'
import { AuditQuery } from '../schemas.js'

/** Who changed which rule or release, and when: newest first. */
export default async function auditRoutes (admin: FastifyInstance, { repository }: AdminContext): Promise<void> {
  admin.get<{ Querystring: { limit: number } }>('/audit', { schema: { querystring: AuditQuery } },
    async (request) => ({ audit: await repository.audit(request.query.limit) }))
}
