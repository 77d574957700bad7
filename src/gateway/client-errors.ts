import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { CanonicalError, ContractPlan, HeaderMap, Plans, RequestContext } from '../engine/index.js'
import {
  AdapterFailedError, BadRequestError, BadUrlError, BodyTooLargeError, ConnectNotSupportedError, ExpectationFailedError,
  HeadersTooLargeError, HostRequiredError, InternalError, isCatalogued, MalformedRequestError, PathParamTooLongError,
  RequestTimeoutError, RouteNotFoundError, UnsupportedMediaTypeError, ValidationError
} from '../errors.js'
import { keepDeprecation } from './deprecation.js'
import { StepRejection } from './errors.js'
import { renderError } from './render-error.js'
import { contextFor, contextOf } from './request-context.js'
import { checkedHeaders } from './run-chain.js'
import type { ClientVersion } from '../resolve/version-resolver.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Fastify's `frameworkErrors` option: the router's own refusals, in the client's error shape. */
    frameworkError: NonNullable<FastifyServerOptions['frameworkErrors']>
    /** Fastify's `clientErrorHandler` option: what Node's HTTP parser refuses, as JSON too. */
    clientError: NonNullable<FastifyServerOptions['clientErrorHandler']>
  }
}

export interface ClientErrorsOptions {
  plans: Plans
  vary: string
  bodyLimit: number
  /** Counts each error answer by its code, and the status the gateway meant by it (metrics.ts). */
  countError: (code: string, status: number) => void
}

interface ValidationFailure {
  instancePath: string
  message?: string
  params: { missingProperty?: string, additionalProperty?: string }
}

type AnyError = FastifyError & {
  validation?: ValidationFailure[]
  validationContext?: string
  details?: unknown
}

function field (context: string, failure: ValidationFailure): string {
  const path = failure.instancePath.split('/').filter((p) => p !== '')
  const extra = failure.params.missingProperty ?? failure.params.additionalProperty
  if (extra !== undefined) path.push(extra)
  return [context, ...path].join('.')
}

function asCanonical ({ statusCode, code, message }: { statusCode?: number, code: string, message: string }): CanonicalError {
  return { statusCode: statusCode ?? 500, code, message }
}

/** Any error the gateway meets, as what the client may be told. Internals are never leaked. */
export function toCanonical (err: AnyError, request: FastifyRequest, bodyLimit: number): CanonicalError {
  if (err instanceof StepRejection) return err.error
  if (err.validation !== undefined) {
    const context = err.validationContext ?? 'request'
    return {
      ...asCanonical(new ValidationError(err.message)),
      details: err.validation.map((failure) => ({ field: field(context, failure), message: failure.message ?? 'is invalid' }))
    }
  }
  if (isCatalogued(err)) {
    return err.details === undefined ? asCanonical(err) : { ...asCanonical(err), details: err.details }
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return asCanonical(new BodyTooLargeError(bodyLimit))
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return asCanonical(new UnsupportedMediaTypeError(String(request.headers['content-type'] ?? 'none')))
  }
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return { ...asCanonical(new BadRequestError(err.message)), statusCode: err.statusCode }
  }
  return asCanonical(new InternalError())
}

/**
 * Every error a client sees, from a bad header to a core that is down, is JSON in the error shape
 * of that client's own contract version, with a stable code (also in `x-evergate-error-code`).
 */
async function clientErrors (fastify: FastifyInstance, opts: ClientErrorsOptions): Promise<void> {
  const { plans, vary, bodyLimit, countError } = opts
  const byVersion = new Map<string, ContractPlan>(plans.contracts.map((c) => [c.version, c]))
  const headPlan = byVersion.get(plans.head) as ContractPlan

  /** The error, its status and body as `plan`'s clients get them, and the headers its `errors` steps set. */
  function render (plan: ContractPlan, error: CanonicalError, ctx: RequestContext | null):
  { error: CanonicalError, status: number, body: unknown, headers: Record<string, string | string[]> } {
    try {
      const headers: HeaderMap = {}
      const { status, body } = renderError(plans, plan, error, ctx, headers)
      const checked = checkedHeaders(headers)
      countError(error.code, error.statusCode)
      return { error, status, body, headers: checked }
    } catch (err) {
      // The bundle cannot put this error in the client's shape (an `errors` step that throws, or
      // details a step handed to reject() that cannot be copied): a 500 in head's shape, which
      // needs no step, and the log names the file at fault.
      fastify.log.error({ err, code: error.code }, 'the error could not be rendered in the client\'s shape')
      const failed = asCanonical(new AdapterFailedError())
      countError(failed.code, failed.statusCode)
      return { error: failed, ...renderError(plans, headPlan, failed, null), headers: {} }
    }
  }

  function send (request: FastifyRequest, reply: FastifyReply, canonical: CanonicalError, client: ClientVersion = request.client) {
    const ctx = client === request.client ? contextOf(request) : contextFor(request, client)
    const { error, status, body, headers } = render(byVersion.get(client.errorShape) as ContractPlan, canonical, ctx)
    // What the gateway says of itself has the last word: set after the steps' headers, or kept.
    if (reply.hasHeader('deprecation')) keepDeprecation(reply, headers)
    delete headers['x-contract-version']
    // A Vary already set is the core's, whose answer a response step turned into this error (or,
    // when the translated answer could not be sent, that answer's, which already ends in ours).
    const set = reply.getHeader('vary')
    const varies = typeof set !== 'string' ? vary : set.endsWith(vary) ? set : `${set}, ${vary}`
    reply.headers(headers)
    if (client.contract !== null) reply.header('x-contract-version', client.contract)
    return reply
      .code(status)
      .header('vary', varies)
      .header('x-evergate-error-code', error.code)
      .header('x-request-id', request.id)
      .type('application/json; charset=utf-8')
      .send(body)
  }

  fastify.setErrorHandler(function handleError (err: AnyError, request, reply) {
    const error = toCanonical(err, request, bodyLimit)
    if (error.statusCode >= 500) request.log.error({ err, code: error.code }, error.message)
    else request.log.info({ code: error.code }, error.message)
    return send(request, reply, error)
  })

  // A URL the router cannot read (`/articles/%ff`) or a path parameter over its length: Fastify
  // answers these before routing, on a bare request (no decorators, no params, no query), and
  // would otherwise send its own body, echoing the path.
  fastify.decorate('frameworkError', function frameworkError (err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const error = err.code === 'FST_ERR_BAD_URL'
      ? new BadUrlError()
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new PathParamTooLongError() : new InternalError()
    if (error.statusCode >= 500) request.log.error({ err }, error.message)
    else request.log.info({ code: error.code }, error.message)
    return send(request, reply, asCanonical(error), fastify.clientOf(request.raw))
  })

  /**
   * The answer to a request no route sees, in `client`'s error shape. Its connection closes: what
   * is left of the request on it cannot be read, so the next one could not be either.
   */
  function answerWithout (client: ClientVersion, refused: FastifyError, extra: Record<string, string> = {}) {
    const { error, status, body } = render(byVersion.get(client.errorShape) as ContractPlan, asCanonical(refused), null)
    const text = JSON.stringify(body)
    const headers: Record<string, string> = {
      connection: 'close',
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      vary,
      'x-evergate-error-code': error.code,
      ...extra
    }
    if (client.contract !== null) headers['x-contract-version'] = client.contract
    return { status, headers, text }
  }

  /** The same, as the bytes to write on a socket Node's HTTP server has let go of. */
  function rawAnswer (client: ClientVersion, refused: FastifyError, extra?: Record<string, string>): string {
    const { status, headers, text } = answerWithout(client, refused, extra)
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`
    return `${head}\r\n${text}`
  }

  // What Node's HTTP parser refuses never reaches a route. Headers it could not read whole cannot
  // be trusted to name an app version: the answer is in the shape of a request that names none.
  // Headers read whole can (a body that stalls past the request timeout, or breaks): theirs.
  fastify.decorate('clientError', function clientError (err: Error & { code?: string }, socket) {
    if (err.code === 'ECONNRESET' || socket.destroyed) return
    const refused = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new RequestTimeoutError()
      : err.code === 'HPE_HEADER_OVERFLOW' ? new HeadersTooLargeError() : new MalformedRequestError()
    fastify.log.info({ err, code: refused.code }, refused.message)
    const pending = (socket as { _httpMessage?: ServerResponse })._httpMessage
    // Not into an answer already under way (a pipelined request behind a streaming one).
    if (socket.writable && pending?.headersSent !== true) {
      const read = pending?.req
      socket.write(rawAnswer(read !== undefined && !read.complete ? fastify.clientOf(read) : fastify.versionless, refused))
    }
    socket.destroy(err)
  })

  // What Node answers itself, with an empty body, unless told otherwise. The headers are read
  // whole in each case, so the answer is in the shape of the version they name.
  // An Expect other than 100-continue (RFC 9110 10.1.1).
  fastify.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const refused = new ExpectationFailedError()
    fastify.log.info({ code: refused.code }, refused.message)
    const { status, headers, text } = answerWithout(fastify.clientOf(req), refused)
    res.writeHead(status, headers).end(text)
  })
  // A CONNECT, which Node would drop without a word. The gateway tunnels nothing; no method is
  // allowed on the target, an authority, hence the empty Allow (RFC 9110 15.5.6).
  fastify.server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    const refused = new ConnectNotSupportedError()
    fastify.log.info({ code: refused.code }, refused.message)
    // Bytes the client already sends into the tunnel are read and dropped: unread, they would
    // make the close a reset, which can lose the answer on the way.
    socket.resume()
    socket.end(rawAnswer(fastify.clientOf(req), refused, { allow: '' }), () => socket.destroy())
  })
  // An HTTP/1.1 request with no Host (RFC 9112 3.2): Node's own refusal is off (requireHostHeader
  // in app.ts) so that this one is in the client's shape.
  fastify.addHook('onRequest', (request, reply, done) => {
    const { raw } = request
    if (raw.headers.host !== undefined || raw.httpVersionMinor !== 1) return done()
    reply.header('connection', 'close')
    done(new HostRequiredError())
  })

  fastify.setNotFoundHandler(function notFound (request, reply) {
    const { error } = request.client
    return send(request, reply, error !== null
      ? toCanonical(error as AnyError, request, bodyLimit)
      : asCanonical(new RouteNotFoundError(request.method, request.url.split('?')[0])))
  })
}

export default fp(clientErrors, { name: 'evergate-client-errors', fastify: '5.x' })
