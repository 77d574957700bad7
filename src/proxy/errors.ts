import createError from '@fastify/error'

// What can go wrong between the gateway and a core service, as a small hierarchy:
// `err instanceof UpstreamError` holds for every one of them.
export const UpstreamError = createError<[string]>(
  'EVG_ERR_UPSTREAM', 'The %s service failed', 502)
const Base = UpstreamError as unknown as ErrorConstructor

export const UpstreamUnreachableError = createError<[string]>(
  'EVG_ERR_UPSTREAM_UNREACHABLE', 'The %s service cannot be reached', 502, Base)
export const UpstreamTimeoutError = createError<[string]>(
  'EVG_ERR_UPSTREAM_TIMEOUT', 'The %s service did not answer in time', 504, Base)
export const UpstreamResetError = createError<[string]>(
  'EVG_ERR_UPSTREAM_RESET', 'The %s service dropped the connection', 503, Base)
export const UpstreamBadResponseError = createError<[string]>(
  'EVG_ERR_UPSTREAM_BAD_RESPONSE', 'The %s service sent a response that is not JSON', 502, Base)

export const UpstreamTooLargeError = createError<[string]>(
  'EVG_ERR_UPSTREAM_TOO_LARGE', 'The %s service sent a response too large to translate', 502, Base)

/** Why the gateway stopped reading a core response it had to translate: past the configured limit. */
export class ResponseTooLargeError extends Error {
  constructor (limit: number) {
    super(`the response to translate is over ${limit} bytes`)
    this.name = 'ResponseTooLargeError'
  }
}

/** Why the gateway stopped a core exchange: its client closed the connection. Never sent to anyone. */
export class ClientGoneError extends Error {
  constructor () {
    super('the client closed the connection before its answer')
    this.name = 'ClientGoneError'
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
const TIMEOUT = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'])

function failureOf (err: unknown, upstream: string): Error {
  if (err instanceof ResponseTooLargeError) return new UpstreamTooLargeError(upstream)
  const code = (err as { code?: string }).code ?? ''
  const causeCode = ((err as { cause?: { code?: string } }).cause?.code) ?? ''
  if (UNREACHABLE.has(code) || UNREACHABLE.has(causeCode)) return new UpstreamUnreachableError(upstream)
  if (TIMEOUT.has(code) || TIMEOUT.has(causeCode)) return new UpstreamTimeoutError(upstream)
  return new UpstreamResetError(upstream)
}

/** Maps an undici or socket failure to the client-facing error; the cause is kept for the log. */
export function upstreamFailure (err: unknown, upstream: string): Error {
  const failure = failureOf(err, upstream)
  failure.cause = err
  return failure
}
