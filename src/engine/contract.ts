import type { Static, TSchema } from '@sinclair/typebox'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** A route as `METHOD /path`, with Fastify path syntax: `GET /articles/:id`. */
export type RouteKey = `${HttpMethod} /${string}`

export interface RouteContract {
  summary?: string
  params?: TSchema
  querystring?: TSchema
  /** Request headers the route reads, validated like the query (names in lower case). */
  headers?: TSchema
  body?: TSchema
  /** Success responses by status. Error responses use the contract's `error` schema. */
  responses: { [status: number]: TSchema }
  /**
   * Response headers apps read (an `ETag`, a `X-Total-Count`), names in lower case: documented,
   * and compared by `contracts check` (one an app reads, removed, breaks it).
   */
  responseHeaders?: TSchema
  /** The core service that owns the route (read from head only); `core` when absent. */
  upstream?: string
}

export type RouteTable = { [key: RouteKey]: RouteContract }

/** An error as the gateway knows it before it is put in a client's error shape. */
export interface CanonicalError {
  statusCode: number
  code: string
  message: string
  details?: unknown
}

export interface Contract<R extends RouteTable = RouteTable, E extends TSchema = TSchema> {
  readonly version: string
  readonly error: E
  readonly routes: R
  /** Head only: how a gateway-made error looks in head's error shape. */
  readonly formatError?: (error: CanonicalError) => Static<E>
}

export interface HeadContract<R extends RouteTable = RouteTable, E extends TSchema = TSchema> extends Contract<R, E> {
  readonly formatError: (error: CanonicalError) => Static<E>
}

/** The newest contract, the one the core services implement. */
export function defineContract<R extends RouteTable, E extends TSchema> (contract: {
  version: string
  error: E
  routes: R
  formatError: (error: CanonicalError) => Static<E>
}): HeadContract<R, E> {
  return Object.freeze({ ...contract })
}

type Derived<B extends Contract, O extends RouteTable, X extends PropertyKey> =
  Omit<B['routes'], X | keyof O> & O

/**
 * An older contract, written as what differs from the next newer one:
 * routes it overrides or adds, routes it lacks, and its error shape when that differed.
 */
export function deriveContract<
  B extends Contract,
  O extends RouteTable = Record<never, never>,
  X extends keyof B['routes'] & RouteKey = never,
  E extends TSchema = B['error']
> (base: B, delta: {
  version: string
  error?: E
  routes?: O
  remove?: readonly X[]
}): Contract<Derived<B, O, X>, E> {
  const routes: RouteTable = { ...base.routes }
  for (const key of delta.remove ?? []) delete routes[key]
  Object.assign(routes, delta.routes)
  return Object.freeze({
    version: delta.version,
    error: (delta.error ?? base.error) as E,
    routes: routes as Derived<B, O, X>
  })
}

// Keywords whose value maps names to schemas: a property may well be called "description".
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions'])

/**
 * A schema as JSON Schema (as the snapshots freeze it), without the keywords in `annotations`:
 * words about a schema, not its shape, that each caller names for what it compares.
 */
export function schemaShape (schema: unknown, annotations: ReadonlySet<string>): unknown {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip)
    if (typeof value !== 'object' || value === null) return value
    const out: Record<string, unknown> = {}
    for (const [key, inner] of Object.entries(value)) {
      if (SCHEMA_MAPS.has(key) && typeof inner === 'object' && inner !== null) {
        out[key] = Object.fromEntries(Object.entries(inner).map(([name, sub]) => [name, strip(sub)]))
      } else if (!annotations.has(key)) out[key] = strip(inner)
    }
    return out
  }
  return strip(JSON.parse(JSON.stringify(schema)))
}

/** The JSON a released contract is frozen as: plain JSON Schema, no functions. */
export function contractSnapshot (contract: Contract): unknown {
  return JSON.parse(JSON.stringify({ version: contract.version, error: contract.error, routes: contract.routes }))
}
