import {
  AppRetiredError, BodyTooLargeError, UnsupportedMediaTypeError, UpstreamResetError, UpstreamTimeoutError, UpstreamUnreachableError,
  ValidationError
} from '../errors.js'
import type { CanonicalError, ContractPlan, Plans, RoutePlan, RouteKey } from '../engine/index.js'

// What one contract version's OpenAPI document says beyond the route schemas @fastify/swagger
// turns into paths: how to name each operation, what the gateway itself may answer, in that
// version's own error shape, and the shared schemas as named components.

type Json = Record<string, unknown>

/** `GET /articles/:id` -> `getArticlesById`: stable, unique per method and path. */
export function operationId (key: RouteKey): string {
  const [method, path] = key.split(' ')
  const words = path.split('/').filter((s) => s !== '').flatMap((s) => s.startsWith(':') ? ['by', s.slice(1)] : s.split(/[^A-Za-z0-9]+/))
  return method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')
}

/** The first path segment, capitalised: `GET /articles/:id` is tagged `Articles`. */
export function tagOf (key: RouteKey): string {
  const first = key.split(' ')[1].split('/').find((s) => s !== '' && !s.startsWith(':')) ?? 'api'
  return first.charAt(0).toUpperCase() + first.slice(1)
}

const REASONS: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad request', 404: 'Not found',
  408: 'Request timeout', 410: 'Gone', 413: 'Body too large', 415: 'Unsupported media type',
  426: 'Upgrade required: this app version is retired', 500: 'Gateway error', 502: 'Bad gateway',
  503: 'Service unavailable', 504: 'Gateway timeout'
}
export const reason = (status: number): string => REASONS[status] ?? `Status ${status}`

/** The gateway's own answers every route may give, as canonical errors (rendered per version). */
export function gatewayErrors (): ReadonlyMap<number, CanonicalError> {
  const e = ({ statusCode, code, message }: { statusCode: number, code: string, message: string }, details?: unknown): [number, CanonicalError] =>
    [statusCode, { statusCode, code, message, ...(details === undefined ? {} : { details }) }]
  return new Map([
    e(new ValidationError('body/name must NOT have fewer than 1 characters')),
    e(new BodyTooLargeError(1048576)),
    e(new UnsupportedMediaTypeError('text/plain')),
    e(new AppRetiredError('This version of the app is no longer supported: please update'),
      { upgrade_url: 'https://apps.apple.com/app/id000000000', minimum_version: '2.0.0' }),
    e(new UpstreamUnreachableError('core')),
    e(new UpstreamResetError('core')),
    e(new UpstreamTimeoutError('core'))
  ])
}

/** The headers every answer of a versioned route may carry. */
export function responseHeaders (versionHeader: string): Json {
  return {
    'x-contract-version': { type: 'string', description: 'The contract version this answer is in: the newest one not newer than the app version sent.' },
    deprecation: { type: 'string', description: `RFC 9745: when this app version was deprecated (\`@<unix seconds>\`); sent once a release manager deprecates it. Show the user an update prompt.` },
    sunset: { type: 'string', description: 'RFC 8594: the HTTP date after which this app version is refused with 426.' },
    link: { type: 'string', description: 'The store page to update from, as `rel="deprecation"` and `rel="sunset"` links.' },
    vary: { type: 'string', description: `Answers differ by \`${versionHeader}\` (and the platform header when release rules are per platform).` }
  }
}

/**
 * Moves every object schema with a `title` into `components.schemas` and points to it, so code
 * generators make named types (`Article`) and not one anonymous copy per operation. Two different
 * shapes with one title in a document keep the first name and number the next (`Article2`).
 */
export function extractComponents (document: Json): void {
  const components = ((document.components ??= {}) as Json)
  const schemas = ((components.schemas ??= {}) as Json)
  const named = new Map<string, string>()
  const nameFor = (schema: Json): string => {
    const key = JSON.stringify(schema)
    const known = named.get(key)
    if (known !== undefined) return known
    const base = String(schema.title).replace(/[^A-Za-z0-9_.-]/g, '')
    let name = base
    for (let i = 2; name in schemas; i++) name = `${base}${i}`
    named.set(key, name)
    schemas[name] = schema
    return name
  }
  const walk = (value: unknown, isSchema: boolean): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, isSchema))
    if (typeof value !== 'object' || value === null) return value
    const node = value as Json
    const out: Json = {}
    for (const [k, v] of Object.entries(node)) {
      // Examples are data: a field named "title" in one is not a schema.
      out[k] = k === 'example' || k === 'examples' ? v : walk(v, SCHEMA_KEYS.has(k) || (isSchema && (k === 'properties' || k === 'items' || k === 'anyOf' || k === 'allOf' || k === 'oneOf')))
    }
    if (isSchema && typeof out.title === 'string' && out.type === 'object') return { $ref: `#/components/schemas/${nameFor(out)}` }
    return out
  }
  const paths = document.paths as Json
  for (const [path, item] of Object.entries(paths)) paths[path] = walk(item, false)
  for (const [name, schema] of Object.entries(schemas)) schemas[name] = walkInside(schema as Json, walk)
}

const SCHEMA_KEYS = new Set(['schema'])

/** A component's own properties may hold titled schemas too; the component itself stays. */
function walkInside (schema: Json, walk: (value: unknown, isSchema: boolean) => unknown): Json {
  const out: Json = {}
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Json).map(([p, s]) => [p, walk(s, true)])) : k === 'items' || k === 'anyOf' ? walk(v, true) : v
  }
  return out
}

/** A route of a contract version as its OpenAPI operation (for @fastify/swagger's transform). */
export interface OperationOptions {
  plans: Plans
  contract: ContractPlan
  plan: RoutePlan
  versionHeader: string
  platformHeader: string
  platforms: readonly string[]
  /** Named examples of the route in this version, by status; none where the version has none. */
  examples: ReadonlyMap<number, ReadonlyArray<{ name: string, summary?: string, body: unknown }>>
  /** The rendered gateway errors of this version, by status. */
  errors: ReadonlyMap<number, { status: number, body: unknown, code: string }>
}

function content (schema: unknown, examples: ReadonlyArray<{ name: string, summary?: string, body: unknown }> | undefined): Json {
  const media: Json = { schema }
  if (examples !== undefined && examples.length > 0) {
    media.examples = Object.fromEntries(examples.map((e) => [e.name, { summary: e.summary ?? e.name, value: e.body }]))
  }
  return { 'application/json': media }
}

export function operationSchema (o: OperationOptions, routeSchema: Json): Json {
  const { plan, contract } = o
  const headers = { ...responseHeaders(o.versionHeader) }
  const response: Json = {}
  for (const [status, schema] of Object.entries(plan.schema.responses)) {
    const examples = o.examples.get(Number(status))
    response[status] = Number(status) === 204
      ? { description: reason(204), headers }
      : { description: reason(Number(status)), headers, content: content(schema, examples) }
  }
  const errorSchema = { ...(contract.contract.error as Json), title: (contract.contract.error as Json).title ?? 'Error' }
  const errorStatuses = new Set<number>([...o.errors.keys()])
  for (const [status] of o.examples) if (status >= 400) errorStatuses.add(status)
  for (const status of [...errorStatuses].sort()) {
    const rendered = o.errors.get(status)
    const examples = [
      ...(o.examples.get(status) ?? []),
      ...(rendered === undefined ? [] : [{ name: rendered.code, summary: rendered.code, body: rendered.body }])
    ]
    response[status] = { description: reason(status), headers: { 'x-evergate-error-code': { type: 'string', description: 'The stable code of an error the gateway made (docs/errors.md).' } }, content: content(errorSchema, examples) }
  }
  const clientHeaders = {
    type: 'object',
    properties: {
      [o.versionHeader]: { type: 'string', description: `Your app's version (semver, e.g. \`${contract.version}\`): selects the contract your app is served.`, examples: [contract.version] },
      [o.platformHeader]: { type: 'string', enum: [...o.platforms], description: 'Your app\'s platform: release rules and usage can be per platform.' },
      ...((routeSchema.headers as Json | undefined)?.properties as Json | undefined)
    },
    required: [o.versionHeader, ...(((routeSchema.headers as Json | undefined)?.required as string[] | undefined) ?? [])]
  }
  return {
    ...routeSchema,
    operationId: operationId(plan.route),
    tags: [tagOf(plan.route)],
    summary: plan.schema.summary ?? plan.route,
    description: plan.goneMessage === null ? `Served to apps on contract ${contract.version}.` : `Gone: ${plan.goneMessage}`,
    headers: clientHeaders,
    response
  }
}
