import type { Static, TSchema } from '@sinclair/typebox'
import type { ContractPlan, Contract, HeadContract, Plans, RequestContext, RouteKey, RoutePlan } from '../engine/index.js'
import { StepRejection } from '../gateway/errors.js'
import { ResponseStepContext } from '../gateway/run-chain.js'
import { createConformance, type RouteSchemas, type Violation } from './conformance.js'

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

const conformance = createConformance()

/** Where an example's request breaks a route's contract: a part the route does not declare counts too. */
export function requestViolations (route: RouteSchemas, request: Example['request']): Violation[] {
  const out: Violation[] = []
  const parts = [['params', route.params, request.params], ['query', route.querystring, request.query], ['body', route.body, request.body]] as const
  for (const [part, schema, value] of parts) {
    const given = value !== undefined && !(part !== 'body' && Object.keys(value as object).length === 0)
    if (schema === undefined) {
      if (given) out.push({ instancePath: `/${part}`, message: 'is not in the contract' })
      continue
    }
    for (const v of conformance.check(schema, value ?? (part === 'body' ? undefined : {}))) {
      out.push({ instancePath: `/${part}${v.instancePath}`, message: v.message })
    }
  }
  return out
}

function lowerCased (headers: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
}

/**
 * Head's response as the client of `plan`'s version gets it: through the route's response chain
 * (errors through the error steps), a `ctx.reject()` rendered as the gateway renders it.
 */
function pushDown (plans: Plans, contract: ContractPlan, plan: RoutePlan, example: Example, request: Example['request']): Example['response'] {
  const { status, body } = example.response
  const chain = plan.responseChain(status)
  if (chain === null) return { status, body: structuredClone(body) }
  const ctx: RequestContext = {
    params: request.params ?? {},
    query: request.query ?? {},
    headers: lowerCased(request.headers),
    appVersion: contract.version,
    platform: null
  }
  try {
    const out = new ResponseStepContext(status, ctx, {}).run(chain.steps, chain.parsesBody ? structuredClone(body) : undefined, chain.readsBody)
    return { status: chain.status, body: chain.readsBody ? out : structuredClone(body) }
  } catch (err) {
    if (err instanceof StepRejection) return plans.renderError(contract, err.error, ctx)
    const source = (err as { source?: string }).source ?? 'a step'
    throw new Error(`examples: ${contract.version} ${plan.route} "${example.name}": ${source} failed on head's response`, { cause: err })
  }
}

/**
 * The examples of every route of `version`, in its shape. Head's request is kept where it fits the
 * version's route as it fits head's (valid for both, or invalid for both); otherwise the version
 * must override it. Throws, naming version, route and example, when an example cannot be derived.
 */
export function examplesFor (plans: Plans, set: ExampleSet, version: string): Record<RouteKey, Example[]> {
  if (set.head !== plans.head) throw new Error(`examples are written for ${set.head}, but head is ${plans.head}`)
  const contract = plans.contracts.find((c) => c.version === version)
  if (contract === undefined) throw new Error(`examples: no contract ${version}`)
  const headContract = (plans.contracts.at(-1) as ContractPlan).contract
  const overrides = set.overrides.find((o) => o.version === version)?.routes ?? {}
  for (const key of Object.keys(overrides)) {
    if (contract.contract.routes[key as RouteKey] === undefined) throw new Error(`examples: ${key} is not a route of ${version}`)
  }

  const out: Record<RouteKey, Example[]> = {}
  for (const plan of contract.routes) {
    const own = overrides[plan.route] ?? {}
    const fromHead = plan.target === null ? [] : set.routes[plan.target.route] ?? []
    const where = (name: string) => `examples: ${version} ${plan.route} "${name}"`
    const list: Example[] = []
    for (const example of fromHead) {
      const override = own[example.name]
      if (override === null) continue
      let request = override?.request
      if (request === undefined) {
        const headRoute = headContract.routes[(plan.target as { route: RouteKey }).route]
        const fits = (requestViolations(plan.schema, example.request).length === 0) ===
          (requestViolations(headRoute, example.request).length === 0)
        if (!fits) throw new Error(`${where(example.name)}: head's request does not fit ${version}'s contract; give ${version} its own (overrideExamples)`)
        request = example.request
      }
      list.push({ name: example.name, request, response: override?.response ?? pushDown(plans, contract, plan, example, request) })
    }
    for (const [name, override] of Object.entries(own)) {
      if (fromHead.some((e) => e.name === name)) continue
      if (override === null) throw new Error(`${where(name)}: head has no such example to leave out`)
      if (override.request === undefined || override.response === undefined) {
        throw new Error(`${where(name)}: head has no such example, so ${version} must give both request and response`)
      }
      list.push({ name, request: override.request, response: override.response })
    }
    out[plan.route] = list
  }
  return out
}
