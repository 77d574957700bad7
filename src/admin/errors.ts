import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { AdminError, BadRequestError, DatabaseUnavailableError, isCatalogued, ValidationError } from '../errors.js'
import { isDatabaseUnavailable } from '../storage/database.js'

/** The admin API's error body: `{ error: { code, message } }`, the code from the catalogue. */
export function errorBody (err: { code: string, message: string }): { error: { code: string, message: string } } {
  return { error: { code: err.code, message: err.message } }
}

/**
 * Every admin error as `{ error: { code, message } }`. A database away is no fault of the request
 * nor of the gateway: a 503 with a code a script can retry on. A fault of the gateway says no more
 * than that; the log has the cause.
 */
export function handleAdminError (caught: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const unavailable = isDatabaseUnavailable(caught)
  const err = unavailable ? new DatabaseUnavailableError({ cause: caught }) : caught
  const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
  if (unavailable) {
    request.log.warn({ err }, 'admin request failed: the database is not answering')
    reply.header('retry-after', '5')
  } else if (status >= 500) {
    request.log.error({ err }, 'admin request failed')
  }
  const shown = caught.validation !== undefined
    ? new ValidationError(err.message)
    : status >= 500 && !unavailable ? new AdminError() : isCatalogued(err) ? err : new BadRequestError(err.message)
  return reply.code(status).send(errorBody(shown))
}
