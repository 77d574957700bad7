import type { TSchema } from '@sinclair/typebox'
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { RouteContract } from '../engine/index.js'

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

/** A copy of a schema that admits no property beyond those it names: what a contract promises. */
export function closed<S> (schema: S): S {
  const copy = JSON.parse(JSON.stringify(schema))
  const walk = (node: any): void => {
    if (node === null || typeof node !== 'object') return
    if (node.type === 'object' && node.properties !== undefined && node.additionalProperties === undefined) {
      node.additionalProperties = false
    }
    for (const value of Object.values(node)) walk(value)
  }
  walk(copy)
  return copy
}

/** Where a value breaks its schema, as Ajv says it: `/items/0` must have required property 'summary'. */
export interface Violation {
  readonly instancePath: string
  readonly message: string
}

/** The first way a value breaks its schema, as Ajv reports it, or null. */
export type Validity = ErrorObject | null

/** A route as a contract declares it, or as a frozen snapshot holds it (plain JSON Schema). */
export type RouteSchemas = Pick<RouteContract, 'params' | 'querystring' | 'body' | 'responses'>

/** Where an Ajv error is: its instance path, with the property it misses or must not have. */
export function fieldOf (error: ErrorObject): string {
  const { missingProperty, additionalProperty } = error.params as { missingProperty?: string, additionalProperty?: string }
  const name = missingProperty ?? additionalProperty
  return name === undefined ? error.instancePath : `${error.instancePath}/${name}`
}

/** How a value is checked: `closed`, nothing undeclared admitted; `parameters`, coerced from strings as path and query values are. */
export interface CheckHow {
  closed?: boolean
  parameters?: boolean
}

/**
 * Checks values against contract schemas the way the gateway does (see gateway/validation.ts):
 * bodies as sent, path and query parameters coerced from strings, contracts as written (not
 * closed: a core may add fields) unless asked. Each schema is compiled once per way of checking.
 * `allErrors` reports every violation, for people; without it the first is found fastest (sampling,
 * property runs).
 */
export class SchemaChecker {
  readonly #bodies: Ajv
  readonly #parameters: Ajv
  readonly #compiled = new Map<string, WeakMap<object, ValidateFunction>>()

  constructor ({ allErrors = false }: { allErrors?: boolean } = {}) {
    const ajv = (options: Options) => {
      const instance = new Ajv({ strict: false, allErrors, useDefaults: false, ...options })
      addFormats(instance)
      return instance
    }
    this.#bodies = ajv({ coerceTypes: false })
    this.#parameters = ajv({ coerceTypes: 'array' })
  }

  /** Every way `value` breaks `schema` (the first only, without allErrors); [] when it conforms. */
  errors (schema: object, value: unknown, how: CheckHow = {}): ErrorObject[] {
    const key = `${how.closed === true}:${how.parameters === true}`
    let cache = this.#compiled.get(key)
    if (cache === undefined) this.#compiled.set(key, cache = new WeakMap())
    let validate = cache.get(schema)
    if (validate === undefined) {
      validate = (how.parameters === true ? this.#parameters : this.#bodies).compile(how.closed === true ? closed(schema) : schema)
      cache.set(schema, validate)
    }
    // Ajv coerces in place: parameters are checked on a copy.
    const subject = how.parameters === true ? structuredClone(value) : value
    if (validate(subject)) return []
    return validate.errors ?? [{ instancePath: '', schemaPath: '', keyword: 'unknown', params: {}, message: 'is invalid' }]
  }

  /** The first way `value` breaks `schema`, or null. */
  check (schema: object, value: unknown, how: CheckHow = {}): Validity {
    return this.errors(schema, value, how)[0] ?? null
  }

  /** Where `value` breaks `schema`, for people: path and message. */
  violations (schema: TSchema, value: unknown): Violation[] {
    return this.errors(schema, value).map((e) => ({ instancePath: e.instancePath, message: e.message ?? 'is invalid' }))
  }

  /** Where a response breaks its route's contract: success statuses by their schema, errors (400 to 599) by `error`. */
  response (route: RouteSchemas, error: TSchema, status: number, body: unknown): Violation[] {
    if (status >= 400 && status <= 599) return this.violations(error, body)
    const schema = route.responses[status]
    if (schema === undefined) {
      const declared = Object.keys(route.responses).join(', ')
      return [{ instancePath: '', message: `status ${status} is not in the contract (it declares ${declared} and errors)` }]
    }
    return this.violations(schema, body)
  }
}
