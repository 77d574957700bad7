import type { Chain } from '../engine/index.js'
import { AdapterFailedError, StepRejection } from './errors.js'

/** Runs a flattened chain; a step that throws is named by its file in the error. */
export function runChain (chain: Chain, value: unknown, ctx: unknown): unknown {
  let i = 0
  try {
    for (; i < chain.length; i++) value = chain[i].run(value, ctx)
    return value
  } catch (err) {
    if (err instanceof StepRejection) throw err
    // The client is told the translation failed; the log names the change file at fault.
    throw Object.assign(new AdapterFailedError(), { cause: err, source: chain[i].source })
  }
}

export function reject (statusCode: number, code: string, message: string, details?: unknown): never {
  throw new StepRejection({ statusCode, code, message, details })
}
