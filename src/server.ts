import type { FastifyInstance } from 'fastify'
import closeWithGrace from 'close-with-grace'
import { buildAdmin } from './admin/app.js'
import { buildApp } from './app.js'
import type { GatewayConfig } from './config.js'
import type { BundleSource } from './engine/index.js'
import { createMetrics } from './metrics.js'

/** What closing takes once no request is left: the last usage flush, the pools, the database. */
const CLOSE_TAKES_MS = 2000

/** The longest a close takes after the drain, in-flight requests included (deploy files count on it). */
export const CLOSE_GRACE_MS = 10_000

export interface Started {
  app: FastifyInstance
  address: string
  admin: FastifyInstance | null
  adminAddress: string | null
}

/**
 * Builds and starts the public gateway and, when a token is set, the admin API on its own port.
 * On SIGTERM/SIGINT: /_evergate/ready says 503 (for EVERGATE_DRAIN_DELAY_MS everything else is
 * still accepted and served), then stop accepting, let in-flight requests finish
 * (one that still arrives on an open connection is served, and its connection closed), flush
 * usage, close the core pools and the database.
 */
export async function start ({ config, bundle, graceMs = CLOSE_GRACE_MS, onClose }: {
  config: GatewayConfig
  bundle: BundleSource
  graceMs?: number
  /** Called once the gateway has closed (the demo stops its core there). */
  onClose?: () => Promise<void>
}): Promise<Started> {
  const metrics = createMetrics()
  const app = await buildApp({ config, bundle, metrics })
  let admin: FastifyInstance | null = null
  if (config.release === null) {
    app.log.info('release management is off (EVERGATE_RELEASE_MANAGEMENT=false): no admin API')
  } else if (config.admin.token === null) {
    app.log.warn('EVERGATE_ADMIN_TOKEN is not set: the admin API is off')
  } else {
    await app.ready()
    admin = await buildAdmin({
      release: app.release,
      metrics,
      token: config.admin.token,
      logger: { level: config.logLevel }
    })
  }

  let closing: Promise<void> | null = null
  const closeAll = () => (closing ??= (async () => {
    // Requests still running near the end of the grace (a core slower than it, a client that
    // stalls) are cut, so that the close itself finishes: usage flushed, pools and database shut.
    const cut = setTimeout(() => {
      app.log.warn('grace nearly over: closing the connections still open')
      app.server.closeAllConnections()
    }, Math.max(0, graceMs - CLOSE_TAKES_MS)).unref()
    await admin?.close()
    await app.close()
    clearTimeout(cut)
    await onClose?.()
  })())

  // With a drain delay, SIGTERM is the gateway's own: it drains, then closes as any signal does. A
  // second SIGTERM ends the drain early; SIGINT or an uncaught error close at once, still gracefully.
  const { drainDelay } = config
  const closer = closeWithGrace({ delay: graceMs, skip: drainDelay > 0 ? ['SIGTERM'] : [] }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
    else app.log.info({ signal }, 'closing')
    await closeAll()
  })
  if (drainDelay > 0) {
    let endDrain: (() => void) | null = null
    process.on('SIGTERM', () => {
      if (endDrain !== null) return endDrain()
      // Still accepting and serving while balancers take note of the 503 on /ready.
      app.drain()
      app.log.info({ drainDelay }, 'SIGTERM: draining before closing')
      void new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainDelay)
        endDrain = () => { clearTimeout(timer); resolve() }
      }).then(async () => await closer.close())
    })
  }

  const address = await app.listen({ port: config.port, host: config.host })
  const adminAddress = admin === null ? null : await admin.listen({ port: config.admin.port, host: config.admin.host })
  return { app, address, admin, adminAddress }
}
