import type { IncomingHttpHeaders } from 'node:http'
import type { Chain, HeaderMap, RequestContext, RequestStepContext, ResponseContext, ResponseStep, Step } from '../engine/index.js'
import { HOP_BY_HOP } from '../proxy/hop-by-hop.js'
import { AdapterFailedError } from '../errors.js'
import { StepRejection } from './errors.js'

type Headers = Record<string, string | string[]>

/**
 * Runs one step, which must answer at once: the boot refuses async steps, and a plain function
 * that returns a promise anyway fails here, its own failure handled (unhandled, it would end
 * the process).
 */
export function runStep (step: Step, value: unknown, ctx: unknown): unknown {
  const result = step(value, ctx)
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    (result as PromiseLike<unknown>).then(undefined, () => {})
    throw new Error('the step returned a promise: steps must be synchronous')
  }
  return result
}

/**
 * Runs a flattened chain; a step that throws is named by its file in the error. `check`, when
 * given, vets each step's result (and may replace it).
 */
export function runChain (chain: Chain, value: unknown, ctx: unknown, check?: (value: unknown) => unknown): unknown {
  let i = 0
  try {
    for (; i < chain.length; i++) {
      value = runStep(chain[i].run, value, ctx)
      if (check !== undefined) value = check(value)
    }
    return value
  } catch (err) {
    throw failure(err, chain[i].source)
  }
}

function failure (err: unknown, source: string): Error {
  if (err instanceof StepRejection) return err
  // The client is told the translation failed; the log names the change file at fault.
  return Object.assign(new AdapterFailedError({ cause: err }), { source })
}

/** `ctx.reject()` of a response step: the client gets this error (a 4xx or 5xx) instead. */
export function reject (statusCode: number, code: string, message: string, details?: unknown): never {
  if (!Number.isInteger(statusCode) || statusCode < 400 || statusCode > 599) {
    throw new Error(`reject() takes an error status, 400 to 599, not ${String(statusCode)}`)
  }
  throw new StepRejection({ statusCode, code, message, details })
}

// What Node sends: a field name is a token (RFC 9110 5.1), a value has no control characters but tab.
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/

function fieldValue (name: string, value: unknown): string {
  if (typeof value !== 'string' || BAD_VALUE.test(value)) {
    throw new Error(`header ${name} must be a string of visible characters, not ${JSON.stringify(value)}`)
  }
  return value
}

/**
 * Headers as a step left them, as Node will send them: names lower-cased, `undefined` and the
 * gateway's own (hop-by-hop, `host`, `content-length`) left out, a name or value Node would refuse
 * the step's fault (the client then gets a 500 naming its file, never a request half sent).
 */
export function checkedHeaders (headers: unknown): Headers {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new Error('a headers step must return the headers, as an object')
  }
  const out: Headers = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    if (!FIELD_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a header name`)
    const lower = name.toLowerCase()
    if (HOP_BY_HOP.has(lower)) continue
    // Array.from, not map: a hole in the array is a value too (undefined), and refused.
    out[lower] = Array.isArray(value) ? Array.from(value, (v: unknown) => fieldValue(name, v)) : fieldValue(name, value)
  }
  return out
}

/**
 * The headers a ctx lets steps read and change (a response's, or those going to the core). It
 * notes whether a step looked at them: only then are they checked again, so a chain that leaves
 * them alone pays nothing for it.
 */
abstract class StepHeaders {
  #headers: Headers
  #seen = false

  constructor (headers: Headers) {
    this.#headers = headers
  }

  /** The headers after the steps: those given, unless a step may have changed them (then checked, and new). */
  result (): Headers {
    return this.#headers
  }

  /** The headers, for a step to read and change (the ctx's getter). */
  protected touch (): HeaderMap {
    this.#seen = true
    return this.#headers
  }

  /** After a step on something else: if it looked at the headers, they are checked again. */
  protected recheck (): void {
    if (this.#seen) {
      this.#headers = checkedHeaders(this.#headers)
      this.#seen = false
    }
  }

  /** A headers step's result, checked, becomes the headers. */
  protected replace (headers: unknown): Headers {
    this.#headers = checkedHeaders(headers)
    this.#seen = false
    return this.#headers
  }
}

/** A request step's ctx: the request as the client sent it, and the headers going to the core. */
export class RequestStepRunner extends StepHeaders implements RequestStepContext {
  readonly params: Readonly<Record<string, unknown>>
  readonly query: Readonly<Record<string, unknown>>
  readonly headers: Readonly<IncomingHttpHeaders>
  readonly appVersion: string | null
  readonly platform: string | null

  /** `request`, the request's one context (request-context.ts), as the steps read it. */
  constructor (request: RequestContext, coreHeaders: Headers) {
    super(coreHeaders)
    this.params = request.params
    this.query = request.query
    this.headers = request.headers
    this.appVersion = request.appVersion
    this.platform = request.platform
  }

  get coreHeaders (): HeaderMap {
    return this.touch()
  }

  /** Runs a params, query or body chain on `value`; a step that throws is named by its file. */
  run (chain: Chain, value: unknown): unknown {
    return runChain(chain, value, this, this.#afterStep)
  }

  /**
   * Runs the `request.headers` chain on the headers for the core: each step is given them (as
   * `ctx.coreHeaders` too) and returns them, checked.
   */
  runHeaders (chain: Chain): void {
    runChain(chain, this.result(), this, this.#replace)
  }

  // Arrow functions, so runChain can call them as checks.
  #afterStep = (value: unknown): unknown => {
    this.recheck()
    return value
  }

  #replace = (headers: unknown): Headers => this.replace(headers)
}

/** A response step's ctx: the status and headers of the response, and the request it answers. */
export class ResponseStepContext extends StepHeaders implements ResponseContext {
  /** The status of the response the running step is given: its newer contract's. */
  status: number

  constructor (status: number, readonly request: RequestContext, headers: Headers) {
    super(headers)
    this.status = status
  }

  get headers (): HeaderMap {
    return this.touch()
  }

  reject (statusCode: number, code: string, message: string, details?: unknown): never {
    return reject(statusCode, code, message, details)
  }

  /**
   * Runs a response chain on `body` (undefined, and its steps skipped, when the body passes
   * untouched) and on these headers. A step that throws is named by its file in the error.
   */
  run (steps: readonly ResponseStep[], body: unknown, withBody: boolean): unknown {
    let i = 0
    try {
      for (; i < steps.length; i++) {
        const step = steps[i]
        this.status = step.status
        if (step.headers) {
          this.replace(runStep(step.run, this.result(), this))
        } else if (withBody) {
          // A 204 has no body: a step from one gets none, whatever a newer step left.
          body = runStep(step.run, step.status === 204 ? undefined : body, this)
          this.recheck()
        }
      }
      return body
    } catch (err) {
      throw failure(err, steps[i].source)
    }
  }
}
