import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import { newRule } from '../admin/fields.js'
import type { RuleFieldsInput } from '../admin/schemas.js'
import { buildApp } from '../app.js'
import { loadConfig, type GatewayConfig } from '../config.js'
import { buildPlans, loadBundle, type BundleSource } from '../engine/index.js'
import { IN_MEMORY } from '../storage/database.js'
import mockCore from './core.js'

// `evergate mock`: the real gateway, built as production builds it, in front of a core made of
// head's examples (core.ts) on a loopback port of its own. Every version's API is then exactly
// what its apps get from the gateway, with no core service anywhere.

export interface MockOptions {
  source: BundleSource
  /**
   * The deployment's settings, as the gateway reads them (the version header, platforms, store
   * URLs, LOG_LEVEL, PORT, HOST). Its core and its release database are the mock's own.
   */
  env?: Record<string, string | undefined>
  /** Over PORT and HOST. */
  port?: number
  host?: string
  /** Release rules to simulate, as the admin API takes them, oldest first: the newest wins where they overlap. */
  rules?: readonly RuleFieldsInput[]
  /** Fastify's logger option for the gateway; the default logs as LOG_LEVEL says. */
  logger?: FastifyServerOptions['logger']
}

export interface Mock {
  /** The gateway: what apps call. */
  readonly app: FastifyInstance
  /** Head's core made of examples, on 127.0.0.1. */
  readonly core: FastifyInstance
  readonly config: GatewayConfig
  /** The contract versions served, oldest first; the last is head. */
  readonly versions: readonly string[]
  /** The port the gateway listens on (the one picked, when asked for 0). */
  readonly port: number
  close (): Promise<void>
}

const QUIETER_THAN_ERROR = new Set(['fatal', 'silent'])

/** The actor the audit log names for the simulated rules. */
const ACTOR = 'evergate mock'

export async function startMock ({ source, env = {}, port, host, rules = [], logger }: MockOptions): Promise<Mock> {
  // The settings first, so that a bad one stops the mock before anything listens. Release
  // management keeps its rules in memory: a DATABASE_URL in the environment is never written to.
  const config = loadConfig({
    ...env,
    ...(port === undefined ? {} : { PORT: String(port) }),
    ...(host === undefined ? {} : { HOST: host }),
    EVERGATE_RELEASE_MANAGEMENT: 'true',
    DATABASE_URL: '',
    EVERGATE_DATA_DIR: IN_MEMORY
  })
  const bundle = await loadBundle(source)
  // The core logs its own failures only: its address is the gateway's business, not a person's.
  const core = Fastify({ logger: { level: QUIETER_THAN_ERROR.has(config.logLevel) ? config.logLevel : 'error' } })
  await core.register(mockCore, { plans: buildPlans(bundle), head: bundle.head, examples: source.examples })
  let app: FastifyInstance | null = null
  try {
    const origin = await core.listen({ port: 0, host: '127.0.0.1' })
    // Every core service a head route names is the mock.
    const services = new Set(['core', ...Object.values(bundle.head.routes).map((r) => r.upstream ?? 'core')])
    const upstream = { ...config.upstream, origins: Object.fromEntries([...services].map((name) => [name, origin])) }
    app = await buildApp({ config: { ...config, upstream }, bundle: source, logger })
    await app.ready()
    for (const rule of rules) await app.release.repository.createRule(newRule(rule, app.release.platforms), ACTOR)
    await app.release.store.refresh()
    await app.listen({ port: config.port, host: config.host })
  } catch (err) {
    await app?.close()
    await core.close()
    throw err
  }
  const gateway = app
  return {
    app: gateway,
    core,
    config,
    versions: bundle.contracts.map((c) => c.version),
    port: (gateway.server.address() as AddressInfo).port,
    async close () {
      await gateway.close()
      await core.close()
    }
  }
}
