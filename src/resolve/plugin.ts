import type { IncomingMessage } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createVersionResolver, type ClientVersion, type VersionResolverOptions } from './version-resolver.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The calling build's version, platform and the contract version serving it. */
    readonly client: ClientVersion
  }
  interface FastifyInstance {
    /** `request.client` for a request Fastify answers before routing (see frameworkErrors). */
    clientOf: (raw: IncomingMessage) => ClientVersion
    /** What a request that names no app version resolves to (Node's own refusals answer so). */
    versionless: ClientVersion
  }
}

const kClient = Symbol('evergate.client')
type RawWithClient = IncomingMessage & { [kClient]?: ClientVersion }

/** The route constraint every versioned route carries: the contract version that serves it. */
export const CONTRACT_CONSTRAINT = 'contract'

/**
 * Reads the app version of every request once, before routing: the router asks for the
 * contract version to pick that version's route table, and the answer is kept on the request.
 */
async function versionResolution (fastify: FastifyInstance, opts: VersionResolverOptions): Promise<void> {
  const resolve = createVersionResolver(opts)
  const clientOf = (raw: RawWithClient): ClientVersion => (raw[kClient] ??= resolve(raw.headers))

  fastify.addConstraintStrategy({
    name: CONTRACT_CONSTRAINT,
    // A request that resolves to no contract matches no versioned route and meets the
    // not-found handler, which answers with the resolution's error.
    mustMatchWhenDerived: false,
    storage () {
      const handlers = new Map<unknown, any>()
      return {
        get: (version: unknown) => handlers.get(version) ?? null,
        set: (version: unknown, handler: any) => { handlers.set(version, handler) }
      }
    },
    deriveConstraint: (req: IncomingMessage) => clientOf(req).contract ?? undefined
  })

  fastify.decorate('clientOf', clientOf)
  fastify.decorate('versionless', resolve({}))
  fastify.decorateRequest('client', {
    getter (this: { raw: IncomingMessage }) {
      return clientOf(this.raw)
    }
  })
}

export default fp(versionResolution, { name: 'evergate-version-resolution', fastify: '5.x' })
