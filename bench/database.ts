import { randomBytes } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import knexFactory from 'knex'
import type { ProcessGroup } from './processes.js'

export type StoreKind = 'postgres' | 'embedded'

export interface GatewayStore {
  readonly kind: StoreKind
  /** The environment that points one gateway at its store. */
  readonly env: Record<string, string>
}

/** PostgreSQL when DATABASE_URL is set, as a production gateway runs; the embedded database otherwise. */
export const storeKind = (): StoreKind => (process.env.DATABASE_URL ?? '') === '' ? 'embedded' : 'postgres'

/**
 * Where one benchmarked gateway keeps its release data: a schema of its own on PostgreSQL, dropped
 * when `group` stops, or an embedded database in a folder of the run's temp directory (removed
 * with it). No two gateways share one.
 */
export async function gatewayStore (workDir: string, name: string, group: ProcessGroup): Promise<GatewayStore> {
  if (storeKind() === 'embedded') {
    const dataDir = join(workDir, `${name}-data`)
    await mkdir(dataDir, { recursive: true })
    return { kind: 'embedded', env: { EVERGATE_DATA_DIR: dataDir } }
  }
  const url = process.env.DATABASE_URL as string
  const schema = `evergate_bench_${randomBytes(4).toString('hex')}_${name.replace(/\W/g, '_')}`
  const sql = async (statement: string) => {
    const db = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } })
    try {
      await db.raw(statement, [schema])
    } finally {
      await db.destroy()
    }
  }
  // Dropped when the group stops, whatever happens from here on ("if exists": even if never made).
  group.afterStop(() => sql('drop schema if exists ?? cascade'))
  await sql('create schema ??')
  return { kind: 'postgres', env: { DATABASE_URL: url, DATABASE_SCHEMA: schema, EVERGATE_POLICY_CHANNEL: schema } }
}
