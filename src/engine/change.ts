import type { Static, TSchema } from '@sinclair/typebox'
import type { IncomingHttpHeaders } from 'node:http'
import type { Contract, RouteContract, RouteKey } from './contract.js'

/** What a step may read of the request, as the client sent it. */
export interface RequestContext {
  readonly params: Readonly<Record<string, unknown>>
  readonly query: Readonly<Record<string, unknown>>
  /** The client's headers, to read: a request step sets those for the core in `coreHeaders`. */
  readonly headers: Readonly<IncomingHttpHeaders>
  readonly appVersion: string | null
  readonly platform: string | null
}

/** What a request step gets: the request as the client sent it, and the headers going to the core. */
export interface RequestStepContext extends RequestContext {
  /**
   * The headers going to the core, as the steps before this one left them (the client's, without
   * hop-by-hop ones, at first). A params, query or body step may change them in place, to move a
   * value out of the path, the query or the body into a header (an idempotency key, an API key).
   * `request.headers` steps run after every other request step and are given them (here too).
   */
  readonly coreHeaders: HeaderMap
}

/**
 * Headers as a step sees them: names in lower case, a repeated header as an array. A step may
 * change them in place; a name set to `undefined` is left out.
 */
export type HeaderMap = Record<string, string | string[] | undefined>

export interface ResponseContext {
  readonly status: number
  readonly request: RequestContext
  /**
   * The headers the client will get, as the steps before this one left them (the core's, at
   * first): a body step may read and change them, to move a value between body and headers.
   * Hop-by-hop headers and `content-length` are the gateway's and are never taken from here.
   */
  readonly headers: HeaderMap
  /**
   * Answer the client with an error instead (in the client's own error shape), e.g. a 404 for
   * a record the client's version must not see. Stops the chain.
   */
  reject (statusCode: number, code: string, message: string, details?: unknown): never
}

/**
 * One translation. It owns the value it is given (parsed or copied for this request alone, or the
 * previous step's result) and may change it in place and return it, as `reshape` does; it must not
 * keep it. Changed in place, one object must not appear twice in a step's result (`{ items, first:
 * items[0] }`): a later step would translate it twice.
 */
export type Step = (value: any, ctx: any) => any


type StaticOf<S> = S extends TSchema ? Static<S> : undefined
type PartOf<R, P extends keyof RouteContract> = R extends { [K in P]: infer S } ? StaticOf<S> : undefined
type ResponsesOf<R> = R extends { responses: infer X } ? X : Record<never, never>
type BodyOf<R, S> = S extends keyof ResponsesOf<R> ? StaticOf<ResponsesOf<R>[S]> : never

/** A response step that keeps the status: the newer contract's body for `S` down to the older one's. */
type SameStatus<F, T, S> = S extends keyof ResponsesOf<F>
  ? (body: BodyOf<T, S>, ctx: ResponseContext) => BodyOf<F, S>
  : never

/**
 * The newer contract's status `S` is another status for older clients (201 where they expect
 * 200, 204 where they expect 200 with a body): one of the older contract's, with the step from
 * one body to the other. A 204 has no body: a step from one is given `undefined`, and what a step
 * to one returns is not sent. `body` may be left out where the body passes as it is (the newer
 * body is already the older one's shape) or is dropped (the older status has none).
 */
type Renumbered<F, T, S> = {
  [N in keyof ResponsesOf<F>]: BodyStays<BodyOf<T, S>, BodyOf<F, N>> extends true
    ? { status: N, body?: (body: BodyOf<T, S>, ctx: ResponseContext) => BodyOf<F, N> }
    : { status: N, body: (body: BodyOf<T, S>, ctx: ResponseContext) => BodyOf<F, N> }
}[keyof ResponsesOf<F>]

type BodyStays<Newer, Older> = [Newer] extends [Older] ? true : [undefined] extends [Older] ? true : false

/** How one route changed: request steps go up (old -> new), response steps go down (new -> old). */
export interface RouteSteps<F, T> {
  request?: {
    params?: (params: PartOf<F, 'params'>, ctx: RequestStepContext) => PartOf<T, 'params'>
    query?: (query: PartOf<F, 'querystring'>, ctx: RequestStepContext) => PartOf<T, 'querystring'>
    body?: (body: PartOf<F, 'body'>, ctx: RequestStepContext) => PartOf<T, 'body'>
    /** The headers going to the core (the client's, without hop-by-hop ones, as earlier steps left them), up. */
    headers?: (headers: HeaderMap, ctx: RequestStepContext) => HeaderMap
  }
  /** By the newer contract's status: a body step, or the status older clients get instead. */
  response?: {
    [S in keyof ResponsesOf<T>]?: SameStatus<F, T, S> | Renumbered<F, T, S>
  } & {
    /**
     * The headers of every answer the core gives on this route, whatever its status, down (the
     * gateway's own errors run the `errors` steps only). Unlike a body step it does not make the
     * gateway read the body: a route whose only steps are these streams.
     */
    headers?: (headers: HeaderMap, ctx: ResponseContext) => HeaderMap
  }
}

type KeysOf<E> = E extends unknown ? keyof E : never
type At<E, K extends PropertyKey> = E extends unknown ? (K extends keyof E ? E[K] : never) : never
type Join<P extends string, K extends string> = P extends '' ? K : `${P}.${K}`
type ReturnOf<X> = X extends (...args: any[]) => infer R ? R : never

/**
 * The keys of a step's result `R` that the contract's type `E` lacks, as paths (`addresses_to_creat`,
 * `items[].titel`); never when there are none. TypeScript lets a function return an object literal
 * with extra keys, so a misspelled optional key would compile and its value be silently lost.
 */
type UnknownKeys<R, E, P extends string> =
  0 extends (1 & R) ? never // any: a step typed so on purpose is not checked
    : unknown extends E ? never
      : R extends readonly (infer RI)[] ? (E extends readonly (infer EI)[] ? UnknownKeys<RI, EI, `${P}[]`> : never)
        : R extends (...args: any[]) => any ? never
          : R extends object
            ? (string extends KeysOf<E> ? never
                : { [K in keyof R & string]-?: K extends KeysOf<E> ? UnknownKeys<R[K], At<E, K>, Join<P, K>> : Join<P, K> }[keyof R & string])
            : never

type RequestUnknownKeys<S, T> = S extends { request: infer Q }
  ? (Q extends { params: infer X } ? UnknownKeys<ReturnOf<X>, PartOf<T, 'params'>, 'request.params'> : never)
    | (Q extends { query: infer X } ? UnknownKeys<ReturnOf<X>, PartOf<T, 'querystring'>, 'request.query'> : never)
    | (Q extends { body: infer X } ? UnknownKeys<ReturnOf<X>, PartOf<T, 'body'>, 'request.body'> : never)
  : never

type ResponseUnknownKeys<S, F> = S extends { response: infer Rs }
  ? { [St in keyof Rs & (string | number)]-?: St extends 'headers' ? never
      : Rs[St] extends (...args: any[]) => infer R ? UnknownKeys<R, BodyOf<F, St>, `response.${St}`>
        : Rs[St] extends { status: infer N, body?: infer B } ? UnknownKeys<ReturnOf<B>, BodyOf<F, N>, `response.${St}`> : never
    }[keyof Rs & (string | number)]
  : never

/**
 * `S` as it is when every key its steps return is one the contracts know; otherwise an error naming
 * them. It reads what TypeScript infers of `S`: a body step of a renumbered status (`{ status, body }`)
 * is inferred as the declared type, so its extra keys are not caught here (the chain properties are).
 */
export type KnownKeys<S, F, T> = [RequestUnknownKeys<S, T> | ResponseUnknownKeys<S, F>] extends [never]
  ? unknown
  : { 'misspelled or unknown keys': RequestUnknownKeys<S, T> | ResponseUnknownKeys<S, F> }

export type RouteChangeKind = 'route' | 'move' | 'add' | 'remove'

/** One route's part of a change, as the engine reads it. */
export interface RouteChange {
  readonly kind: RouteChangeKind
  /** The route in the older contract (null for `add`). */
  readonly from: RouteKey | null
  /** The route in the newer contract (null for `remove`). */
  readonly to: RouteKey | null
  readonly request: { params?: Step, query?: Step, body?: Step, headers?: Step }
  /** Body steps by the newer contract's status. */
  readonly response: ReadonlyMap<number, Step>
  /** The newer contract's status -> the one older clients get instead (see `Renumbered`). */
  readonly statuses: ReadonlyMap<number, number>
  /** The step on the headers of every response of the route. */
  readonly responseHeaders: Step | null
  /** For `remove`: what the older clients are told. */
  readonly message?: string
}

export interface ChangeRoutes<F extends Contract, T extends Contract> {
  /** A route that keeps its method and path but changed shape. */
  route<K extends keyof F['routes'] & keyof T['routes'] & RouteKey, S extends RouteSteps<F['routes'][K], T['routes'][K]>> (
    key: K, steps: S & KnownKeys<S, F['routes'][K], T['routes'][K]>): RouteChange
  /** A route that moved: older clients call `from`, the newer contract serves `to`. */
  move<K extends keyof F['routes'] & RouteKey, N extends keyof T['routes'] & RouteKey, S extends RouteSteps<F['routes'][K], T['routes'][N]>> (
    from: K, to: N, steps?: S & KnownKeys<S, F['routes'][K], T['routes'][N]>): RouteChange
  /** A route the older contract lacks: older clients get a 404, as they always did. */
  add<N extends keyof T['routes'] & RouteKey> (key: N): RouteChange
  /** A route the newer contract dropped: older clients get a 410 with this message. */
  remove<K extends keyof F['routes'] & RouteKey> (key: K, message: string): RouteChange
}

export interface ChangeSpec<F extends Contract, T extends Contract> {
  /** One line for the changelog, written for the app developers who read it. */
  description: string
  /** Every error response (status >= 400), from the newer error shape down to the older one. */
  errors?: (body: Static<T['error']>, ctx: ResponseContext) => Static<F['error']>
  /**
   * Error statuses the newer contract answers that older apps know as others (`{ 422: 400 }`),
   * on every route, for the core's errors and the gateway's own alike: 400 to 599, both sides.
   */
  errorStatuses?: Readonly<Record<number, number>>
  routes?: (r: ChangeRoutes<F, T>) => RouteChange[]
}

const kVersionChange = Symbol.for('evergate.version-change')

export interface VersionChange {
  readonly [kVersionChange]: true
  readonly description: string
  readonly from: Contract
  readonly to: Contract
  readonly errors: Step | null
  /** The newer contract's error status -> the older one's, where they differ. */
  readonly errorStatuses: ReadonlyMap<number, number>
  readonly routes: readonly RouteChange[]
}

export function isVersionChange (value: unknown): value is VersionChange {
  return typeof value === 'object' && value !== null && (value as VersionChange)[kVersionChange] === true
}

function routeChange (kind: RouteChangeKind, from: RouteKey | null, to: RouteKey | null,
  steps: RouteSteps<unknown, unknown> = {}, message?: string): RouteChange {
  const response = new Map<number, Step>()
  const statuses = new Map<number, number>()
  const { headers: responseHeaders, ...byStatus } = steps.response ?? {}
  for (const [key, entry] of Object.entries(byStatus) as Array<[string, unknown]>) {
    if (entry === undefined) continue
    const status = Number(key)
    if (typeof entry === 'function') {
      response.set(status, entry as Step)
      continue
    }
    const { status: older, body } = (entry ?? {}) as { status?: unknown, body?: unknown }
    if (!Number.isInteger(older) || (body !== undefined && typeof body !== 'function')) {
      throw new TypeError(`${String(from ?? to)} response ${key}: a step, or { status, body } for a status older clients get instead`)
    }
    statuses.set(status, older as number)
    if (body !== undefined) response.set(status, body as Step)
  }
  const request: RouteChange['request'] = {}
  for (const part of ['params', 'query', 'body', 'headers'] as const) {
    const step = steps.request?.[part]
    if (step !== undefined) request[part] = step as Step
  }
  return Object.freeze({ kind, from, to, request, response, statuses, responseHeaders: (responseHeaders as Step | undefined) ?? null, message })
}

const builder: ChangeRoutes<Contract, Contract> = {
  route: (key, steps) => routeChange('route', key, key, steps as RouteSteps<unknown, unknown>),
  move: (from, to, steps) => routeChange('move', from, to, steps as RouteSteps<unknown, unknown>),
  add: (key) => routeChange('add', null, key),
  remove: (key, message) => routeChange('remove', key, null, {}, message)
}

/**
 * One backward-incompatible change, between `from` (the contract just before it) and `to`
 * (the contract that introduced it). Steps are typed from both contracts.
 */
export function defineChange<F extends Contract, T extends Contract> (
  from: F, to: T, spec: ChangeSpec<F, T>): VersionChange {
  return Object.freeze({
    [kVersionChange]: true as const,
    description: spec.description,
    from,
    to,
    errors: (spec.errors as Step | undefined) ?? null,
    errorStatuses: new Map(Object.entries(spec.errorStatuses ?? {}).map(([status, older]) => [Number(status), older])),
    routes: Object.freeze(spec.routes?.(builder as unknown as ChangeRoutes<F, T>) ?? [])
  })
}
