import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

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

export type Validity = ErrorObject | null

/** Where an Ajv error is: its instance path, with the property it misses or must not have. */
export function fieldOf (error: ErrorObject): string {
  const { missingProperty, additionalProperty } = error.params as { missingProperty?: string, additionalProperty?: string }
  const name = missingProperty ?? additionalProperty
  return name === undefined ? error.instancePath : `${error.instancePath}/${name}`
}

/**
 * Checks values against contract schemas the way the gateway does (see gateway/validation.ts):
 * bodies as sent, path and query parameters coerced from strings. Each schema is compiled once.
 */
export class SchemaChecker {
  readonly #bodies: Ajv
  readonly #parameters: Ajv
  readonly #compiled = new Map<string, WeakMap<object, ValidateFunction>>()

  constructor () {
    const ajv = (options: Options) => {
      const instance = new Ajv({ strict: false, allErrors: false, ...options })
      addFormats(instance)
      return instance
    }
    this.#bodies = ajv({ coerceTypes: false })
    this.#parameters = ajv({ coerceTypes: 'array' })
  }

  /**
   * The first way `value` breaks `schema`, or null. `closed` checks it admits nothing undeclared;
   * `parameters` coerces as path and query values are (on a copy: Ajv coerces in place).
   */
  check (schema: object, value: unknown, how: { closed?: boolean, parameters?: boolean } = {}): Validity {
    const key = `${how.closed === true}:${how.parameters === true}`
    let cache = this.#compiled.get(key)
    if (cache === undefined) this.#compiled.set(key, cache = new WeakMap())
    let validate = cache.get(schema)
    if (validate === undefined) {
      validate = (how.parameters === true ? this.#parameters : this.#bodies).compile(how.closed === true ? closed(schema) : schema)
      cache.set(schema, validate)
    }
    const subject = how.parameters === true ? structuredClone(value) : value
    return validate(subject) ? null : (validate.errors?.[0] ?? { instancePath: '', schemaPath: '', keyword: 'unknown', params: {}, message: 'is invalid' })
  }
}
