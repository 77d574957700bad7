import type { FastifyInstance } from 'fastify'
import { ReleaseExistsError, ReleaseNotFoundError } from '../../errors.js'
import type { AdminContext } from '../context.js'
import { releaseFields } from '../fields.js'
import { IdParams, ReleaseFieldsSchema, type ReleaseFieldsInput } from '../schemas.js'

/** The app releases announced per platform: what "latest" and the upgrade prompts point to. */
export default async function releaseRoutes (admin: FastifyInstance, { release, repository, logChange }: AdminContext): Promise<void> {
  const { store, platforms } = release

  admin.get('/releases', async () => ({ releases: await repository.listReleases() }))

  admin.post<{ Body: ReleaseFieldsInput }>('/releases', { schema: { body: ReleaseFieldsSchema } }, async (request, reply) => {
    const fields = releaseFields(request.body, platforms)
    const announced = await repository.createRelease(fields, request.actor)
    if (announced === null) throw new ReleaseExistsError(fields.version, fields.platform ?? 'every platform')
    logChange(request, 'release announced', announced)
    await store.refresh()
    return reply.code(201).send(announced)
  })

  admin.delete<{ Params: { id: number } }>('/releases/:id', { schema: { params: IdParams } }, async (request) => {
    const withdrawn = await repository.withdrawRelease(request.params.id, request.actor)
    if (withdrawn === null) throw new ReleaseNotFoundError(request.params.id)
    logChange(request, 'release withdrawn', withdrawn)
    await store.refresh()
    return withdrawn
  })
}
