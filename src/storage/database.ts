import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import knexFactory, { type Knex } from 'knex'
import ClientPgLite from 'knex-pglite'

export interface DatabaseOptions {
  /** PostgreSQL; when absent, the embedded PGlite keeps its data in `dataDir`. */
  url?: string
  dataDir: string
  /** PostgreSQL only: the schema to work in (tests give each file its own). */
  schema?: string
}

/** Where knex's own warnings go (a lost connection, say): the gateway's log, not the console. */
export interface DatabaseLog {
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface Database {
  readonly knex: Knex
  readonly kind: 'postgres' | 'embedded'
  /** PostgreSQL only: how to open the dedicated LISTEN connection. */
  readonly url: string | undefined
  readonly schema: string | undefined
}

export function openDatabase (opts: DatabaseOptions, log?: DatabaseLog): Database {
  const logger = log === undefined
    ? undefined
    : {
        warn: (message: unknown) => log.warn({ knex: String(message) }, 'database warning'),
        error: (message: unknown) => log.error({ knex: String(message) }, 'database error'),
        deprecate: () => {},
        debug: () => {}
      }
  if (opts.url !== undefined && opts.url !== '') {
    const knex = knexFactory({
      client: 'pg',
      connection: opts.url,
      searchPath: opts.schema === undefined ? undefined : [opts.schema],
      pool: { min: 0, max: 4 },
      // A gateway must not hang on a database that went away: fail fast, keep serving.
      acquireConnectionTimeout: 5000,
      log: logger
    })
    return { knex, kind: 'postgres', url: opts.url, schema: opts.schema }
  }
  const dataDir = resolve(opts.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const knex = knexFactory({ client: ClientPgLite, dialect: 'postgres', connection: { filename: dataDir }, log: logger } as Knex.Config)
  return { knex, kind: 'embedded', url: undefined, schema: undefined }
}
