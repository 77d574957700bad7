import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Pool } from 'undici'

export interface UpstreamOptions {
  /** Core services by name: `{ core: 'http://127.0.0.1:8090' }`. */
  origins: Readonly<Record<string, string>>
  connections: number
  connectTimeout: number
  headersTimeout: number
  bodyTimeout: number
  keepAliveTimeout: number
  /** The largest response the gateway reads whole to translate, in bytes. */
  translateLimit: number
}

export interface Upstream {
  readonly name: string
  readonly origin: string
  readonly pool: Pool
  readonly translateLimit: number
}

declare module 'fastify' {
  interface FastifyInstance {
    upstreams: ReadonlyMap<string, Upstream>
  }
}

/** One keep-alive undici Pool per core service, opened at boot and closed with the server. */
async function upstreams (fastify: FastifyInstance, opts: UpstreamOptions): Promise<void> {
  const map = new Map<string, Upstream>()
  for (const [name, origin] of Object.entries(opts.origins)) {
    const pool = new Pool(new URL(origin).origin, {
      connections: opts.connections,
      pipelining: 1,
      keepAliveTimeout: opts.keepAliveTimeout,
      headersTimeout: opts.headersTimeout,
      bodyTimeout: opts.bodyTimeout,
      connect: { timeout: opts.connectTimeout }
    })
    map.set(name, { name, origin, pool, translateLimit: opts.translateLimit })
  }
  fastify.decorate('upstreams', map)
  fastify.addHook('onClose', async () => {
    await Promise.all([...map.values()].map(({ pool }) => pool.close()))
  })
}

export default fp(upstreams, { name: 'evergate-upstreams', fastify: '5.x' })
