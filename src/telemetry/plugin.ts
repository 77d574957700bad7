import { FastifyOtelInstrumentation } from '@fastify/otel'
import { diag, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT
} from '@opentelemetry/semantic-conventions'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { RoutePlan } from '../engine/index.js'
import type { Upstream } from '../proxy/upstreams.js'
import { PROBES } from '../request-log.js'
import type { TracingConfig } from './config.js'
import { diagnosticsTo, tracerProvider } from './sdk.js'
import type { RouteStages, TraceRoute } from './stages.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Binds a route's stage spans at boot; decorated only while tracing is on. */
    traceRoute: TraceRoute
  }
  interface FastifyRequest {
    /** The stage span under way (request chain, core call, response chain), if any. */
    traceStage: Span | null
  }
}

/** The attribute names the gateway adds, next to OpenTelemetry's semantic conventions. */
export const ATTR = {
  APP_VERSION: 'evergate.app_version',
  PLATFORM: 'evergate.platform',
  CONTRACT: 'evergate.contract',
  ROUTE: 'evergate.route',
  POLICY_STATUS: 'evergate.policy_status',
  ERROR_CODE: 'evergate.error_code',
  UPSTREAM: 'evergate.upstream',
  /** The route of the core, `/articles/:id` (a convention still in development, hence not imported). */
  URL_TEMPLATE: 'url.template'
} as const

const TRACE_HEADERS = ['traceparent', 'tracestate'] as const

/**
 * How long a close waits for the last spans to be exported: a share of the 2 s that closing takes
 * once the last request is done (server.ts), the usage flush and the pools having theirs.
 */
const EXPORT_ON_CLOSE_MS = 1000

/** What the request's span says of who called: set when it starts. */
function describeClient (span: Span, request: FastifyRequest): void {
  if (!span.isRecording()) return
  const { appVersion, platform, contract } = request.client
  const plan = request.routeOptions.config?.evergate
  const attributes: Attributes = {}
  if (appVersion !== null) attributes[ATTR.APP_VERSION] = appVersion
  if (platform !== null) attributes[ATTR.PLATFORM] = platform
  if (contract !== null) attributes[ATTR.CONTRACT] = contract
  if (plan !== undefined) attributes[ATTR.ROUTE] = plan.route
  span.setAttributes(attributes)
  const url = request.routeOptions.url
  // The name the HTTP conventions give a server span, in place of @fastify/otel's "request".
  if (url !== undefined) span.updateName(`${request.method} ${url}`)
}

/** A stage or a request the gateway answered with an error of its own (X-Evergate-Error-Code). */
function fail (span: Span, code: string): void {
  span.setAttributes({ [ATTR.ERROR_CODE]: code, [ATTR_ERROR_TYPE]: code })
  span.setStatus({ code: SpanStatusCode.ERROR, message: code })
}

/**
 * Tracing, when an OTLP endpoint is configured (app.ts imports this module only then). A request
 * gets a span from @fastify/otel, Fastify's official instrumentation, which continues the trace of
 * an incoming `traceparent`; the gateway adds its stages as children: the request chain, the core
 * call (whose trace context the core gets in `traceparent`) and the response chain.
 *
 * The core call is not left to @opentelemetry/instrumentation-undici: it takes the parent span
 * from the async context when undici creates its request, and a request the pool queues (every
 * connection busy) is created later, in another request's context, so its span and the
 * traceparent the core gets would belong to that other trace. The gateway knows each request's
 * span, and names it as the parent: no context manager is needed, so none is installed.
 */
async function tracing (fastify: FastifyInstance, config: TracingConfig): Promise<void> {
  const { logger, level } = diagnosticsTo(fastify.log)
  diag.setLogger(logger, level)
  const provider = tracerProvider(config)
  const tracer = provider.getTracer('evergate')
  // @fastify/otel reads an incoming traceparent through the global propagator.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  const instrumentation = new FastifyOtelInstrumentation({
    // The gateway's stages are the request span's children: a span per hook and handler would
    // bury them, and cost as much again.
    instrumentHooks: false,
    instrumentHandler: false,
    // At boot the route's URL, per request the request's (with its query): asked of every request.
    ignorePaths: ({ url }) => url.startsWith('/_evergate/') && PROBES.has(url.split('?')[0]),
    requestHook: (span, request) => {
      request.traceSpan = span
      describeClient(span, request)
    }
  })
  instrumentation.setTracerProvider(provider)
  await fastify.register(instrumentation.plugin())
  fastify.decorateRequest('traceSpan', null)
  fastify.decorateRequest('traceStage', null)

  fastify.decorate('traceRoute', (plan: RoutePlan, upstream: Pick<Upstream, 'name' | 'origin'>): RouteStages => {
    // Everything a stage says of its route is known now.
    const route = { [ATTR.CONTRACT]: plan.contract, [ATTR.ROUTE]: plan.route }
    const origin = new URL(upstream.origin)
    const coreCall: Attributes = {
      ...route,
      [ATTR.UPSTREAM]: upstream.name,
      [ATTR_HTTP_REQUEST_METHOD]: plan.target?.method ?? plan.method,
      [ATTR.URL_TEMPLATE]: plan.target?.url ?? plan.url,
      [ATTR_SERVER_ADDRESS]: origin.hostname,
      [ATTR_SERVER_PORT]: Number(origin.port !== '' ? origin.port : origin.protocol === 'https:' ? 443 : 80)
    }
    /**
     * A stage's span, under the request's. Not for a request that is not sampled: every sampler
     * the gateway offers decides a trace's spans alike (by its parent, or by the trace id), so a
     * stage would be dropped too: making it would be work for nothing.
     */
    const start = (request: FastifyRequest, name: string, kind: SpanKind, attributes: Attributes): Span | null => {
      const parent = request.traceSpan
      if (parent == null || !parent.isRecording()) return null
      const span = tracer.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent))
      request.traceStage = span
      return span
    }
    return {
      chain (request, direction) {
        start(request, `${direction} chain`, SpanKind.INTERNAL, route)
      },
      coreCall (request, headers) {
        // The core is called by this span (by the request's, when it is not sampled): the
        // client's trace context makes way for it.
        const caller = start(request, 'core call', SpanKind.CLIENT, coreCall) ?? request.traceSpan
        if (caller == null) return
        for (const name of TRACE_HEADERS) delete headers[name]
        propagation.inject(trace.setSpan(ROOT_CONTEXT, caller), headers)
      },
      end (request, coreStatus) {
        const span = request.traceStage
        if (span === null) return
        request.traceStage = null
        if (coreStatus !== undefined) {
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, coreStatus)
          // For a client span, the HTTP conventions make every 4xx and 5xx an error.
          if (coreStatus >= 400) span.setStatus({ code: SpanStatusCode.ERROR })
        }
        span.end()
      }
    }
  })

  // Before @fastify/otel ends the request's span (its own onSend runs after every other).
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const span = request.traceSpan
    if (span == null) return done(null, payload)
    const stage = request.traceStage
    const code = reply.getHeader('x-evergate-error-code')
    if (typeof code === 'string') {
      fail(span, code)
      // The stage the error came from: it never reached its end.
      if (stage !== null) fail(stage, code)
    }
    if (stage !== null) {
      stage.end()
      request.traceStage = null
    }
    if (request.policyStatus != null) span.setAttribute(ATTR.POLICY_STATUS, request.policyStatus)
    done(null, payload)
  })

  fastify.addHook('onClose', async () => {
    // Whatever is still batched goes to the collector before the process ends, for as long as a
    // close can give it: a collector that is away (the exporter retries for seconds) neither
    // fails the close nor holds it past its grace.
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => { timer = setTimeout(resolve, EXPORT_ON_CLOSE_MS, 'late') })
    const exported = await Promise.race([provider.shutdown().then(() => null, (err: Error) => err), late])
    clearTimeout(timer)
    if (exported === 'late') fastify.log.warn({ waitedMs: EXPORT_ON_CLOSE_MS }, 'closing without the last spans: the collector did not take them in time')
    else if (exported !== null) fastify.log.warn({ err: exported }, 'closing without the last spans: the collector refused them')
    instrumentation.disable()
    propagation.disable()
    diag.disable()
  })
}

export default fp(tracing, { name: 'evergate-tracing', fastify: '5.x' })
