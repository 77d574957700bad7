// What the request path sees of tracing: types only, so that importing them loads nothing. The
// implementation (plugin.ts) is loaded only when an OTLP endpoint is configured.
import type { Span } from '@opentelemetry/api'
import type { FastifyRequest } from 'fastify'
import type { RoutePlan } from '../engine/index.js'
import type { Upstream } from '../proxy/upstreams.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's span, while tracing is on (undefined when it is off). */
    traceSpan?: Span | null
  }
}

/**
 * The spans of one route's stages, each a child of the request's span. A stage is started and
 * ended around its work; one that an error leaves open is ended, failed, with the answer.
 */
export interface RouteStages {
  /** Starts the span of the request chain (up to head) or of the response chain (down to the client's version). */
  chain (request: FastifyRequest, direction: 'request' | 'response'): void
  /**
   * Starts the span of the call to the core, and puts its trace context in `headers` (the
   * client's own traceparent and tracestate make way for it).
   */
  coreCall (request: FastifyRequest, headers: Record<string, string | string[]>): void
  /** Ends the stage under way; `coreStatus`: the status the core answered a core call with. */
  end (request: FastifyRequest, coreStatus?: number): void
}

/** A route's stages, bound once, at boot: the route, and the core service that serves it. */
export type TraceRoute = (plan: RoutePlan, upstream: Pick<Upstream, 'name' | 'origin'>) => RouteStages
