import { randomBytes } from 'node:crypto'
import knexFactory from 'knex'

/** The PostgreSQL the tests talk to: CI sets DATABASE_URL; the machine's own otherwise. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/**
 * A schema of its own on the real PostgreSQL, dropped when the test ends, and the environment
 * that points a gateway at it (with a NOTIFY channel no other test file shares).
 */
export async function pgSchema (t: { teardown (fn: () => unknown): void }): Promise<Record<string, string>> {
  const name = `evergate_test_${randomBytes(4).toString('hex')}`
  const admin = knexFactory({ client: 'pg', connection: DATABASE_URL, pool: { min: 0, max: 1 } })
  await admin.raw(`create schema "${name}"`)
  t.teardown(async () => {
    await admin.raw(`drop schema "${name}" cascade`)
    await admin.destroy()
  })
  return { DATABASE_URL, DATABASE_SCHEMA: name, EVERGATE_POLICY_CHANNEL: name, EVERGATE_RELEASE_MANAGEMENT: 'true' }
}
