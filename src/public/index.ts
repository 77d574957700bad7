import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Bundle, ExampleSet, Plans } from '../engine/index.js'
import appStatus from './app-status.js'
import changes from './changes.js'
import contracts from './contracts.js'
import docs from './docs.js'
import health from './health.js'

export interface PublicEndpointsOptions {
  bundle: Bundle
  plans: Plans
  /** Each frozen version's release day (from its frozen copy). */
  released: ReadonlyMap<string, string>
  /** `Vary` value of the versioned answers. */
  vary: string
  versionHeader: string
  platformHeader: string
  platforms: readonly string[]
  examples?: ExampleSet
}

/** Where the gateway's own endpoints live on the public port: no app's API has this prefix. */
export const PREFIX = '/_evergate'

/**
 * Everything the gateway answers of itself on the public port, under `/_evergate`: health and
 * readiness, the contracts, their docs and changelog, and, with release management on, an app's
 * own status. Every other path is an app's API (the browser's `/favicon.ico` aside, see docs.ts).
 */
async function publicEndpoints (fastify: FastifyInstance, opts: PublicEndpointsOptions): Promise<void> {
  const { bundle, plans } = opts
  const releaseManagement = fastify.hasDecorator('release')
  await fastify.register(health, { prefix: PREFIX, head: plans.head })
  await fastify.register(contracts, { prefix: PREFIX, bundle })
  await fastify.register(changes, { prefix: PREFIX, bundle, plans, released: opts.released })
  if (releaseManagement) await fastify.register(appStatus, { prefix: PREFIX, vary: opts.vary, contractVersions: plans.contracts.map((c) => c.version) })
  // Its routes are under the prefix too, written out in full: Scalar builds its script's URL from
  // its own route prefix alone, so it cannot be nested under another.
  await fastify.register(docs, {
    plans,
    versionHeader: opts.versionHeader,
    platformHeader: opts.platformHeader,
    platforms: opts.platforms,
    appStatus: releaseManagement,
    examples: opts.examples
  })
}

// Not encapsulated: the docs document the versioned routes, registered beside it in the root.
export default fp(publicEndpoints, { name: 'evergate-public-endpoints', fastify: '5.x' })
