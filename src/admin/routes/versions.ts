import type { FastifyInstance } from 'fastify'
import { versionReport } from '../../release/version-report.js'
import type { AdminContext } from '../context.js'
import { VersionsQuery } from '../schemas.js'

/** The busiest app versions seen, with what the policy says of each now. */
export default async function versionRoutes (admin: FastifyInstance, { release, repository, flushUsage }: AdminContext): Promise<void> {
  admin.get<{ Querystring: { limit: number } }>('/versions', { schema: { querystring: VersionsQuery } }, async (request) => {
    await flushUsage(request)
    const seen = await repository.seenVersions(request.query.limit)
    return versionReport(release.store, release.platforms, release.contractVersions, seen)
  })
}
