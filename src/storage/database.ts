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

export interface Database {
  readonly knex: Knex
  readonly kind: 'postgres' | 'embedded'
  /** PostgreSQL only: how to open the dedicated LISTEN connection. */
  readonly url: string | undefined
  readonly schema: string | undefined
}

export function openDatabase (opts: DatabaseOptions): Database {
  if (opts.url !== undefined && opts.url !== '') {
    const knex = knexFactory({
      client: 'pg',
      connection: opts.url,
      searchPath: opts.schema === undefined ? undefined : [opts.schema],
      pool: { min: 0, max: 4 },
      // A gateway must not hang on a database that went away: fail fast, keep serving.
      acquireConnectionTimeout: 5000
    })
    return { knex, kind: 'postgres', url: opts.url, schema: opts.schema }
  }
  const dataDir = resolve(opts.dataDir)
  mkdirSync(dataDir, { recursive: true })
  const knex = knexFactory({ client: ClientPgLite, dialect: 'postgres', connection: { filename: dataDir } } as Knex.Config)
  return { knex, kind: 'embedded', url: undefined, schema: undefined }
}
