import type { IncomingHttpHeaders } from 'node:http'
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest, onRequestAbortHookHandler } from 'fastify'
import type { Dispatcher } from 'undici'
import type { RequestContext, RoutePlan, RouteTarget } from '../engine/index.js'
import { RequestStepRunner, ResponseStepContext } from '../gateway/run-chain.js'
import { HOP_BY_HOP } from './hop-by-hop.js'
import { exchange, type CoreResponse, type ExchangeOptions } from './exchange.js'
import { UpstreamBadResponseError } from '../errors.js'
import { ClientGoneError, upstreamFailure } from './errors.js'
import type { Upstream } from './upstreams.js'
import type { Metrics } from '../metrics.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The core exchange under way for this request (see InFlight), to stop if the client leaves. */
    upstream: Dispatcher.DispatchController | null
    /** The client left before its answer (see InFlight). */
    clientGone: boolean
  }
}

/**
 * A route's onRequestAbort hook: the client's connection is gone before its answer (reset, or
 * closed under a write), so the core's work on it stops too instead of running to the end. A
 * client that only half-closes still waits for its answer (see app.ts), and gets it.
 * A body already streaming stops through the stream (CoreBody); this covers a request waiting
 * for a core connection (it is never sent), the wait for the core's headers and a body being
 * collected.
 */
export const stopUpstream: onRequestAbortHookHandler = (request, done) => {
  request.clientGone = true
  request.upstream?.abort(new ClientGoneError())
  done()
}

type OutgoingHeaders = Record<string, string | string[]>

/** Header names a `Connection` value lists: hop-by-hop too. Usually just "keep-alive", already dropped. */
function listedIn (connection: string | string[] | undefined): Set<string> | null {
  if (connection === undefined) return null
  const lower = (Array.isArray(connection) ? connection.join(',') : connection).toLowerCase()
  if (lower === 'keep-alive' || lower === 'close') return null
  const names = lower.split(',').map((t) => t.trim()).filter((t) => !HOP_BY_HOP.has(t) && t !== 'close')
  return names.length === 0 ? null : new Set(names)
}

function withoutHopByHop (headers: IncomingHttpHeaders | OutgoingHeaders, out: OutgoingHeaders): OutgoingHeaders {
  const listed = listedIn(headers.connection)
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || listed?.has(name) === true) continue
    const value = headers[name]
    if (value !== undefined) out[name] = value
  }
  return out
}

/** `/articles/:id` -> a function of params that builds `/articles/art%2F1`. */
function compilePath (target: RouteTarget): (params: Record<string, unknown>) => string {
  const parts = target.url.split(/(:[A-Za-z0-9_]+)/).filter((p) => p !== '')
  return (params) => {
    let path = ''
    for (const part of parts) {
      path += part.startsWith(':') ? encodeURIComponent(String(params[part.slice(1)])) : part
    }
    return path
  }
}

/** Params or a query as a step may own them: repeated query keys (arrays) copied too. */
function copyOf (values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name in values) {
    const value = values[name]
    out[name] = Array.isArray(value) ? [...value] : value
  }
  return out
}

function queryString (query: Record<string, unknown>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

/**
 * The request target in origin form. A client may send the absolute form (`GET http://host/path`,
 * RFC 9112 3.2.2), which the router has checked and matched by the path after the authority, as
 * this takes it; the core gets that path, never the client's authority.
 */
function originForm (url: string): string {
  if (url.charCodeAt(0) === 47) return url
  const authority = url.indexOf('://') + 3
  const path = url.indexOf('/', authority)
  const query = url.indexOf('?', authority)
  if (query !== -1 && (path === -1 || query < path)) return `/${url.slice(query)}`
  return path === -1 ? '/' : url.slice(path)
}

/** A header value, repeated or not, as one list. */
function joined (value: string | string[]): string
function joined (value: string | string[] | undefined): string | undefined
function joined (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}

const ENTITY_TAG = /^(?:W\/)?"[^"]*"$/
const ENTITY_TAGS = /(?:W\/)?"[^"]*"/g

/**
 * A translated body is another representation than the core's, so it gets another entity tag
 * (RFC 9110 8.8.3): the core's with the client's contract version inside the quotes, as
 * mod_deflate marks a compressed variant. A cache that holds a variant per app version (they
 * Vary on it) then never takes one for another when a 304 names its tag. The client sends the
 * tag back in If-None-Match or If-Match, and the core gets its own.
 */
function entityTags (contract: string) {
  const mark = `;contract=${contract}"`
  return {
    /** `"abc"` -> `"abc;contract=1.0.0"`, `W/"abc"` -> `W/"abc;contract=1.0.0"`; null for a malformed tag. */
    mark (etag: string): string | null {
      return ENTITY_TAG.test(etag) ? etag.slice(0, -1) + mark : null
    },
    /**
     * A list of tags as the core knows them: this contract's marks taken off. Where the client
     * gets a translated body (`translated`), a tag without the mark names the core's
     * representation, not the client's, and never matches (RFC 9110 13.1.1): it is left out,
     * and null says none is left. `*` stays.
     */
    unmark (list: string | string[], translated: boolean): string | null {
      const text = joined(list)
      if (text.trim() === '*') return text
      const kept: string[] = []
      for (const [tag] of text.matchAll(ENTITY_TAGS)) {
        if (tag.endsWith(mark)) kept.push(`${tag.slice(0, -mark.length)}"`)
        else if (!translated) kept.push(tag)
      }
      return kept.length === 0 ? null : kept.join(', ')
    }
  }
}

/** An If-Match no representation can meet: the core answers 412 itself, as it would to any stale tag. */
const MATCHES_NOTHING = '"evergate:matches-nothing"'

// Describe the core's bytes, not the translated body the client gets: dropped from it.
const CORE_BYTES_ONLY = ['content-encoding', 'content-digest', 'repr-digest', 'digest', 'content-md5', 'accept-ranges']

/**
 * The headers of a translated body, or of a 304 that confirms one (a cache copies a 304's
 * headers onto the body it holds): the variant's own tag, nothing about the core's bytes.
 */
function describeTranslated (headers: OutgoingHeaders, tags: ReturnType<typeof entityTags>): void {
  for (const name of CORE_BYTES_ONLY) delete headers[name]
  const etag = headers.etag
  if (etag === undefined) return
  const marked = typeof etag === 'string' ? tags.mark(etag) : null
  if (marked === null) delete headers.etag
  else headers.etag = marked
}

function rawQuery (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q)
}

/**
 * Looks at the core's answers on a route (decided once, at boot; null: it looks at none). It is
 * given each answer before the client is, and returns it, its body as it is or, streamed, a
 * stream that passes the same bytes on.
 */
export type WatchResponses = (plan: RoutePlan & { target: RouteTarget }) => ((res: CoreResponse) => CoreResponse) | null

export interface ForwardOptions {
  /** `Vary` value every versioned response carries. */
  vary: string
  metrics: Metrics
  /** Whether a peer is a trusted load balancer (EVERGATE_TRUST_PROXY), whose X-Forwarded-For is kept. */
  trustsPeer: (address: string) => boolean
  /** The contract sampler, when EVERGATE_CONTRACT_SAMPLE_RATE is above 0. */
  watchResponses?: WatchResponses | null
}

/**
 * Untouched bodies with a Content-Length up to this many bytes are read whole and sent in one
 * write; larger ones, and bodies of unknown length (server-sent events, downloads), stream.
 */
const COLLECT_UP_TO = 64 * 1024

/**
 * The handler of one (contract version, route): translate the request up, forward it, translate
 * the response down. Everything that depends only on the route is decided here, once, at boot.
 */
export function createForwarder (plan: RoutePlan & { target: RouteTarget }, upstream: Upstream,
  { vary, metrics, trustsPeer, watchResponses }: ForwardOptions) {
  const { target, request: steps, contract } = plan
  const watch = watchResponses?.(plan) ?? null
  const { pool } = upstream
  const upstreamTimer = metrics.upstreamSeconds.labels(upstream.name)
  const requestChainTimer = metrics.chainSeconds.labels(contract, 'request')
  const responseChainTimer = metrics.chainSeconds.labels(contract, 'response')
  const rewritesPath = target.url !== plan.url || steps.params.length > 0
  const rewritesQuery = steps.query.length > 0
  const hasRequestSteps = rewritesPath || rewritesQuery || steps.body.length > 0 || steps.headers.length > 0
  const buildPath = compilePath(target)
  // The representation a 304 confirms is the 200's: translated, its tag is marked too.
  const translatesOk = plan.responseChain(200)?.readsBody === true
  const tags = entityTags(contract)
  const exchangeOptions: ExchangeOptions = {
    whole: (status) => plan.responseChain(status)?.readsBody === true,
    collectUpTo: COLLECT_UP_TO,
    wholeUpTo: upstream.translateLimit
  }

  function requestContext (request: FastifyRequest): RequestContext {
    return {
      params: request.params as Record<string, unknown>,
      query: request.query as Record<string, unknown>,
      headers: request.headers,
      appVersion: request.client.appVersion,
      platform: request.client.platform
    }
  }

  /** The ctx of the request steps: the request as the client sent it, the headers for the core to change. */
  function requestSteps (request: FastifyRequest): RequestStepRunner {
    return new RequestStepRunner(request.params as Record<string, unknown>, request.query as Record<string, unknown>,
      request.headers, request.client.appVersion, request.client.platform, withoutHopByHop(request.headers, {}))
  }

  /** The core's path for `url`, the request target in origin form, after the request steps. */
  function upstreamPath (request: FastifyRequest, url: string, ctx: RequestStepRunner): string {
    if (!rewritesPath && !rewritesQuery) return url
    let params = request.params as Record<string, unknown>
    // Steps may change what they are given; the context keeps the request as the client sent it.
    if (steps.params.length > 0) params = ctx.run(steps.params, copyOf(params)) as Record<string, unknown>
    const path = rewritesPath ? buildPath(params) : url.slice(0, url.length - rawQuery(url).length)
    const query = rewritesQuery
      ? queryString(ctx.run(steps.query, copyOf(request.query as Record<string, unknown>)) as Record<string, unknown>)
      : rawQuery(url)
    return path + query
  }

  function upstreamHeaders (request: FastifyRequest, ctx: RequestStepRunner | null): OutgoingHeaders {
    // The client's headers as head's clients send them (and as the other steps left them); then
    // what the gateway itself says.
    if (ctx !== null && steps.headers.length > 0) ctx.runHeaders(steps.headers)
    const headers = ctx === null ? withoutHopByHop(request.headers, {}) : ctx.result()
    // Each proxy adds the address it was called from, to a list only a trusted load balancer
    // (EVERGATE_TRUST_PROXY) may have begun: anyone else's list is dropped and the gateway's
    // begins at the peer. The scheme and host are the client's as a trusted load balancer saw
    // them, else as the gateway sees them. What a client claims about itself never reaches the
    // core (an HTTP/1.0 request may have no host at all).
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
    // A body the gateway must read comes uncompressed.
    if (plan.touchesResponse) headers['accept-encoding'] = 'identity'
    const ifNoneMatch = headers['if-none-match']
    if (ifNoneMatch !== undefined) {
      const tagsOfCore = tags.unmark(ifNoneMatch, translatesOk)
      if (tagsOfCore === null) delete headers['if-none-match']
      else headers['if-none-match'] = tagsOfCore
    }
    const ifMatch = headers['if-match']
    if (ifMatch !== undefined) headers['if-match'] = tags.unmark(ifMatch, translatesOk) ?? MATCHES_NOTHING
    // A range of the core's bytes is not a range of the translated body: the client gets it whole.
    if (translatesOk) {
      delete headers.range
      delete headers['if-range']
    }
    return headers
  }

  return async function forward (request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const ctx = hasRequestSteps ? requestSteps(request) : null
    let path = originForm(request.url)
    let body: Buffer | string | undefined = request.rawBody
    if (ctx !== null) {
      const started = performance.now()
      path = upstreamPath(request, path, ctx)
      if (steps.body.length > 0) body = JSON.stringify(ctx.run(steps.body, request.body))
      requestChainTimer.observe((performance.now() - started) / 1000)
    }

    // Before the exchange: a header a step got wrong is the step's fault, not the core's.
    const headers = upstreamHeaders(request, ctx)
    // Gone while its body was read or its request steps ran: nothing to ask the core.
    if (request.clientGone) return reply.hijack()
    let res
    const sent = performance.now()
    try {
      res = await exchange(pool, { method: target.method, path, headers, body }, exchangeOptions, request)
    } catch (err) {
      // Nobody is left to answer, and the core did not fail: nothing to send or to log.
      if (err instanceof ClientGoneError) return reply.hijack()
      throw upstreamFailure(err, upstream.name)
    }
    upstreamTimer.observe((res.headersAt - sent) / 1000)
    if (watch !== null) res = watch(res)

    const chain = plan.responseChain(res.statusCode)
    // The status the client's version answers with: the core's, unless a change renumbered it.
    const status = chain === null ? res.statusCode : chain.status
    let answer = withoutHopByHop(res.headers, {})
    // Nothing to translate in a 304 (it confirms a body the client holds) or in an error with no
    // body at all (a bare 401 from an auth layer): the client gets the status as every version does.
    const bodiless = res.statusCode >= 400 && Buffer.isBuffer(res.body) && res.body.length === 0
    const readsBody = chain?.readsBody === true && res.statusCode !== 304 && !bodiless
    try {
      reply.code(status)
    } catch (err) {
      // A status Node cannot send (600 and up): nobody will read a streamed body, so end it here.
      if (!Buffer.isBuffer(res.body)) res.body.destroy()
      throw Object.assign(new UpstreamBadResponseError(upstream.name), { cause: err })
    }
    // A translated response is always collected whole (see exchangeOptions). A chain that starts
    // from a 204's body is given none.
    let data = readsBody && chain.parsesBody ? parseCore(res.body as Buffer, upstream.name) : undefined
    if (chain !== null) {
      const steps = new ResponseStepContext(res.statusCode, ctx ?? requestContext(request), answer)
      const started = performance.now()
      try {
        data = steps.run(chain.steps, data, readsBody)
      } catch (err) {
        // A headers step failed on a streamed body: nobody will read it now.
        if (!Buffer.isBuffer(res.body)) res.body.destroy()
        throw err
      }
      responseChainTimer.observe((performance.now() - started) / 1000)
      answer = steps.result()
    }
    const coreVary = joined(answer.vary)
    answer.vary = coreVary === undefined ? vary : `${coreVary}, ${vary}`
    answer['x-contract-version'] = contract
    answer['x-request-id'] = request.id
    if (reply.hasHeader('deprecation')) keepDeprecation(reply, answer)
    if (!readsBody) {
      if (res.statusCode === 304 && translatesOk) describeTranslated(answer, tags)
      return passThrough(reply, res, answer)
    }
    describeTranslated(answer, tags)
    // No body: a step to a 204 (Fastify sends none with it) or one that returned nothing.
    if (data === undefined || status === 204) {
      delete answer['content-type']
      return reply.headers(answer).send()
    }
    // What the gateway sends is JSON, whatever label the core put on what it parsed.
    const type = answer['content-type']
    if (typeof type !== 'string' || !type.includes('json')) answer['content-type'] = 'application/json; charset=utf-8'
    reply.headers(answer)
    return reply.send(data)
  }
}

/**
 * A deprecated client's Deprecation, Sunset and Link (set by the release policy before the core
 * was asked) are about its app version and outlive the core's headers of the same names, and
 * those steps set; a core's links (pagination, say) are kept before the gateway's.
 */
export function keepDeprecation (reply: FastifyReply, headers: OutgoingHeaders): void {
  delete headers.deprecation
  if (reply.hasHeader('sunset')) delete headers.sunset
  const link = reply.getHeader('link')
  const coreLink = joined(headers.link)
  if (link !== undefined && coreLink !== undefined) headers.link = `${coreLink}, ${String(link)}`
}

/** A core's JSON body, or the core's fault. */
function parseCore (body: Buffer, upstream: string): unknown {
  try {
    return JSON.parse(utf8(body))
  } catch (err) {
    throw Object.assign(new UpstreamBadResponseError(upstream), { cause: err })
  }
}

/** The body as text, without the byte order mark some cores put before JSON. */
function utf8 (body: Buffer): string {
  return body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.toString('utf8', 3) : body.toString('utf8')
}

/** An untouched answer, sent with the core's own headers and nothing Fastify would add to them. */
function passThrough (reply: FastifyReply, { headers: core, body }: CoreResponse, headers: OutgoingHeaders): FastifyReply {
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
