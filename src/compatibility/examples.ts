import type { ContractPlan, Example, ExampleSet, Plans, RequestContext, RouteKey, RoutePlan } from '../engine/index.js'
import { StepRejection } from '../gateway/errors.js'
import { renderError } from '../gateway/render-error.js'
import { ResponseStepContext } from '../gateway/run-chain.js'
import { SchemaChecker, type RouteSchemas, type Violation } from './schema-checker.js'

// Head's examples (contracts/examples.ts, written with engine/examples.ts) as every older version's
// clients get them: the response pushed down the real chain, the request head's where it fits.

const checker = new SchemaChecker({ allErrors: true })

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
    for (const v of checker.violations(schema, value ?? (part === 'body' ? undefined : {}))) {
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
    if (err instanceof StepRejection) return renderError(plans, contract, err.error, ctx)
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
