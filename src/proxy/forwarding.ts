import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest, onRequestAbortHookHandler } from 'fastify'
import type { Dispatcher } from 'undici'
import { UpstreamBadResponseError } from '../errors.js'
import { ClientGoneError, upstreamFailure } from './errors.js'
import { exchange, type CoreResponse, type ExchangeOptions } from './exchange.js'
import { HOP_BY_HOP } from './hop-by-hop.js'
import type { Upstream } from './upstreams.js'
import type { Timer } from '../metrics.js'

// The mechanics of passing a request to a core service and its answer back, whatever the client's
// version: hop-by-hop headers, who called (X-Forwarded-*), the origin-form target, the exchange,
// and an answer sent as it came. Translation is the gateway's (gateway/translate.ts).

declare module 'fastify' {
  interface FastifyRequest {
    /** The core exchange under way for this request (see InFlight), to stop if the client leaves. */
    upstream: Dispatcher.DispatchController | null
    /** The client left before its answer (see InFlight). */
    clientGone: boolean
  }
}

export type OutgoingHeaders = Record<string, string | string[]>

/**
 * A forwarding route's onRequestAbort hook: the client's connection is gone before its answer
 * (reset, or closed under a write), so the core's work on it stops too instead of running to the
 * end. A client that only half-closes still waits for its answer (see app.ts), and gets it.
 * A body already streaming stops through the stream (CoreBody); this covers a request waiting
 * for a core connection (it is never sent), the wait for the core's headers and a body being
 * collected.
 */
export const stopUpstream: onRequestAbortHookHandler = (request, done) => {
  request.clientGone = true
  request.upstream?.abort(new ClientGoneError())
  done()
}

/** Header names a `Connection` value lists: hop-by-hop too. Usually just "keep-alive", already dropped. */
function listedIn (connection: string | string[] | undefined): Set<string> | null {
  if (connection === undefined) return null
  const lower = (Array.isArray(connection) ? connection.join(',') : connection).toLowerCase()
  if (lower === 'keep-alive' || lower === 'close') return null
  const names = lower.split(',').map((t) => t.trim()).filter((t) => !HOP_BY_HOP.has(t) && t !== 'close')
  return names.length === 0 ? null : new Set(names)
}

/** `headers` without the hop-by-hop ones (those `Connection` lists too), copied into `out`. */
export function withoutHopByHop (headers: IncomingHttpHeaders | OutgoingHeaders, out: OutgoingHeaders): OutgoingHeaders {
  const listed = listedIn(headers.connection)
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || listed?.has(name) === true) continue
    const value = headers[name]
    if (value !== undefined) out[name] = value
  }
  return out
}

/** A header value, repeated or not, as one list. */
export function joined (value: string | string[]): string
export function joined (value: string | string[] | undefined): string | undefined
export function joined (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * The request target in origin form. A client may send the absolute form (`GET http://host/path`,
 * RFC 9112 3.2.2), which the router has checked and matched by the path after the authority, as
 * this takes it; the core gets that path, never the client's authority.
 */
export function originForm (url: string): string {
  if (url.charCodeAt(0) === 47) return url
  const authority = url.indexOf('://') + 3
  const path = url.indexOf('/', authority)
  const query = url.indexOf('?', authority)
  if (query !== -1 && (path === -1 || query < path)) return `/${url.slice(query)}`
  return path === -1 ? '/' : url.slice(path)
}

/** The query of a URL, `?` included; '' for none. */
export function rawQuery (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q)
}

/**
 * What the gateway tells the core of who called, set on the headers going to it. Each proxy adds
 * the address it was called from, to a list only a trusted load balancer (EVERGATE_TRUST_PROXY)
 * may have begun: anyone else's list is dropped and the gateway's begins at the peer. The scheme
 * and host are the client's as a trusted load balancer saw them, else as the gateway sees them.
 * What a client claims about itself never reaches the core (an HTTP/1.0 request may have no host
 * at all).
 */
export function setForwarded (request: FastifyRequest, headers: OutgoingHeaders, trustsPeer: (address: string) => boolean): void {
  const peer = request.socket.remoteAddress ?? ''
  const forwardedFor = trustsPeer(peer) ? joined(request.headers['x-forwarded-for']) : undefined
  headers['x-forwarded-for'] = forwardedFor === undefined ? peer : `${forwardedFor}, ${peer}`
  headers['x-forwarded-proto'] = request.protocol
  const host = request.host
  if (host !== '') headers['x-forwarded-host'] = host
  else delete headers['x-forwarded-host']
  // The client's address by the same rule (a core behind nginx habits reads X-Real-IP). The
  // RFC 7239 Forwarded header the gateway does not keep up, so a client's own never passes.
  headers['x-real-ip'] = request.ip
  delete headers.forwarded
  headers['x-request-id'] = request.id
}

/** The request for a core service, as the gateway's translation left it. */
export interface CoreRequest {
  readonly method: Dispatcher.HttpMethod
  readonly path: string
  readonly headers: OutgoingHeaders
  readonly body: Buffer | string | undefined
}

/**
 * Asks a core service, and times it. Null when the client is gone: nobody is left to answer and
 * the core did not fail, so there is nothing to send or to log. A failure of the core is the
 * client-facing error that says which (unreachable, timeout, reset), its cause kept for the log.
 */
export async function askCore (upstream: Upstream, core: CoreRequest, options: ExchangeOptions,
  request: FastifyRequest, upstreamTimer: Timer): Promise<CoreResponse | null> {
  const sent = performance.now()
  try {
    const res = await exchange(upstream.pool, core, options, request)
    upstreamTimer.observe((res.headersAt - sent) / 1000)
    return res
  } catch (err) {
    if (err instanceof ClientGoneError) return null
    throw upstreamFailure(err, upstream.name)
  }
}

/** A core's JSON body, or the core's fault. */
export function parseCoreJson (body: Buffer, upstream: string): unknown {
  try {
    return JSON.parse(utf8(body))
  } catch (err) {
    throw new UpstreamBadResponseError(upstream, { cause: err })
  }
}

/** The body as text, without the byte order mark some cores put before JSON. */
function utf8 (body: Buffer): string {
  return body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.toString('utf8', 3) : body.toString('utf8')
}

/** An untouched answer, sent with the core's own headers and nothing Fastify would add to them. */
export function passThrough (reply: FastifyReply, { headers: core, body }: CoreResponse, headers: OutgoingHeaders): FastifyReply {
  const length = core['content-length']
  if (!Buffer.isBuffer(body)) {
    if (length !== undefined) headers['content-length'] = length
    // A HEAD (asked of the core as a GET) wants none of a streamed body: stop the core sending it
    // (a download, or server-sent events that would hold the connection for ever).
    if (reply.request.method === 'HEAD') {
      body.destroy()
      return reply.headers(headers).send(Readable.from([]))
    }
    return reply.headers(headers).send(body)
  }
  if (body.length === 0) {
    // No payload: Fastify then adds no content type, and no length to a 204 or 304.
    return reply.headers(headers).send()
  }
  if (headers['content-type'] === undefined) {
    // Fastify would label a bare Buffer application/octet-stream; as a stream it goes as it came.
    headers['content-length'] = String(body.length)
    return reply.headers(headers).send(Readable.from([body]))
  }
  return reply.headers(headers).send(body)
}
