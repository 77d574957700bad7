import type { Static, TSchema } from '@sinclair/typebox'
import type { Contract, HeadContract, RouteKey } from './contract.js'

// Examples are written once, for head, and typed from its schemas. Every older version gets them
// in its own shape: the response pushed down the real chain, the request head's where it fits.

type StaticOf<S> = S extends TSchema ? Static<S> : never
type ResponsesOf<R> = R extends { responses: infer X } ? X : never

/** The error statuses an example may show (the compiler then tells them from success statuses). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 412 | 413 | 414 | 415 | 422 | 426 | 429 | 500 | 502 | 503 | 504

/** What the app sends: each part typed from the route's schema, a part the route lacks refused. */
export interface ExampleRequest<R = unknown> {
  params?: R extends { params: infer S } ? StaticOf<S> : never
  query?: R extends { querystring: infer S } ? StaticOf<S> : never
  body?: R extends { body: infer S } ? StaticOf<S> : never
  headers?: Record<string, string>
}

/** What the app gets: a declared success status with its body, or an error in the contract's error shape. */
export type ExampleResponse<R = unknown, E extends TSchema = TSchema> =
  | { [S in keyof ResponsesOf<R> & number]: { status: S, body: StaticOf<ResponsesOf<R>[S]> } }[keyof ResponsesOf<R> & number]
  | { status: ErrorStatus, body: Static<E> }

export interface TypedExample<R, E extends TSchema> {
  /** Says what the example shows; unique per route, and how a version's override names it. */
  name: string
  request: ExampleRequest<R>
  response: ExampleResponse<R, E>
}

/** An example as the tools read it, in any version's shape. */
export interface Example {
  readonly name: string
  readonly request: {
    readonly params?: Record<string, unknown>
    readonly query?: Record<string, unknown>
    readonly body?: unknown
    readonly headers?: Record<string, string>
  }
  readonly response: { readonly status: number, readonly body: unknown }
}

type RoutesOf<C extends Contract> = C['routes']

/** Per route of a contract, its examples. */
export type RouteExamples<C extends Contract> = {
  [K in keyof RoutesOf<C> & RouteKey]: Array<TypedExample<RoutesOf<C>[K], C['error']>>
}

/**
 * What a version says of head's example `name` on one of its routes: its own request (when
 * head's does not fit its contract), its own response, or `null` (the example is not shown to it).
 * A name head lacks adds an example: then both request and response.
 */
export type ExampleOverrides<C extends Contract> = {
  [K in keyof RoutesOf<C> & RouteKey]?: Record<string, {
    request?: ExampleRequest<RoutesOf<C>[K]>
    response?: ExampleResponse<RoutesOf<C>[K], C['error']>
  } | null>
}

export interface VersionOverrides {
  readonly version: string
  readonly routes: Readonly<Record<string, Readonly<Record<string, Partial<Example> | null>>>>
}

export interface ExampleSet {
  /** Head's version: the examples are written for it. */
  readonly head: string
  readonly routes: Readonly<Record<string, readonly Example[]>>
  readonly overrides: readonly VersionOverrides[]
}

/**
 * Marks a request part an example sends on purpose against the contract (a 400 example): the
 * compiler takes it anywhere, so use it for nothing else.
 */
export function invalid (value: unknown): never {
  return value as never
}

/** A version's overrides of head's examples, typed from its own contract. */
export function overrideExamples<C extends Contract> (contract: C, overrides: ExampleOverrides<C>): VersionOverrides {
  return { version: contract.version, routes: overrides as VersionOverrides['routes'] }
}

/** Head's examples, per route, and what older versions say differently. */
export function defineExamples<C extends HeadContract> (head: C, routes: RouteExamples<C>,
  overrides: readonly VersionOverrides[] = []): ExampleSet {
  for (const [key, list] of Object.entries(routes) as Array<[string, Example[]]>) {
    if ((head.routes as Record<string, unknown>)[key] === undefined) throw new Error(`examples: ${key} is not a route of head (${head.version})`)
    const names = new Set<string>()
    for (const { name } of list) {
      if (names.has(name)) throw new Error(`examples: ${key} has two examples named "${name}"`)
      names.add(name)
    }
  }
  const versions = new Set<string>()
  for (const { version } of overrides) {
    if (versions.has(version)) throw new Error(`examples: ${version} is overridden twice; give each version one overrideExamples()`)
    versions.add(version)
  }
  return { head: head.version, routes: routes as ExampleSet['routes'], overrides }
}
