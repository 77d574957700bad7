import createError from '@fastify/error'
import type { CanonicalError } from '../engine/index.js'

// Errors a client's own request can cause. Each reaches the client in its contract's error shape.
export const InvalidJsonError = createError<[string]>(
  'EVG_ERR_INVALID_JSON', 'The request body is not valid JSON: %s', 400)
export const ValidationError = createError<[string]>(
  'EVG_ERR_VALIDATION', '%s', 400)
export const BodyTooLargeError = createError<[number]>(
  'EVG_ERR_BODY_TOO_LARGE', 'The request body is larger than %d bytes', 413)
export const UnsupportedMediaTypeError = createError<[string]>(
  'EVG_ERR_UNSUPPORTED_MEDIA_TYPE', 'Content-Type %s is not supported: send application/json', 415)
export const BadUrlError = createError(
  'EVG_ERR_BAD_URL', 'The request URL is not valid (a malformed percent-encoding)', 400)
export const PathParamTooLongError = createError(
  'EVG_ERR_PATH_PARAM_TOO_LONG', 'A path parameter is longer than 100 characters', 414)
export const MalformedRequestError = createError(
  'EVG_ERR_MALFORMED_REQUEST', 'The request is not valid HTTP', 400)
export const RequestTimeoutError = createError(
  'EVG_ERR_REQUEST_TIMEOUT', 'The request was not received in time', 408)
export const HeadersTooLargeError = createError(
  'EVG_ERR_HEADERS_TOO_LARGE', 'The request headers are too large', 431)
export const HostRequiredError = createError(
  'EVG_ERR_HOST_REQUIRED', 'An HTTP/1.1 request must have a Host header', 400)
export const ExpectationFailedError = createError(
  'EVG_ERR_EXPECTATION_FAILED', 'The only Expect the gateway meets is 100-continue', 417)
export const ConnectNotSupportedError = createError(
  'EVG_ERR_CONNECT_NOT_SUPPORTED', 'CONNECT is not supported: the gateway is not a forward proxy', 405)
export const RouteNotFoundError = createError<[string, string]>(
  'EVG_ERR_ROUTE_NOT_FOUND', 'No route %s %s', 404)
export const RouteGoneError = createError<[string]>(
  'EVG_ERR_ROUTE_GONE', '%s', 410)
export const ContractNotFoundError = createError<[string]>(
  'EVG_ERR_CONTRACT_NOT_FOUND', 'No contract version %s', 404)
export const ChangesQueryError = createError<[string]>(
  'EVG_ERR_CHANGES_QUERY', '%s', 400)
export const AdapterFailedError = createError(
  'EVG_ERR_ADAPTER_FAILED', 'Translating between this app version and the service failed', 500)
export const InternalError = createError(
  'EVG_ERR_INTERNAL', 'Internal gateway error', 500)

/** Thrown by `ctx.reject()` in a response step: the client gets this error instead. */
export class StepRejection extends Error {
  constructor (readonly error: CanonicalError) {
    super(error.message)
  }
}
