import { parseArgs } from 'node:util'
import { loadConfig } from '../config.js'
import { openDatabase } from '../storage/database.js'
import { migrate } from '../storage/migrations.js'
import type { Io } from './io.js'

/** Where a database URL points, without its password. */
function place (url: string): string {
  const { host, pathname } = new URL(url)
  return `${host}${pathname}`
}

/**
 * `evergate migrate`: the gateway's migrations, straight on the database. Starting the embedded
 * database, or waiting on another instance's migration lock, takes seconds: each step is said as
 * it starts (on stderr, so that stdout stays the result).
 */
export async function migrateCommand (args: string[], io: Io): Promise<number> {
  parseArgs({ args, options: {}, strict: true })
  const config = loadConfig({ ...io.env, EVERGATE_RELEASE_MANAGEMENT: 'true' })
  const options = config.release?.database as Parameters<typeof openDatabase>[0]
  io.err(options.url === undefined
    ? `starting the embedded database in ${options.dataDir} ...`
    : `connecting to PostgreSQL at ${place(options.url)}${options.schema === undefined ? '' : `, schema ${options.schema}`} ...`)
  const db = openDatabase(options)
  try {
    await db.knex.raw('select 1')
    io.err(db.kind === 'postgres' ? 'migrating (after any other instance migrating it) ...' : 'migrating ...')
    const ran = await migrate(db.knex)
    io.out(ran.length === 0 ? `the ${db.kind} database is up to date` : `migrated the ${db.kind} database: ${ran.join(', ')}`)
    return 0
  } finally {
    await db.knex.destroy()
  }
}
