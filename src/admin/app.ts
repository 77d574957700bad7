import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import validation from '../gateway/validation.js'
import type { Metrics } from '../metrics.js'
import type { Release } from '../release/plugin.js'
import { ReleaseRepository } from '../release/repository.js'
import { openDatabase } from '../storage/database.js'
import auth from './auth.js'
import { adminContext } from './context.js'
import { handleAdminError } from './errors.js'
import auditRoutes from './routes/audit.js'
import pageRoutes from './routes/page.js'
import releaseRoutes from './routes/releases.js'
import ruleRoutes from './routes/rules.js'
import usageRoutes from './routes/usage.js'
import versionRoutes from './routes/versions.js'

export interface AdminOptions {
  release: Release
  metrics: Metrics
  token: string
  logger?: FastifyServerOptions['logger']
}

/**
 * The longest an admin call waits for a database connection: a release manager is told at once
 * that the database is away, not after the gateway's own 5 s (twice, with a usage flush first).
 */
const DATABASE_TIMEOUT_MS = 2000

/**
 * The release managers' API and page, on their own port and never on the public one: the token
 * first (auth.ts), then one file of routes per resource. Every change is audited and in force on
 * this instance before the answer.
 */
export async function buildAdmin ({ release, metrics, token, logger = false }: AdminOptions): Promise<FastifyInstance> {
  const admin = Fastify({ logger })
  // The gateway's validators: bodies as sent (no null -> "" coercion), parameters coerced.
  await admin.register(validation)
  await admin.register(auth, { token })
  admin.setErrorHandler(handleAdminError)

  // Its own pool, with its own timeout: admin calls neither wait behind usage flushes nor as long.
  // The embedded database is one process's, and never away.
  const { db } = release
  const own = db.kind === 'postgres' ? openDatabase({ url: db.url, schema: db.schema, dataDir: '', timeoutMs: DATABASE_TIMEOUT_MS }, admin.log) : null
  const repository = own === null ? release.repository : new ReleaseRepository(own.knex, release.repository.channel)
  admin.addHook('onClose', async () => { await own?.knex.destroy() })

  const context = adminContext(release, repository)
  await admin.register(pageRoutes)
  await admin.register(ruleRoutes, context)
  await admin.register(releaseRoutes, context)
  await admin.register(auditRoutes, context)
  await admin.register(usageRoutes, context)
  await admin.register(versionRoutes, context)

  admin.get('/metrics', async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return await metrics.registry.metrics()
  })

  return admin
}
