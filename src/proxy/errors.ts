import { UpstreamResetError, UpstreamTimeoutError, UpstreamTooLargeError, UpstreamUnreachableError } from '../errors.js'

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

/** Maps an undici or socket failure to the client-facing error; the cause is kept for the log. */
export function upstreamFailure (err: unknown, upstream: string): Error {
  if (err instanceof ResponseTooLargeError) return new UpstreamTooLargeError(upstream, { cause: err })
  const code = (err as { code?: string }).code ?? ''
  const causeCode = ((err as { cause?: { code?: string } }).cause?.code) ?? ''
  if (UNREACHABLE.has(code) || UNREACHABLE.has(causeCode)) return new UpstreamUnreachableError(upstream, { cause: err })
  if (TIMEOUT.has(code) || TIMEOUT.has(causeCode)) return new UpstreamTimeoutError(upstream, { cause: err })
  return new UpstreamResetError(upstream, { cause: err })
}
