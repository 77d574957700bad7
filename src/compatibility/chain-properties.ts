import fc from 'fast-check'
import type { TSchema } from '@sinclair/typebox'
import {
  buildPlans, contractSnapshot, type Bundle, type CanonicalError, type ContractPlan,
  type RequestContext, type RouteKey, type RoutePlan, type VersionChange
} from '../engine/index.js'
import type { RouteChange } from '../engine/change.js'
import { RequestStepRunner, ResponseStepContext } from '../gateway/run-chain.js'
import { StepRejection } from '../gateway/errors.js'
import { renderError } from '../gateway/render-error.js'
import { arbitraryOf } from './arbitrary.js'
import { fieldOf, SchemaChecker, type Validity } from './schema-checker.js'

// The chain properties: every valid request of a version, run up its chain, is a valid head
// request; every valid head response (errors too), run down, is valid for the version's frozen
// contract. Values come from the schemas (arbitrary.ts); the chains are the gateway's own, planned
// by buildPlans and run by the gateway's step runners, one step at a time so that a value gone
// wrong is caught at the step that made it, which is the change file named.

/** A released contract as frozen in contracts/snapshots/<v>.json. */
import type { FrozenContract } from './diff.js'

export type { FrozenContract }

export interface ChainPropertyOptions {
  /** fast-check's seed: the same seed, the same values, the same result. */
  seed?: number
  /** Values tried per property. */
  numRuns?: number
  /** The frozen contracts by version; a version without one is checked against its module. */
  frozen?: ReadonlyMap<string, FrozenContract>
}

/** A property that does not hold, at its smallest counterexample. */
export interface ChainFailure {
  /** The client's contract version. */
  readonly version: string
  /** The route as that version calls it. */
  readonly route: RouteKey | null
  /** `up`, `down 200`, `down errors`, `gateway errors`. */
  readonly check: string
  /** The change file at fault; null when no step ran (the contracts differ with no step between). */
  readonly file: string | null
  /** Where in the value: `body/last_name`, `querystring/limit`, `status`. */
  readonly field: string
  readonly message: string
  readonly counterexample: unknown
}

export interface PropertyResult {
  readonly version: string
  readonly route: RouteKey | null
  readonly check: string
  readonly failure: ChainFailure | null
}

export interface ChainPropertyReport {
  readonly seed: number
  readonly numRuns: number
  readonly versions: readonly string[]
  /** Routes of every version, in the order they first appear, oldest version first. */
  readonly routes: readonly RouteKey[]
  /** Routes a change removed, by version: their clients get the gateway's 410. */
  readonly gone: ReadonlyMap<string, ReadonlySet<RouteKey>>
  readonly results: readonly PropertyResult[]
}

type Problem = Omit<ChainFailure, 'version' | 'route' | 'check' | 'counterexample'>

interface ClientRequest { params: Record<string, unknown>, querystring: Record<string, unknown>, body?: unknown }

const PARTS = ['params', 'querystring', 'body'] as const
type Part = typeof PARTS[number]
/** The request steps of a part (`query` in a change, `querystring` in a contract). */
const STEPS_OF: Record<Part, 'params' | 'query' | 'body'> = { params: 'params', querystring: 'query', body: 'body' }

/** The change of one file and what it says about one route (none: the file changes others). */
interface Hop { readonly change: VersionChange, readonly route: RouteChange | undefined }

/**
 * The changes a route's chain is made of, by file, walked as buildPlans walks them: so each step
 * knows the contract it produces a value of.
 */
function hopsOf (bundle: Bundle, plan: RoutePlan): Map<string, Hop> {
  const hops = new Map<string, Hop>()
  let current: RouteKey | null = plan.route
  const later = bundle.contracts.slice(bundle.contracts.findIndex((c) => c.version === plan.contract) + 1)
  for (const { version } of later) {
    const from: RouteKey | null = current
    for (const { change, file } of bundle.changes.get(version) ?? []) {
      const route: RouteChange | undefined = change.routes.find((r) => r.from === from)
      hops.set(file, { change, route })
      if (route !== undefined) current = route.to
    }
  }
  return hops
}

function problemOf (error: Validity, part: string, file: string | null): Problem | null {
  return error === null ? null : { file, field: `${part}${fieldOf(error)}`, message: error.message ?? 'is invalid' }
}

/** A step that threw, named by its file (the gateway's runners put it on the error as `source`). */
function thrown (err: unknown, file: string | null, field: string): Problem {
  const source = (err as { source?: string }).source ?? file
  const cause = (err as { cause?: unknown }).cause ?? err
  return { file: source, field, message: `the step threw: ${cause instanceof Error ? cause.message : String(cause)}` }
}

export function checkChainProperties (bundle: Bundle, options: ChainPropertyOptions = {}): ChainPropertyReport {
  const seed = options.seed ?? 42
  const numRuns = options.numRuns ?? 100
  const plans = buildPlans(bundle)
  const schemas = new SchemaChecker()
  const head = bundle.head
  // Once per version: a schema is compiled once per object, so the same objects each time.
  const frozen = new Map(bundle.contracts.map((c) => [c.version, options.frozen?.get(c.version) ?? contractSnapshot(c) as FrozenContract]))
  const frozenOf = (version: string) => frozen.get(version) as FrozenContract
  const results: PropertyResult[] = []
  const gone = new Map<string, Set<RouteKey>>()

  /** Runs one property and records it; its failure, shrunk, explained by `explain`. */
  function property<T> (version: string, route: RouteKey | null, check: string, values: fc.Arbitrary<T>, explain: (value: T) => Problem | null): void {
    const run = fc.check(fc.property(values, (value) => explain(value) === null), { seed, numRuns })
    let failure: ChainFailure | null = null
    if (run.failed) {
      const counterexample = (run.counterexample as [T])[0]
      const problem = explain(counterexample) ?? { file: null, field: '', message: String(run.errorInstance) }
      failure = { version, route, check, ...problem, counterexample }
    }
    results.push({ version, route, check, failure })
  }

  /** A valid request of the client's version: what its contract lets the gateway pass. */
  function requestOf (plan: RoutePlan): fc.Arbitrary<ClientRequest> {
    // A part the contract does not describe is one its apps never sent. Params and query hold
    // what the route names (a query's other values would be strings, not any JSON); a body may
    // hold more where its schema is open.
    const part = (schema: TSchema | undefined) => schema === undefined ? fc.constant({}) : arbitraryOf(schema)
    return fc.record({
      params: part(plan.schema.params),
      querystring: part(plan.schema.querystring),
      ...(plan.schema.body === undefined ? {} : { body: arbitraryOf(plan.schema.body, { extraProperties: true }) })
    }) as fc.Arbitrary<ClientRequest>
  }

  const requestContext = (plan: RoutePlan, request: ClientRequest): RequestContext =>
    ({ params: request.params, query: request.querystring, headers: {}, appVersion: plan.contract, platform: null })

  /** Up: the request, through the request chain, against head's route. */
  function up (plan: RoutePlan, hops: Map<string, Hop>, request: ClientRequest): Problem | null {
    const target = head.routes[plan.target?.route as RouteKey]
    // Steps own what they are given; ctx keeps the request as the client sent it.
    const sent = structuredClone(request)
    const ctx = new RequestStepRunner({ params: sent.params, query: sent.querystring, headers: {}, appVersion: plan.contract, platform: null }, {})
    for (const part of PARTS) {
      if (part === 'body' && !('body' in request)) continue
      const chain = plan.request[STEPS_OF[part]]
      let value = structuredClone(request[part])
      for (const step of chain) {
        try {
          value = ctx.run([step], value)
        } catch (err) {
          return thrown(err, step.source, part)
        }
        const hop = hops.get(step.source) as Hop
        const produced = hop.change.to.routes[hop.route?.to as RouteKey]?.[part]
        const problem = produced === undefined ? null : problemOf(schemas.check(produced, value, { parameters: part !== 'body' }), part, step.source)
        if (problem !== null) return problem
      }
      const schema = target[part]
      if (schema !== undefined) {
        const problem = problemOf(schemas.check(schema, value, { parameters: part !== 'body' }), part, chain.at(-1)?.source ?? null)
        if (problem !== null) return problem
      }
    }
    try {
      ctx.runHeaders(plan.request.headers)
    } catch (err) {
      return thrown(err, null, 'headers')
    }
    return null
  }

  /** An error as the client's version renders it (a step's reject, or the gateway's own). */
  function renderedError (contract: ContractPlan, error: CanonicalError, request: RequestContext | null): Problem | null {
    let rendered
    try {
      rendered = renderError(plans, contract, error, request)
    } catch (err) {
      return thrown(err, /the errors step of (\S+) failed/.exec((err as Error).message)?.[1] ?? null, 'body')
    }
    // Wrong, it is the oldest errors step's doing: it made the client's shape.
    const oldest = contract.errors.filter((layer) => layer.step !== null).at(-1)?.step?.source ?? null
    return errorProblem(contract.version, rendered.status, rendered.body, oldest)
  }

  /**
   * An error body against the frozen error schema as written: errors may carry fields beyond it
   * (1.0.0's carry upgrade_url for newer tooling), which apps ignore.
   */
  function errorProblem (version: string, status: number, body: unknown, file: string | null): Problem | null {
    if (!Number.isInteger(status) || status < 400 || status > 599) return { file, field: 'status', message: `${status} is not an error status` }
    return problemOf(schemas.check(frozenOf(version).error as object, body), 'body', file)
  }

  /**
   * Down: a head response with `status`, through the response chain, against the client's frozen
   * contract; a step's `ctx.reject` against its error shape.
   */
  function down (contract: ContractPlan, plan: RoutePlan, hops: Map<string, Hop>, status: number, request: ClientRequest, coreBody: unknown): Problem | null {
    const chain = plan.responseChain(status)
    const requestCtx = requestContext(plan, request)
    let body = structuredClone(coreBody)
    let file: string | null = null
    if (chain !== null) {
      // As the gateway runs it: a chain that reads no body leaves the core's as it is.
      if (chain.readsBody && !chain.parsesBody) body = undefined
      const ctx = new ResponseStepContext(status, requestCtx, {})
      for (const step of chain.steps) {
        try {
          body = ctx.run([step], body, chain.readsBody)
        } catch (err) {
          if (err instanceof StepRejection) return renderedError(contract, err.error, requestCtx)
          return thrown(err, step.source, step.headers ? 'headers' : 'body')
        }
        if (step.headers || !chain.readsBody) continue
        file = step.source
        const problem = problemOf(producedBy(hops.get(step.source) as Hop, step.run, step.status, body), 'body', file)
        if (problem !== null) return problem
      }
    }
    const answered = chain?.status ?? status
    // An error stays one: a change may renumber it, never make it a success.
    if (status >= 400 || answered >= 400) return errorProblem(contract.version, answered, body, file)
    if (answered === 204) return null
    const declared = frozenOf(contract.version).routes[plan.route]?.responses[answered]
    if (declared === undefined) return { file, field: 'status', message: `${answered} is not a status ${contract.version} declares for ${plan.route}` }
    return problemOf(schemas.check(declared as object, body, { closed: true }), 'body', file)
  }

  /** Whether a response step's result is what the older contract of its change says. */
  function producedBy ({ change, route }: Hop, run: unknown, status: number, body: unknown): Validity {
    if (run === change.errors) return schemas.check(change.from.error, body)
    // Not the errors step: a step of this route's change, given the newer contract's status.
    const { from, statuses } = route as RouteChange
    const schema = change.from.routes[from as RouteKey].responses[statuses.get(status) ?? status]
    return schema === undefined ? null : schemas.check(schema, body, { closed: true })
  }

  for (const contract of plans.contracts) {
    for (const plan of contract.routes) {
      if (plan.target === null) {
        let set = gone.get(contract.version)
        if (set === undefined) gone.set(contract.version, set = new Set())
        set.add(plan.route)
        continue
      }
      const hops = hopsOf(bundle, plan)
      const request = requestOf(plan)
      property(contract.version, plan.route, 'up', request, (value) => up(plan, hops, value))
      const served = head.routes[plan.target.route]
      for (const status of Object.keys(served.responses).map(Number)) {
        property(contract.version, plan.route, `down ${status}`, fc.tuple(request, arbitraryOf(served.responses[status])),
          ([req, body]) => down(contract, plan, hops, status, req, body))
      }
      property(contract.version, plan.route, 'down errors', fc.tuple(errorStatus(contract), request, arbitraryOf(head.error)),
        ([status, req, body]) => down(contract, plan, hops, status, req, body))
    }
    const canonical = fc.record({
      statusCode: errorStatus(contract),
      code: fc.string({ minLength: 1, maxLength: 40 }),
      message: fc.string({ maxLength: 200 }),
      details: fc.jsonValue({ maxDepth: 2 })
    }, { requiredKeys: ['statusCode', 'code', 'message'] })
    property(contract.version, null, 'gateway errors', canonical, (error) => renderedError(contract, error, null))
  }

  const routes = [...new Set(plans.contracts.flatMap((c) => c.routes.map((r) => r.route)))]
  return { seed, numRuns, versions: plans.contracts.map((c) => c.version), routes, gone, results }
}

/** Error statuses, the ones a change renumbers among them. */
function errorStatus (contract: ContractPlan): fc.Arbitrary<number> {
  const renumbered = contract.errors.flatMap((layer) => [...layer.statuses.keys()])
  return fc.oneof(fc.constantFrom(400, 404, 500, ...renumbered), fc.integer({ min: 400, max: 599 }))
}

export const failuresOf = (report: ChainPropertyReport): ChainFailure[] =>
  report.results.flatMap((r) => r.failure === null ? [] : [r.failure])

/** One line: the file, the route, the version, the field, what is wrong and the smallest value. */
export function formatFailure (f: ChainFailure): string {
  const where = f.route === null ? f.version : `${f.route} (${f.version})`
  return `${f.file ?? 'no change file'}: ${where}, ${f.check}: ${f.field} ${f.message}; counterexample ${JSON.stringify(f.counterexample)}`
}

/**
 * The route x version matrix of what was checked: per cell the checks (up, each head status
 * down, errors down), a failed one marked `!`; `gone` for a route a change removed (its clients
 * get the gateway's 410, checked under gateway errors), `.` where the version has no such route.
 */
export function formatCoverage (report: ChainPropertyReport): string[] {
  const cell = (version: string, route: RouteKey | null): string => {
    if (route !== null && report.gone.get(version)?.has(route) === true) return 'gone'
    const checks = report.results.filter((r) => r.version === version && r.route === route)
    if (checks.length === 0) return '.'
    return checks.map((r) => r.check.replace('down ', '').replace('errors', 'err').replace('gateway err', 'err') + (r.failure === null ? '' : '!')).join(' ')
  }
  const rows: Array<[string, ...string[]]> = [
    ['route', ...report.versions],
    ...report.routes.map((route): [string, ...string[]] => [route, ...report.versions.map((v) => cell(v, route))]),
    ['(gateway errors)', ...report.versions.map((v) => cell(v, null))]
  ]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  const failed = failuresOf(report).length
  return [
    ...rows.map((row) => row.map((text, i) => text.padEnd(widths[i])).join('  ').trimEnd()),
    `${report.results.length} properties, ${report.numRuns} runs each, seed ${report.seed}: ${failed === 0 ? 'all hold' : `${failed} failed`}`
  ]
}
