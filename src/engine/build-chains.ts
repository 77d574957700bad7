import type { RouteChange, Step } from './change.js'
import type { CanonicalError, Contract, HttpMethod, RouteContract, RouteKey } from './contract.js'
import type { Bundle, LoadedChange } from './load-bundle.js'

/** A transform step with the file it came from, so a failing step can be named. */
export interface PlannedStep {
  readonly run: Step
  readonly source: string
}

export type Chain = readonly PlannedStep[]

/** A step of a response chain: on the body, or on the headers (`headers: true`). */
export interface ResponseStep extends PlannedStep {
  readonly headers: boolean
  /** The status of the response the step is given: its newer contract's (`ctx.status`). */
  readonly status: number
}

/** What a response with one status runs, newest change first. */
export interface ResponseChain {
  readonly steps: readonly ResponseStep[]
  /** Whether a step works on the body: if not, the body passes untouched. */
  readonly readsBody: boolean
  /**
   * Whether the first body step is given the core's body, parsed. Not when it is given a 204's
   * (undefined): the core answered 204, or a newer change made the response one.
   */
  readonly parsesBody: boolean
  /** The status the client gets: the core's, unless a change gave older clients another. */
  readonly status: number
}

export interface RouteTarget {
  readonly route: RouteKey
  readonly method: HttpMethod
  readonly url: string
  readonly upstream: string
}

/** Everything the gateway needs to serve one route of one contract version, computed at boot. */
export interface RoutePlan {
  readonly contract: string
  readonly route: RouteKey
  readonly method: HttpMethod
  readonly url: string
  readonly schema: RouteContract
  /** Where head serves it; null when a change removed it (then `goneMessage` says why). */
  readonly target: RouteTarget | null
  readonly goneMessage: string | null
  /** Request steps, oldest change first. Empty chains are dropped to empty arrays. */
  readonly request: { readonly params: Chain, readonly query: Chain, readonly body: Chain, readonly headers: Chain }
  /** Response steps for a status, newest change first; null when the response passes untouched. */
  responseChain (status: number): ResponseChain | null
  /** Whether any response body of this route is translated (then the proxy asks for identity encoding). */
  readonly touchesResponse: boolean
}

/** What one version says about errors: its error-shape step, and the error statuses it renumbers. */
export interface ErrorLayer {
  readonly step: PlannedStep | null
  /** The newer contract's error status -> the older one's, where they differ. */
  readonly statuses: ReadonlyMap<number, number>
}

export interface ContractPlan {
  readonly version: string
  readonly contract: Contract
  /** Head's errors down to this version's, newest change first (versions that say nothing left out). */
  readonly errors: readonly ErrorLayer[]
  readonly routes: readonly RoutePlan[]
}

export interface Plans {
  readonly head: string
  /** Ascending by version. */
  readonly contracts: readonly ContractPlan[]
  /** Head's: every error the gateway makes starts in head's shape, then goes down `errors`. */
  formatError (error: CanonicalError): unknown
}

/** One version's contribution to a route's chains. */
interface Layer {
  /** Body steps by the newer contract's status. */
  readonly routeSteps: ReadonlyMap<number, PlannedStep>
  /** The newer contract's status -> the older one's, where they differ. */
  readonly statuses: ReadonlyMap<number, number>
  readonly errors: PlannedStep | null
  readonly headers: PlannedStep | null
}

function split (key: RouteKey): { method: HttpMethod, url: string } {
  const space = key.indexOf(' ')
  return { method: key.slice(0, space) as HttpMethod, url: key.slice(space + 1) }
}

function versionErrors (changes: readonly LoadedChange[]): PlannedStep | null {
  const owner = changes.find((c) => c.change.errors !== null)
  return owner === undefined ? null : { run: owner.change.errors as Step, source: owner.file }
}

/** The error statuses a version renumbers, from all its changes (loadBundle refuses overlaps). */
function versionErrorStatuses (changes: readonly LoadedChange[]): Map<number, number> {
  const statuses = new Map<number, number>()
  for (const { change } of changes) for (const [status, older] of change.errorStatuses) statuses.set(status, older)
  return statuses
}

export function buildPlans (bundle: Bundle): Plans {
  const { contracts, head, changes } = bundle
  const plans: ContractPlan[] = contracts.map((contract, index) => {
    const later = contracts.slice(index + 1).map((c) => changes.get(c.version) ?? [])
    const errors = later.map((v) => ({ step: versionErrors(v), statuses: versionErrorStatuses(v) }))
      .filter((layer) => layer.step !== null || layer.statuses.size > 0).reverse()
    const routes = (Object.keys(contract.routes) as RouteKey[])
      .map((key) => planRoute(contract, key, later, head))
    return { version: contract.version, contract, errors, routes }
  })

  return {
    head: head.version,
    contracts: plans,
    formatError: head.formatError
  }
}

function planRoute (contract: Contract, key: RouteKey, later: ReadonlyArray<readonly LoadedChange[]>,
  head: Contract): RoutePlan {
  const request = { params: [] as PlannedStep[], query: [] as PlannedStep[], body: [] as PlannedStep[], headers: [] as PlannedStep[] }
  const layers: Layer[] = []
  let current: RouteKey | null = key
  let goneMessage: string | null = null

  for (const versionChanges of later) {
    const errors = versionErrors(versionChanges)
    const routeSteps = new Map<number, PlannedStep>()
    const statuses = versionErrorStatuses(versionChanges)
    let headers: PlannedStep | null = null
    // Every change of a version is about the contract just before it: the route as the client of
    // that contract calls it, even after one of them moved it (loadBundle lets one change claim it).
    const from: RouteKey | null = current
    for (const { change, file } of versionChanges) {
      const rc: RouteChange | undefined = change.routes.find((r) => r.from === from)
      if (rc === undefined) continue
      for (const part of ['params', 'query', 'body', 'headers'] as const) {
        const run = rc.request[part]
        if (run !== undefined) request[part].push({ run, source: file })
      }
      for (const [status, run] of rc.response) routeSteps.set(status, { run, source: file })
      for (const [status, older] of rc.statuses) statuses.set(status, older)
      if (rc.responseHeaders !== null) headers = { run: rc.responseHeaders, source: file }
      if (rc.kind === 'remove') goneMessage = rc.message ?? 'This endpoint is no longer available'
      current = rc.to
    }
    layers.push({ routeSteps, statuses, errors, headers })
    if (current === null) break
  }

  const { method, url } = split(key)
  const target: RouteTarget | null = current === null
    ? null
    : { route: current, ...split(current), upstream: head.routes[current].upstream ?? 'core' }
  return {
    contract: contract.version,
    route: key,
    method,
    url,
    schema: contract.routes[key],
    target,
    goneMessage,
    request,
    ...responseChains(layers.reverse())
  }
}

/**
 * Precomputes, per status the core may answer, the steps a response runs and the status the client
 * gets; the lookup per response is one Map get. A change that gives older clients another status
 * hands the response on under that one: older versions' steps for it apply from there.
 */
function responseChains (newestFirst: readonly Layer[]): Pick<RoutePlan, 'responseChain' | 'touchesResponse'> {
  const statuses = new Set<number>()
  for (const layer of newestFirst) {
    for (const status of layer.routeSteps.keys()) statuses.add(status)
    for (const status of layer.statuses.keys()) statuses.add(status)
  }

  /** What a response the core answers with `start` runs, and the status its client gets. */
  const chainFor = (start: number): ResponseChain | null => {
    const steps: ResponseStep[] = []
    let status = start
    for (const layer of newestFirst) {
      // Within one version, the body step first: the headers step has the last word on headers.
      // An error status no step names takes the version's error-shape step.
      const body = layer.routeSteps.get(status) ?? (status >= 400 ? layer.errors : null)
      if (body !== null) steps.push({ ...body, headers: false, status })
      if (layer.headers !== null) steps.push({ ...layer.headers, headers: true, status })
      status = layer.statuses.get(status) ?? status
    }
    if (steps.length === 0 && status === start) return null
    const first = steps.find((s) => !s.headers)
    return { steps, readsBody: first !== undefined, parsesBody: first !== undefined && first.status !== 204, status }
  }

  // By the core's status: those a change names, at boot; any other when the core first answers
  // it. A status has three digits, so this holds at most 900.
  const chains = new Map<number, ResponseChain | null>()
  for (const start of statuses) chains.set(start, chainFor(start))
  return {
    touchesResponse: [...chains.values()].some((chain) => chain?.readsBody === true) ||
      newestFirst.some((layer) => layer.errors !== null),
    responseChain (status) {
      let chain = chains.get(status)
      if (chain === undefined) {
        chain = chainFor(status)
        chains.set(status, chain)
      }
      return chain
    }
  }
}
