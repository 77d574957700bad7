import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import knexFactory from 'knex'

export type StoreKind = 'postgres' | 'embedded'

export interface GatewayStore {
  readonly kind: StoreKind
  /** The environment that points one gateway at its store. */
  readonly env: Record<string, string>
  /** Drops what the store holds (a PostgreSQL schema); an embedded folder goes with the work dir. */
  drop (): Promise<void>
}

/** PostgreSQL when DATABASE_URL is set, as a production gateway runs; the embedded database otherwise. */
export const storeKind = (): StoreKind => (process.env.DATABASE_URL ?? '') === '' ? 'embedded' : 'postgres'

/**
 * Where one benchmarked gateway keeps its release data: a schema of its own on PostgreSQL, or an
 * embedded database in a folder of the run's temp directory. No two gateways share one.
 */
export async function gatewayStore (workDir: string, name: string): Promise<GatewayStore> {
  if (storeKind() === 'embedded') {
    const dataDir = join(workDir, `${name}-data`)
    await mkdir(dataDir, { recursive: true })
    return { kind: 'embedded', env: { EVERGATE_DATA_DIR: dataDir }, drop: async () => {} }
  }
  const url = process.env.DATABASE_URL as string
  const schema = `evergate_bench_${randomBytes(4).toString('hex')}_${name.replace(/\W/g, '_')}`
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } })
  try {
    await admin.raw('create schema ??', [schema])
  } finally {
    await admin.destroy()
  }
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url, DATABASE_SCHEMA: schema, EVERGATE_POLICY_CHANNEL: schema },
    async drop () {
      const db = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } })
      try {
        await db.raw('drop schema if exists ?? cascade', [schema])
      } finally {
        await db.destroy()
      }
    }
  }
}
