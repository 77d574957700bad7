import type { CanonicalError, ContractPlan, HeaderMap, Plans, RequestContext, ResponseContext } from '../engine/index.js'
import { runStep } from './run-chain.js'

/** A gateway-made error as a client of one version gets it. */
export interface RenderedError {
  readonly status: number
  readonly body: unknown
}

const NO_REQUEST: RequestContext = Object.freeze({ params: {}, query: {}, headers: {}, appVersion: null, platform: null })

function cannotReject (): never {
  throw new Error('reject() cannot be used while rendering an error')
}

/**
 * A gateway-made error in the error shape and status of `plan`'s contract version: head's shape,
 * then down every newer version's `errors` step and renumbered statuses. The steps may set
 * `headers` (ctx.headers), which start empty: the caller sends what they hold. A step that throws
 * is named by its file.
 */
export function renderError (plans: Plans, plan: ContractPlan, error: CanonicalError, request: RequestContext | null,
  headers: HeaderMap = {}): RenderedError {
  if (plan.errors.length === 0) return { status: error.statusCode, body: plans.formatError(error) }
  // Steps may change what they are given, and details can be a value kept beyond this request.
  let body: unknown = plans.formatError(error.details === undefined ? error : { ...error, details: structuredClone(error.details) })
  const ctx = { status: error.statusCode, request: request ?? NO_REQUEST, headers, reject: cannotReject } satisfies ResponseContext
  for (const { step, statuses } of plan.errors) {
    if (step !== null) {
      try {
        body = runStep(step.run, body, ctx)
      } catch (err) {
        throw new Error(`the errors step of ${step.source} failed`, { cause: err })
      }
    }
    ctx.status = statuses.get(ctx.status) ?? ctx.status
  }
  return { status: ctx.status, body }
}
