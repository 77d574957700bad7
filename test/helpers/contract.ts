import type { TSchema } from '@sinclair/typebox'
import { Ajv } from 'ajv'
import addFormatsModule from 'ajv-formats'

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
const ajv = new Ajv({ strict: false, allErrors: true })
addFormats(ajv)

/** Ajv errors of `value` against a contract schema; [] when it conforms. */
export function violations (schema: TSchema, value: unknown): string[] {
  const validate = ajv.compile(schema)
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`)
}

/** A copy of a schema that admits no property beyond those it names: what the contract promises. */
export { closed } from '../../src/compatibility/schema-checker.js'
