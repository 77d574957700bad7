import { runStep, type Chain } from '../engine/index.js'
import { AdapterFailedError, StepRejection } from './errors.js'

/** Runs a flattened chain; a step that throws is named by its file in the error. */
export function runChain (chain: Chain, value: unknown, ctx: unknown): unknown {
  let i = 0
  try {
    for (; i < chain.length; i++) value = runStep(chain[i].run, value, ctx)
    return value
  } catch (err) {
    if (err instanceof StepRejection) throw err
    // The client is told the translation failed; the log names the change file at fault.
    throw Object.assign(new AdapterFailedError(), { cause: err, source: chain[i].source })
  }
}

/** `ctx.reject()` of a response step: the client gets this error (a 4xx or 5xx) instead. */
export function reject (statusCode: number, code: string, message: string, details?: unknown): never {
  if (!Number.isInteger(statusCode) || statusCode < 400 || statusCode > 599) {
    throw new Error(`reject() takes an error status, 400 to 599, not ${String(statusCode)}`)
  }
  throw new StepRejection({ statusCode, code, message, details })
}
