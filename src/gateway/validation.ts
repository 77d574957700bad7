import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Ajv, type Options } from 'ajv'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

function ajv (options: Options): Ajv {
  const instance = new Ajv({ strict: false, allErrors: false, ...options })
  addFormats(instance)
  return instance
}

/**
 * Requests are checked against the client's own contract, compiled at boot. Bodies are JSON and
 * checked as sent (no coercion, nothing added or removed, since untouched bodies are forwarded byte
 * for byte); path and query parameters arrive as strings and are coerced.
 */
async function validation (fastify: FastifyInstance): Promise<void> {
  const bodies = ajv({ coerceTypes: false, useDefaults: false, removeAdditional: false })
  const parameters = ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false })
  fastify.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodies : parameters).compile(schema))
}

export default fp(validation, { name: 'evergate-validation', fastify: '5.x' })
