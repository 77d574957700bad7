import type { FastifyInstance } from 'fastify'
import { contractSnapshot, type Bundle } from '../engine/index.js'
import { ContractNotFoundError } from '../errors.js'

/** `/_evergate/contracts`: the contract versions served, and each one's schemas. */
export default async function contracts (fastify: FastifyInstance, { bundle }: { bundle: Bundle }): Promise<void> {
  fastify.get('/contracts', async () => ({
    head: bundle.head.version,
    versions: bundle.contracts.map((c) => c.version)
  }))

  const snapshots = new Map(bundle.contracts.map((c) => [c.version, contractSnapshot(c)]))
  fastify.get<{ Params: { version: string } }>('/contracts/:version', async (request) => {
    const snapshot = snapshots.get(request.params.version)
    if (snapshot === undefined) throw new ContractNotFoundError(request.params.version)
    return snapshot
  })
}
