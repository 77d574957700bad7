import type { FastifyRequest } from 'fastify'
import type { RequestContext } from '../engine/index.js'
import type { ClientVersion } from '../resolve/version-resolver.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request as its steps read it (contextOf): built on first use, then handed to every step runner. */
    stepContext: RequestContext | null
  }
}

/**
 * The request as every step of it reads it, request, response and error steps alike: built once,
 * when the first of them runs. A request none runs for (a head client's, mostly) never builds it.
 */
export function contextOf (request: FastifyRequest): RequestContext {
  return (request.stepContext ??= contextFor(request, request.client))
}

/**
 * The same for `client`, which may not be the one the request resolved to: a request the router
 * refused before any decorator, whose client is read from its raw headers. Not kept.
 */
export function contextFor (request: FastifyRequest, client: ClientVersion): RequestContext {
  return {
    params: (request.params ?? {}) as Record<string, unknown>,
    query: (request.query ?? {}) as Record<string, unknown>,
    headers: request.headers,
    appVersion: client.appVersion,
    platform: client.platform
  }
}
