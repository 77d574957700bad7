import { randomUUID } from 'node:crypto'
import type { IncomingMessage, Server } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import { peerTrust, type GatewayConfig } from './config.js'
import { releaseDates } from './compatibility/snapshots.js'
import { buildPlans, loadBundle, type Bundle, type BundleSource, type Plans } from './engine/index.js'
import clientErrors from './gateway/client-errors.js'
import jsonBody from './gateway/json-body.js'
import validation from './gateway/validation.js'
import versionedRoutes from './gateway/versioned-routes.js'
import upstreams from './proxy/upstreams.js'
import publicRoutes from './public-routes.js'
import { RequestLog } from './request-log.js'
import versionResolution from './resolve/plugin.js'
import releaseManagement from './release/plugin.js'
import { createMetrics, type Metrics } from './metrics.js'
import contractDocs from './docs/plugin.js'
import { contractSampler } from './compatibility/sampling.js'

export interface EvergateOptions extends Omit<GatewayConfig, 'port' | 'host' | 'logLevel' | 'admin'> {
  bundle: Bundle
  plans: Plans
  metrics: Metrics
  /** Each frozen version's release day, read from the frozen copies at boot. */
  released: ReadonlyMap<string, string>
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
  // Before any route, which keeps the error handler in place when it is registered: app-status
  // is the release plugin's.
  await fastify.register(clientErrors, { plans: opts.plans, vary, bodyLimit: opts.bodyLimit })
  if (opts.release !== null) {
    await fastify.register(releaseManagement, { ...opts.release, contractVersions, platforms: opts.platforms, storeUrls: opts.storeUrls, vary, metrics: opts.metrics })
  }
  await fastify.register(upstreams, opts.upstream)
  await fastify.register(jsonBody)
  await fastify.register(validation)
  await fastify.register(contractDocs, { plans: opts.plans, versionHeader: opts.versionHeader, platformHeader: opts.platformHeader, platforms: opts.platforms, appStatus: opts.release !== null })
  const watchResponses = contractSampler({
    rate: opts.contractSampleRate, plans: opts.plans, metrics: opts.metrics, log: fastify.log, maxBytes: opts.upstream.translateLimit
  })
  await fastify.register(versionedRoutes, { plans: opts.plans, vary, metrics: opts.metrics, trustsPeer: peerTrust(opts.trustProxy), watchResponses })
  await fastify.register(publicRoutes, { prefix: '/_evergate', bundle: opts.bundle, plans: opts.plans, released: opts.released })
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
    draining: boolean
  }
}

/**
 * While closing, a keep-alive connection is closed as soon as its in-flight request is done, so
 * that close() waits for in-flight work and nothing else. A request that still arrives on one
 * (pipelined, or sent as the close began) is served, with Connection: close: nothing is refused.
 */
function drainOnClose (app: FastifyInstance): void {
  let timer: NodeJS.Timeout | undefined
  app.decorate('draining', false)
  app.addHook('preClose', async () => {
    app.draining = true
    timer = setInterval(() => app.server.closeIdleConnections(), 25).unref()
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
  const { logLevel: _logLevel, admin: _admin, ...options } = config
  await app.register(evergate, { ...options, bundle, plans, metrics, released })
  return app
}
