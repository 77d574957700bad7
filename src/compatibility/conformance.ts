import type { TSchema } from '@sinclair/typebox'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { RouteContract } from '../engine/index.js'

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

/** Where a value breaks its schema, as Ajv says it: `/items/0` must have required property 'summary'. */
export interface Violation {
  readonly instancePath: string
  readonly message: string
}

/** A route as a contract declares it, or as a frozen snapshot holds it (plain JSON Schema). */
export type RouteSchemas = Pick<RouteContract, 'params' | 'querystring' | 'body' | 'responses'>

export interface Conformance {
  /** Where `value` breaks `schema`; [] when it conforms. The schema is compiled once. */
  check (schema: TSchema, value: unknown): Violation[]
  /** Where a response breaks its route's contract: success statuses by their schema, errors (400 to 599) by `error`. */
  response (route: RouteSchemas, error: TSchema, status: number, body: unknown): Violation[]
}

/**
 * Checks values against contracts as written (not closed: a core may add fields). `allErrors`
 * reports every violation, for people; without it the first is found fastest, for sampling.
 */
export function createConformance ({ allErrors = true }: { allErrors?: boolean } = {}): Conformance {
  const ajv = new Ajv({ strict: false, allErrors, coerceTypes: false, useDefaults: false })
  addFormats(ajv)
  const compiled = new WeakMap<object, ValidateFunction>()

  function check (schema: TSchema, value: unknown): Violation[] {
    let validate = compiled.get(schema)
    if (validate === undefined) {
      validate = ajv.compile(schema)
      compiled.set(schema, validate)
    }
    if (validate(value)) return []
    return (validate.errors ?? []).map((e) => ({ instancePath: e.instancePath, message: e.message ?? 'is invalid' }))
  }

  return {
    check,
    response (route, error, status, body) {
      if (status >= 400 && status <= 599) return check(error, body)
      const schema = route.responses[status]
      if (schema === undefined) {
        const declared = Object.keys(route.responses).join(', ')
        return [{ instancePath: '', message: `status ${status} is not in the contract (it declares ${declared} and errors)` }]
      }
      return check(schema, body)
    }
  }
}
