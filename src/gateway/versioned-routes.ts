import type { FastifyInstance, FastifySchema } from 'fastify'
import type { Plans, RoutePlan, RouteTarget } from '../engine/index.js'
import { stopUpstream } from '../proxy/forwarding.js'
import { CONTRACT_CONSTRAINT } from '../resolve/plugin.js'
import { RouteGoneError } from '../errors.js'
import { translatingHandler, type TranslateOptions } from './translate.js'

export interface VersionedRoutesOptions extends TranslateOptions {
  plans: Plans
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The plan of a versioned route: its contract version, chains and target. */
    evergate?: RoutePlan
  }
}

function schemaOf ({ schema }: RoutePlan): FastifySchema {
  const out: FastifySchema = {}
  if (schema.params !== undefined) out.params = schema.params
  if (schema.querystring !== undefined) out.querystring = schema.querystring
  if (schema.headers !== undefined) out.headers = schema.headers
  if (schema.body !== undefined) out.body = schema.body
  return out
}

/**
 * One Fastify route per (contract version, route), told apart by the `contract` constraint that
 * the version resolver derives: each version gets its own route table, validation and chain.
 */
export default async function versionedRoutes (fastify: FastifyInstance, opts: VersionedRoutesOptions): Promise<void> {
  fastify.decorateRequest('upstream', null)
  fastify.decorateRequest('clientGone', false)
  fastify.decorateRequest('stepContext', null)
  for (const contract of opts.plans.contracts) {
    for (const plan of contract.routes) {
      const forwards = plan.target !== null
      fastify.route({
        method: plan.method,
        url: plan.url,
        constraints: { [CONTRACT_CONSTRAINT]: plan.contract },
        schema: schemaOf(plan),
        config: { evergate: plan },
        handler: forwards
          ? translatingHandler(plan as RoutePlan & { target: RouteTarget }, upstreamOf(fastify, plan), opts)
          : async () => { throw new RouteGoneError(plan.goneMessage as string) },
        ...(forwards ? { onRequestAbort: stopUpstream } : {})
      })
    }
  }
}

function upstreamOf (fastify: FastifyInstance, plan: RoutePlan) {
  const name = (plan.target as RouteTarget).upstream
  const upstream = fastify.upstreams.get(name)
  if (upstream === undefined) {
    throw new Error(`route ${plan.target?.route} is served by the "${name}" core service, but no URL is configured for it`)
  }
  return upstream
}
