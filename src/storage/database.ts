import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import knexFactory, { type Knex } from 'knex'
import ClientPgLite from 'knex-pglite'

/** PGlite's own name for a database that lives in memory and is gone when the process ends. */
export const IN_MEMORY = 'memory://'

export interface DatabaseOptions {
  /** PostgreSQL; when absent, the embedded PGlite keeps its data in `dataDir`. */
  url?: string
  /** The embedded database's folder, or IN_MEMORY to write nothing (the mock's). */
  dataDir: string
  /** PostgreSQL only: the schema to work in (tests give each file its own). */
  schema?: string
  /** PostgreSQL only: how long to wait for a connection (to connect, or for one of the pool's); 5 s. */
  timeoutMs?: number
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
    // A gateway must not hang on a database that went away: fail fast, keep serving. A connect
    // that is never answered is given up, not left to the pool until TCP gives up minutes later.
    const timeout = opts.timeoutMs ?? 5000
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: opts.url, connectionTimeoutMillis: timeout },
      searchPath: opts.schema === undefined ? undefined : [opts.schema],
      pool: { min: 0, max: 4 },
      acquireConnectionTimeout: timeout,
      log: logger
    })
    return { knex, kind: 'postgres', url: opts.url, schema: opts.schema }
  }
  const dataDir = opts.dataDir === IN_MEMORY ? IN_MEMORY : resolve(opts.dataDir)
  if (dataDir !== IN_MEMORY) mkdirSync(dataDir, { recursive: true })
  const knex = knexFactory({ client: ClientPgLite, dialect: 'postgres', connection: { filename: dataDir }, log: logger } as Knex.Config)
  return { knex, kind: 'embedded', url: undefined, schema: undefined }
}

/** Network errors that say the database cannot be reached, whatever the query. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'])

/** SQLSTATEs of a database that is there but takes no work: shutting down, starting, or full. */
const NOT_TAKING_WORK = new Set(['57P01', '57P02', '57P03', '53300'])

/**
 * Whether an error says the database is away (refused, reset, not answering in time), not that
 * a query was wrong: what a caller can only retry later. pg gives a connect timeout and a lost
 * connection no code, only these messages.
 */
export function isDatabaseUnavailable (err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const { code } = err as { code?: unknown }
  if (typeof code === 'string' && (UNREACHABLE.has(code) || NOT_TAKING_WORK.has(code) || code.startsWith('08'))) return true
  return err.name === 'KnexTimeoutError' || /^(timeout expired|Connection terminated)/.test(err.message)
}
