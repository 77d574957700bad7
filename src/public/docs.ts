import swagger from '@fastify/swagger'
import apiReference from '@scalar/fastify-api-reference'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { ContractPlan, Example, ExampleSet, Plans, RoutePlan } from '../engine/index.js'
import { ContractNotFoundError, VersionInvalidError } from '../errors.js'
import { examplesFor } from '../compatibility/examples.js'
import { renderError } from '../gateway/render-error.js'
import { extractComponents, gatewayErrors, operationSchema, reason } from './openapi.js'

// The mobile team's reference: one OpenAPI document per contract version, as that version's apps
// see the API, and a page (Scalar, served from its package) with a picker over every version.

type ByStatus = ReadonlyMap<number, ReadonlyArray<{ name: string, summary?: string, body: unknown }>>

export interface DocsOptions {
  plans: Plans
  versionHeader: string
  platformHeader: string
  platforms: readonly string[]
  /** Head's examples: each version's document shows them in its shape, pushed down its chains. */
  examples?: ExampleSet
  /** Whether release management serves `/_evergate/app-status` (documented in every version). */
  appStatus: boolean
}

/** What the release policy says of a contract version, for its document and the picker. */
interface VersionStatus {
  status: 'supported' | 'deprecated' | 'retired'
  sunset: string | null
  message: string | null
}

const decoratorOf = (version: string) => `evergateDocs_${version.replace(/\W/g, '_')}`
/** Per version and route, its examples by status: derived once, at the first document asked for. */
function examplesBy (plans: Plans, set: ExampleSet | undefined): (version: string, plan: RoutePlan) => ByStatus {
  const cache = new Map<string, Record<string, Example[]>>()
  return (version, plan) => {
    if (set === undefined) return new Map()
    let routes = cache.get(version)
    if (routes === undefined) cache.set(version, routes = examplesFor(plans, set, version))
    const byStatus = new Map<number, Array<{ name: string, body: unknown }>>()
    for (const { name, response } of routes[plan.route] ?? []) {
      const list = byStatus.get(response.status) ?? []
      list.push({ name, body: response.body })
      byStatus.set(response.status, list)
    }
    return byStatus
  }
}

async function contractDocs (fastify: FastifyInstance, opts: DocsOptions): Promise<void> {
  const { plans, versionHeader } = opts
  const byVersion = new Map<string, ContractPlan>(plans.contracts.map((c) => [c.version, c]))
  const canonical = gatewayErrors()
  const examplesOf = examplesBy(plans, opts.examples)

  // The status of the app version a contract is named for: the first build that shipped with it.
  const statusOf = (version: string): VersionStatus => {
    if (!fastify.hasDecorator('release')) return { status: 'supported', sunset: null, message: null }
    const decision = fastify.release.store.policy.decide(version, null)
    return { status: decision.status, sunset: decision.sunsetDate?.toISOString().slice(0, 10) ?? null, message: decision.message }
  }

  for (const contract of plans.contracts) {
    const errors = new Map([...canonical].map(([status, error]) => {
      const rendered = renderError(plans, contract, error, null)
      return [status, { status: rendered.status, body: rendered.body, code: error.code }] as const
    }))
    await fastify.register(swagger, {
      decorator: decoratorOf(contract.version),
      openapi: {
        openapi: '3.1.0',
        info: {
          title: `API for apps on contract ${contract.version}`,
          version: contract.version,
          description: [
            `What apps on contract ${contract.version} send and get. Send \`${versionHeader}\` with your app's version on every request: the gateway serves each app the contract it was built against (the newest one not newer than its version). Head, the newest contract, is ${plans.head}.`,
            'When a release manager deprecates your app version, answers carry `Deprecation`, `Sunset` and `Link` headers; once it is retired, every request is answered 426 with where to update. Ask `GET /_evergate/app-status` at launch to know before.'
          ].join('\n\n'),
          license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' }
        },
        servers: [{ url: '/', description: 'This gateway' }],
        tags: [
          ...[...new Set(contract.routes.map((r) => r.route.split(' ')[1].split('/')[1]))].map((segment) => ({ name: segment.charAt(0).toUpperCase() + segment.slice(1), description: `The ${segment} routes of contract ${contract.version}.` })),
          { name: 'App status', description: 'What an app asks at launch: may it run, and what to tell its user.' }
        ]
      },
      transform ({ schema, url, route }) {
        const plan = route.config?.evergate as RoutePlan | undefined
        if (plan?.contract !== contract.version) return { schema: { ...schema, hide: true }, url }
        const examples = examplesOf(contract.version, plan)
        return { schema: operationSchema({ ...opts, plans, contract, plan, examples, errors }, schema as Record<string, unknown>) as typeof schema, url }
      },
      transformObject (documents) {
        const document = (documents as { openapiObject: Record<string, unknown> }).openapiObject
        if (opts.appStatus) (document.paths as Record<string, unknown>)['/_evergate/app-status'] = { get: appStatusOperation(contract, errors, versionHeader, opts.platformHeader) }
        extractComponents(document)
        return document
      }
    })
  }

  /** The document of a version, with what the live release policy says of it. */
  const documentOf = (version: string): Record<string, unknown> => {
    if (!byVersion.has(version)) throw new ContractNotFoundError(version)
    const document = (fastify as unknown as Record<string, () => Record<string, unknown>>)[decoratorOf(version)]()
    const { status, sunset, message } = statusOf(version)
    if (status === 'supported') return document
    const info = document.info as Record<string, unknown>
    const note = `**${status === 'retired' ? 'Retired' : 'Deprecated'}.** ${message ?? ''}${sunset === null ? '' : ` Apps on it are refused from ${sunset}.`}`.trim()
    const paths = Object.fromEntries(Object.entries(document.paths as Record<string, Record<string, Record<string, unknown>>>).map(([path, item]) =>
      [path, Object.fromEntries(Object.entries(item).map(([method, op]) => [method, path === '/_evergate/app-status' ? op : { ...op, deprecated: true }]))]))
    return { ...document, info: { ...info, description: `${note}\n\n${String(info.description)}`, 'x-evergate-status': status, 'x-evergate-sunset': sunset }, paths }
  }

  fastify.get<{ Params: { version: string } }>('/_evergate/contracts/:version/openapi.json', async (request) => documentOf(request.params.version))
  fastify.get<{ Params: { version: string } }>('/_evergate/contracts/:version/openapi.yaml', async (request, reply) => {
    const document = documentOf(request.params.version)
    const { stringify } = await import('yaml')
    return await reply.type('application/yaml').send(stringify(document, { aliasDuplicateObjects: false }))
  })

  // Browsers ask every host for its icon when they open the docs page: no icon, and no 404 logged.
  fastify.get('/favicon.ico', { logLevel: 'warn' }, async (_request, reply) => await reply.code(204).header('cache-control', 'public, max-age=86400').send())

  // The picker: newest first, head the default; its titles say which versions are deprecated,
  // and are brought up to date from the policy before each page is drawn.
  const sources = [...plans.contracts].reverse().map((c) => ({
    title: c.version,
    slug: c.version,
    url: `/_evergate/contracts/${c.version}/openapi.json`,
    default: c.version === plans.head
  }))
  const titleSources = () => {
    for (const source of sources) {
      const { status } = statusOf(source.slug)
      source.title = `${source.slug}${source.slug === plans.head ? ' (head)' : ''}${status === 'supported' ? '' : ` (${status})`}`
    }
  }
  titleSources()
  await fastify.register(apiReference, {
    routePrefix: '/_evergate/docs',
    logLevel: 'warn',
    hooks: { onRequest: async () => { titleSources() } },
    configuration: {
      pageTitle: 'API reference',
      sources,
      // Fonts from Scalar's CDN would not load behind the proxies app teams often sit behind.
      withDefaultFonts: false,
      hideClientButton: true,
      showDeveloperTools: 'never',
      agent: { disabled: true },
      mcp: { disabled: true },
      telemetry: false
    } as Record<string, unknown>
  })
}

function appStatusOperation (contract: ContractPlan, errors: ReadonlyMap<number, { body: unknown }>, versionHeader: string, platformHeader: string): Record<string, unknown> {
  const nullable = (type: string, description: string) => ({ anyOf: [{ type }, { type: 'null' }], description })
  return {
    operationId: 'getAppStatus',
    tags: ['App status'],
    summary: 'May this build run?',
    description: `Ask at launch, with \`${versionHeader}\`. Answers retired builds too (status \`retired\`), so an app can show its update screen before any other call fails with 426.`,
    parameters: [
      { in: 'header', name: versionHeader, required: true, schema: { type: 'string' }, description: 'Your app\'s version', example: contract.version },
      { in: 'header', name: platformHeader, required: false, schema: { type: 'string' }, description: 'Your app\'s platform' }
    ],
    responses: {
      200: {
        description: reason(200),
        content: {
          'application/json': {
            schema: {
              title: 'AppStatus',
              type: 'object',
              required: ['app_version', 'platform', 'contract_version', 'status', 'minimum_version', 'latest_version', 'update_available', 'deprecation_date', 'sunset_date', 'message', 'upgrade_url'],
              properties: {
                app_version: nullable('string', 'The version the app sent'),
                platform: nullable('string', 'The platform the app sent'),
                contract_version: nullable('string', 'The contract the app is served; null when its version is too old for any'),
                status: { type: 'string', enum: ['supported', 'deprecated', 'retired'] },
                minimum_version: { type: 'string', description: 'The oldest version still served on this platform' },
                latest_version: { type: 'string', description: 'The newest version released on this platform' },
                update_available: { type: 'boolean' },
                deprecation_date: nullable('string', 'ISO timestamp'),
                sunset_date: nullable('string', 'ISO timestamp: refused from then on'),
                message: nullable('string', 'What to tell the user'),
                upgrade_url: nullable('string', 'The store page')
              }
            },
            examples: {
              deprecated: {
                summary: 'A deprecated build',
                value: { app_version: '1.4.0', platform: 'ios', contract_version: '1.0.0', status: 'deprecated', minimum_version: '1.0.0', latest_version: '3.2.0', update_available: true, deprecation_date: '2026-09-01T00:00:00.000Z', sunset_date: '2027-03-01T00:00:00.000Z', message: 'Please update Pulse before March', upgrade_url: 'https://apps.apple.com/app/id000000000' }
              }
            }
          }
        }
      },
      400: { description: reason(400), content: { 'application/json': { schema: { ...(contract.contract.error as object), title: 'Error' }, examples: { [VersionInvalidError.code]: { summary: 'The version header is not a version', value: errors.get(400)?.body } } } } }
    }
  }
}

export default fp(contractDocs, { name: 'evergate-contract-docs', fastify: '5.x' })
