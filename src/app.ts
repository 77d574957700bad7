import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import { peerTrust, type GatewayConfig } from './config.js'
import { releaseDates } from './compatibility/snapshots.js'
import { buildPlans, loadBundle, type Bundle, type BundleSource, type ExampleSet, type Plans } from './engine/index.js'
import clientErrors from './gateway/client-errors.js'
import jsonBody from './gateway/json-body.js'
import validation from './gateway/validation.js'
import versionedRoutes from './gateway/versioned-routes.js'
import upstreams from './proxy/upstreams.js'
import publicEndpoints from './public/index.js'
import { RequestLog, RequestLogger } from './request-log.js'
import versionResolution from './resolve/plugin.js'
import releaseManagement from './release/plugin.js'
import { createMetrics, type Metrics } from './metrics.js'
import { contractSampler } from './compatibility/sampling.js'

export interface EvergateOptions extends Omit<GatewayConfig, 'port' | 'host' | 'logLevel' | 'admin' | 'tracing'> {
  bundle: Bundle
  plans: Plans
  metrics: Metrics
  /** Each frozen version's release day, read from the frozen copies at boot. */
  released: ReadonlyMap<string, string>
  examples?: ExampleSet
}

/**
 * The root plugin: the request flow in registration order. Resolve the app version, pick that
 * version's route, validate, translate up, forward, translate down; errors in the client's shape.
 */
async function evergatePlugin (fastify: FastifyInstance, opts: EvergateOptions): Promise<void> {
  // What every answer depends on: the app version (User-Agent is its fallback) and, with release
  // rules, which can be per platform, the platform.
  const vary = [
    opts.versionHeader,
    ...(opts.userAgentApps.length > 0 ? ['user-agent'] : []),
    ...(opts.release !== null ? [opts.platformHeader] : [])
  ].join(', ')
  const contractVersions = opts.plans.contracts.map((c) => c.version)
  await fastify.register(versionResolution, {
    contracts: contractVersions,
    versionHeader: opts.versionHeader,
    platformHeader: opts.platformHeader,
    platforms: opts.platforms,
    storeUrls: opts.storeUrls,
    // The release policy's, once it is registered below.
    minimumVersion: (platform) => fastify.hasDecorator('release') ? fastify.release.store.policy.minimumVersion(platform) : null,
    missingVersion: opts.missingVersion,
    userAgentApps: opts.userAgentApps
  })
  // Before any route, which keeps the error handler in place when it is registered.
  await fastify.register(clientErrors, { plans: opts.plans, vary, bodyLimit: opts.bodyLimit, countError: opts.metrics.errors.count })
  if (opts.release !== null) {
    await fastify.register(releaseManagement, { ...opts.release, contractVersions, platforms: opts.platforms, storeUrls: opts.storeUrls, metrics: opts.metrics })
  }
  await fastify.register(upstreams, opts.upstream)
  await fastify.register(jsonBody)
  await fastify.register(validation)
  // Before the versioned routes: the docs' @fastify/swagger documents them as they are added.
  await fastify.register(publicEndpoints, {
    bundle: opts.bundle,
    plans: opts.plans,
    released: opts.released,
    vary,
    versionHeader: opts.versionHeader,
    platformHeader: opts.platformHeader,
    platforms: opts.platforms,
    examples: opts.examples
  })
  const watchResponses = contractSampler({
    rate: opts.contractSampleRate, plans: opts.plans, metrics: opts.metrics, log: fastify.log, maxBytes: opts.upstream.translateLimit
  })
  await fastify.register(versionedRoutes, {
    plans: opts.plans,
    vary,
    metrics: opts.metrics,
    trustsPeer: peerTrust(opts.trustProxy),
    watchResponses,
    traceRoute: fastify.hasDecorator('traceRoute') ? fastify.traceRoute : null
  })
}

export const evergate = fp(evergatePlugin, { name: 'evergate', fastify: '5.x' })

const REQUEST_ID = /^[\w.:-]{1,128}$/

/** Keeps a caller's request id when it is a sane token, makes one otherwise. */
function requestId (req: IncomingMessage): string {
  const given = req.headers['x-request-id']
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Closing: /_evergate/ready answers 503 so balancers stop sending; traffic still served. */
    readonly draining: boolean
    /** Begins the drain (SIGTERM, or close()): /ready says 503, every answer Connection: close. */
    drain (): void
  }
}

/**
 * How long a kept-alive connection must have sat idle, while closing, before it is closed. A
 * client may be sending its next request on it (a round trip inside a data centre is well under
 * this); every answer while closing says Connection: close, so a client in use is not idle here.
 */
const IDLE_BEFORE_CLOSE_MS = 200

/**
 * From the drain on, every answer says Connection: close, so clients move their kept-alive
 * connections elsewhere instead of finding them closed. While closing, a connection is closed
 * once it has been idle for IDLE_BEFORE_CLOSE_MS, so that close() waits for in-flight work and
 * nothing else. Node's close() would destroy every idle connection at once, resetting a request a
 * client was sending on one at that moment (2 of 2,399 under load, issue 17): a request that
 * still arrives is served, and nothing is refused.
 */
function drainOnClose (app: FastifyInstance): void {
  const { server } = app
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  // Installed at the drain, so that serving costs nothing before it; first, so that it comes
  // before anything is written.
  const closeAfterAnswer = (_req: IncomingMessage, res: ServerResponse) => { res.setHeader('connection', 'close') }
  let draining = false
  app.decorate('draining', { getter: () => draining })
  app.decorate('drain', () => {
    if (draining) return
    draining = true
    server.prependListener('request', closeAfterAnswer)
  })

  const idleSince = new WeakMap<Socket, number>()
  const closeLongIdle = () => {
    const now = Date.now()
    for (const socket of sockets) {
      // Idle as Node's own closeIdleConnections tells it: no answer under way.
      const answer = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
      if (answer != null && !answer.writableFinished) {
        idleSince.delete(socket)
        continue
      }
      const since = idleSince.get(socket) ?? now
      idleSince.set(socket, since)
      if (now - since >= IDLE_BEFORE_CLOSE_MS) socket.destroy()
    }
  }
  // What server.close() calls: the idle connections go once idle long enough, not at once.
  server.closeIdleConnections = closeLongIdle
  let timer: NodeJS.Timeout | undefined
  app.addHook('preClose', async () => {
    app.drain()
    timer = setInterval(closeLongIdle, 25).unref()
  })
  app.addHook('onClose', async () => { clearInterval(timer) })
}

export interface BuildOptions {
  config: Omit<GatewayConfig, 'port' | 'host'>
  /** Shared with the admin app, which serves them; a fresh registry when absent. */
  metrics?: Metrics
  bundle: BundleSource
  /** Fastify's logger option; defaults to pino at the configured level. */
  logger?: FastifyServerOptions['logger']
}

/** Loads and checks the bundle, builds every chain, and returns the ready-to-listen gateway. */
export async function buildApp ({ config, bundle: source, logger, metrics = createMetrics() }: BuildOptions): Promise<FastifyInstance> {
  const bundle = await loadBundle(source)
  const plans = buildPlans(bundle)
  const released = source.snapshotsDir === undefined ? new Map<string, string>() : await releaseDates(source.snapshotsDir)
  const app: FastifyInstance = Fastify({
    logger: logger ?? { level: config.logLevel },
    logController: new RequestLog(),
    childLoggerFactory: RequestLogger.make,
    genReqId: requestId,
    requestIdHeader: false,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // HEAD wherever GET works (RFC 9110 9.3.2): the GET runs and Fastify drops its body.
    exposeHeadRoutes: true,
    // See drainOnClose: Fastify's own 503 body would be in no client's error shape.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    frameworkErrors: (err, request, reply) => app.frameworkError(err, request, reply),
    clientErrorHandler: (err, socket) => { app.clientError(err, socket) },
    // A request whose headers or body do not arrive within this is answered 408 and its
    // connection closed, instead of holding it (and a shutdown) for ever. Node enforces it on the
    // body only when its headers timeout (60 s by default) is no longer; it looks for late
    // requests every 30 s unless told otherwise: a shorter timeout is looked for as often as it lasts.
    requestTimeout: config.requestTimeout,
    http: {
      headersTimeout: config.requestTimeout,
      // Refused by the gateway instead, in the client's error shape (gateway/client-errors.ts).
      requireHostHeader: false,
      connectionsCheckingInterval: Math.min(config.requestTimeout, 30_000)
    }
  })
  // A client may end its side of the connection once its request is sent, and still read the
  // answer (RFC 9112 9.6). Node's default takes that FIN for the client leaving: it ends the
  // connection and aborts the request, so an answer that needs the core never came. With this
  // (a Server property since Node 0.x, set by no option), the answer is sent and the connection
  // then closed; a client really gone is still seen, when the connection resets or a write fails.
  const server: Server & { httpAllowHalfOpen?: boolean } = app.server
  server.httpAllowHalfOpen = true
  drainOnClose(app)
  const { logLevel: _logLevel, admin: _admin, tracing, ...options } = config
  if (tracing !== null) {
    // Imported only when an OTLP endpoint is configured: without one, nothing of the
    // OpenTelemetry SDK is loaded, and a request pays nothing for it. First, so that it sees
    // every route.
    const { default: tracingPlugin } = await import('./telemetry/plugin.js')
    await app.register(tracingPlugin, tracing)
  }
  await app.register(evergate, { ...options, bundle, plans, metrics, released, examples: source.examples })
  return app
}
