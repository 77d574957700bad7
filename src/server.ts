import type { FastifyInstance } from 'fastify'
import closeWithGrace from 'close-with-grace'

export interface ListenOptions {
  port: number
  host: string
  /** How long in-flight requests get to finish on SIGTERM/SIGINT before the process exits. */
  graceMs?: number
}

/**
 * Listens, and on a signal stops accepting connections, lets in-flight requests finish
 * (Fastify answers new ones on open connections with 503), then closes the core pools.
 */
export async function listen (app: FastifyInstance, { port, host, graceMs = 10_000 }: ListenOptions): Promise<string> {
  closeWithGrace({ delay: graceMs }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
    else app.log.info({ signal }, 'closing')
    await app.close()
  })
  return await app.listen({ port, host })
}
