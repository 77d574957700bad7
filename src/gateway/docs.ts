import swagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { ContractPlan, Plans, RoutePlan } from '../engine/index.js'
import { ContractNotFoundError } from './errors.js'

export interface DocsOptions {
  plans: Plans
  versionHeader: string
}

const decoratorOf = (version: string) => `evergateDocs_${version.replace(/\W/g, '_')}`

/**
 * One OpenAPI document per contract version, as that version's apps see the API: its routes, its
 * shapes, its error shape. @fastify/swagger is registered once per version and keeps only the
 * routes carrying that version's constraint.
 */
async function contractDocs (fastify: FastifyInstance, { plans, versionHeader }: DocsOptions): Promise<void> {
  const byVersion = new Map<string, ContractPlan>(plans.contracts.map((c) => [c.version, c]))
  for (const contract of plans.contracts) {
    await fastify.register(swagger, {
      decorator: decoratorOf(contract.version),
      openapi: {
        info: {
          title: `API for app versions served by contract ${contract.version}`,
          version: contract.version,
          description: `Send \`${versionHeader}\` with your app version. Head is ${plans.head}.`
        }
      },
      transform ({ schema, url, route }) {
        const plan = route.config?.evergate as RoutePlan | undefined
        if (plan?.contract !== contract.version) return { schema: { ...schema, hide: true }, url }
        const response: Record<string, unknown> = { default: { description: 'An error', ...contract.contract.error } }
        for (const [status, body] of Object.entries(plan.schema.responses)) response[status] = body
        return { schema: { ...schema, summary: plan.schema.summary, response }, url }
      }
    })
  }

  fastify.get<{ Params: { version: string } }>('/_evergate/contracts/:version/openapi.json', async (request) => {
    const { version } = request.params
    if (!byVersion.has(version)) throw new ContractNotFoundError(version)
    return (fastify as unknown as Record<string, () => unknown>)[decoratorOf(version)]()
  })
}

export default fp(contractDocs, { name: 'evergate-contract-docs', fastify: '5.x' })
