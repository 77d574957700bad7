import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import semver from 'semver'
import { request as undiciRequest } from 'undici'
import { buildAdmin } from '../../src/admin/app.js'
import { buildApp } from '../../src/app.js'
import { createMetrics } from '../../src/metrics.js'
import { loadConfig, type GatewayConfig } from '../../src/config.js'
import type { BundleSource } from '../../src/engine/index.js'
import bundle from '../../versions/index.js'
import { buildCore } from '../../demo/core.js'

/**
 * The demo's contract versions, oldest first, and its head. A test that means "a head client" or
 * "every contract" says so with these, not with today's numbers: a new head must not turn it red.
 */
export const VERSIONS = bundle.contracts.map((c) => c.version).sort(semver.compare)
export const HEAD = VERSIONS[VERSIONS.length - 1]

interface Teardown { teardown (fn: () => unknown): void }

export function urlOf (app: FastifyInstance): string {
  const { port } = app.server.address() as AddressInfo
  return `http://127.0.0.1:${port}`
}

/** The Pulse core, listening on a real port; closed when the test ends. */
export async function startCore (t: Teardown): Promise<{ core: FastifyInstance, url: string }> {
  const core = buildCore()
  await core.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => core.close())
  return { core, url: urlOf(core) }
}

export interface GatewayOptions {
  env?: Record<string, string>
  bundle?: BundleSource
  config?: (config: GatewayConfig) => GatewayConfig
}

/** The gateway in front of `coreUrl`, listening on a real port; closed when the test ends. */
export async function startGateway (t: Teardown, coreUrl: string, opts: GatewayOptions = {}): Promise<{ app: FastifyInstance, url: string }> {
  // Release management needs a database: tests that exercise it turn it on (see helpers/database.ts).
  let config = loadConfig({ CORE_URL: coreUrl, LOG_LEVEL: 'silent', EVERGATE_RELEASE_MANAGEMENT: 'false', ...opts.env })
  if (opts.config !== undefined) config = opts.config(config)
  const app = await buildApp({ config, bundle: opts.bundle ?? bundle, logger: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return { app, url: urlOf(app) }
}

/** The demo core and the gateway in front of it. */
export async function startDemo (t: Teardown, opts: GatewayOptions = {}) {
  const { core, url: coreUrl } = await startCore(t)
  const gateway = await startGateway(t, coreUrl, opts)
  return { core, coreUrl, ...gateway }
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  version?: string
  headers?: Record<string, string>
  json?: unknown
  body?: string
}

/** One HTTP call as an app build would make it. */
export async function call (base: string, path: string, opts: CallOptions = {}) {
  const headers: Record<string, string> = { ...opts.headers }
  if (opts.version !== undefined) headers['x-app-version'] = opts.version
  let body = opts.body
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json)
    headers['content-type'] ??= 'application/json'
  }
  const res = await undiciRequest(base + path, { method: opts.method ?? 'GET', headers, body })
  const text = await res.body.text()
  let json: any
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.statusCode, headers: res.headers, text, json }
}

/** Sends bytes as they are (no client library tidying them up) and returns the raw answer. */
export async function rawHttp (base: string, bytes: string): Promise<string> {
  const { port, hostname } = new URL(base)
  return await new Promise<string>((resolve, reject) => {
    // Written, not ended: the server answers and closes (the requests say Connection: close or are malformed).
    const socket = connect(Number(port), hostname, () => socket.write(bytes))
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('error', reject)
    socket.on('close', () => resolve(data))
  })
}

export const ADMIN_TOKEN = 'test-admin-token'

/** The demo (or `source`) with release management on (give it a database env) and its admin API. */
export async function startReleaseDemo (t: Teardown, env: Record<string, string>, core?: string, source: BundleSource = bundle) {
  const coreUrl = core ?? (await startCore(t)).url
  const metrics = createMetrics()
  const config = loadConfig({ CORE_URL: coreUrl, LOG_LEVEL: 'silent', EVERGATE_USAGE_FLUSH_MS: '60000', ...env })
  const app = await buildApp({ config, bundle: source, logger: false, metrics })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const admin = await buildAdmin({ release: app.release, metrics, token: ADMIN_TOKEN })
  await admin.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await admin.close(); await app.close() })
  const adminUrl = urlOf(admin)
  const asAdmin = (path: string, opts: CallOptions = {}) =>
    call(adminUrl, path, { ...opts, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...opts.headers } })
  return { app, admin, url: urlOf(app), adminUrl, coreUrl, asAdmin }
}
