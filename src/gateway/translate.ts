import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RoutePlan, RouteTarget } from '../engine/index.js'
import { UpstreamBadResponseError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import type { CoreResponse, ExchangeOptions } from '../proxy/exchange.js'
import {
  askCore, joined, originForm, parseCoreJson, passThrough, rawQuery, setForwarded, withoutHopByHop, type OutgoingHeaders
} from '../proxy/forwarding.js'
import type { Upstream } from '../proxy/upstreams.js'
import type { TraceRoute } from '../telemetry/stages.js'
import { compilePath, copyOf, queryString } from './core-path.js'
import { keepDeprecation } from './deprecation.js'
import { EntityTags } from './entity-tags.js'
import { contextOf } from './request-context.js'
import { RequestStepRunner, ResponseStepContext } from './run-chain.js'

/**
 * Looks at the core's answers on a route (decided once, at boot; null: it looks at none). It is
 * given each answer before the client is, and returns it, its body as it is or, streamed, a
 * stream that passes the same bytes on.
 */
export type WatchResponses = (plan: RoutePlan & { target: RouteTarget }) => ((res: CoreResponse) => CoreResponse) | null

export interface TranslateOptions {
  /** `Vary` value every versioned response carries. */
  vary: string
  metrics: Metrics
  /** Whether a peer is a trusted load balancer (EVERGATE_TRUST_PROXY), whose X-Forwarded-For is kept. */
  trustsPeer: (address: string) => boolean
  /** The contract sampler, when EVERGATE_CONTRACT_SAMPLE_RATE is above 0. */
  watchResponses?: WatchResponses | null
  /** Spans for the request chain, the core call and the response chain, when tracing is on. */
  traceRoute?: TraceRoute | null
}

/**
 * Untouched bodies with a Content-Length up to this many bytes are read whole and sent in one
 * write; larger ones, and bodies of unknown length (server-sent events, downloads), stream.
 */
const COLLECT_UP_TO = 64 * 1024

/**
 * The handler of one (contract version, route): the request chain up, the core exchange, the
 * response chain down, the reply. Everything that depends only on the route is decided here, once,
 * at boot; a route with no steps costs its requests no translation at all.
 */
export function translatingHandler (plan: RoutePlan & { target: RouteTarget }, upstream: Upstream,
  { vary, metrics, trustsPeer, watchResponses, traceRoute }: TranslateOptions) {
  const { target, request: steps, contract } = plan
  const watch = watchResponses?.(plan) ?? null
  const stages = traceRoute?.(plan, upstream) ?? null
  const upstreamTimer = metrics.upstreamSeconds.labels({ upstream: upstream.name })
  const requestChainTimer = metrics.chainSeconds.labels({ contract, direction: 'request' })
  const responseChainTimer = metrics.chainSeconds.labels({ contract, direction: 'response' })
  const rewritesPath = target.url !== plan.url || steps.params.length > 0
  const rewritesQuery = steps.query.length > 0
  const hasRequestSteps = rewritesPath || rewritesQuery || steps.body.length > 0 || steps.headers.length > 0
  const buildPath = compilePath(target)
  // The representation a 304 confirms is the 200's: translated, its tag is marked too.
  const tags = new EntityTags(contract, plan.responseChain(200)?.readsBody === true)
  const exchangeOptions: ExchangeOptions = {
    whole: (status) => plan.responseChain(status)?.readsBody === true,
    collectUpTo: COLLECT_UP_TO,
    wholeUpTo: upstream.translateLimit
  }

  /** The core's path for `url`, the request target in origin form, after the request steps. */
  function corePath (url: string, runner: RequestStepRunner): string {
    if (!rewritesPath && !rewritesQuery) return url
    // Steps may change what they are given; the context keeps the request as the client sent it.
    const params = steps.params.length > 0 ? runner.run(steps.params, copyOf(runner.params)) as Record<string, unknown> : runner.params
    const path = rewritesPath ? buildPath(params) : url.slice(0, url.length - rawQuery(url).length)
    const query = rewritesQuery
      ? queryString(runner.run(steps.query, copyOf(runner.query)) as Record<string, unknown>)
      : rawQuery(url)
    return path + query
  }

  /** The client's headers as head's clients send them (and as the steps left them); then what the gateway says. */
  function coreHeaders (request: FastifyRequest, runner: RequestStepRunner | null): OutgoingHeaders {
    if (runner !== null && steps.headers.length > 0) runner.runHeaders(steps.headers)
    const headers = runner === null ? withoutHopByHop(request.headers, {}) : runner.result()
    setForwarded(request, headers, trustsPeer)
    // A body the gateway must read comes uncompressed.
    if (plan.touchesResponse) headers['accept-encoding'] = 'identity'
    tags.toCore(headers)
    return headers
  }

  return async function translate (request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const runner = hasRequestSteps ? new RequestStepRunner(contextOf(request), withoutHopByHop(request.headers, {})) : null
    let path = originForm(request.url)
    let body: Buffer | string | undefined = request.rawBody
    if (runner !== null) {
      const started = performance.now()
      stages?.chain(request, 'request')
      path = corePath(path, runner)
      if (steps.body.length > 0) body = JSON.stringify(runner.run(steps.body, request.body))
      stages?.end(request)
      requestChainTimer.observe((performance.now() - started) / 1000)
    }

    // Before the exchange: a header a step got wrong is the step's fault, not the core's.
    const headers = coreHeaders(request, runner)
    // Gone while its body was read or its request steps ran: nothing to ask the core.
    if (request.clientGone) return reply.hijack()
    stages?.coreCall(request, headers)
    let res = await askCore(upstream, { method: target.method, path, headers, body }, exchangeOptions, request, upstreamTimer)
    if (res === null) return reply.hijack()
    stages?.end(request, res.statusCode)
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
      throw new UpstreamBadResponseError(upstream.name, { cause: err })
    }
    // A translated response is always collected whole (see exchangeOptions). A chain that starts
    // from a 204's body is given none.
    let data = readsBody && chain.parsesBody ? parseCoreJson(res.body as Buffer, upstream.name) : undefined
    if (chain !== null) {
      const responseSteps = new ResponseStepContext(res.statusCode, contextOf(request), answer)
      const started = performance.now()
      stages?.chain(request, 'response')
      try {
        data = responseSteps.run(chain.steps, data, readsBody)
      } catch (err) {
        // A headers step failed on a streamed body: nobody will read it now.
        if (!Buffer.isBuffer(res.body)) res.body.destroy()
        // The error answer (a step's reject(), or a step's fault) was made from the core's answer,
        // which varied on what the core's Vary names: a cache must keep those apart too.
        const coreVary = joined(res.headers.vary)
        if (coreVary !== undefined) reply.header('vary', coreVary)
        throw err
      }
      stages?.end(request)
      responseChainTimer.observe((performance.now() - started) / 1000)
      answer = responseSteps.result()
    }
    const coreVary = joined(answer.vary)
    answer.vary = coreVary === undefined ? vary : `${coreVary}, ${vary}`
    answer['x-contract-version'] = contract
    answer['x-request-id'] = request.id
    if (reply.hasHeader('deprecation')) keepDeprecation(reply, answer)
    if (!readsBody) {
      if (res.statusCode === 304 && tags.translated) tags.describeTranslated(answer)
      return passThrough(reply, res, answer)
    }
    tags.describeTranslated(answer)
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
