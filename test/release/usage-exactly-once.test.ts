import t from 'tap'
import knexFactory from 'knex'
import { call, startReleaseDemo } from '../helpers/gateway.js'
import { DATABASE_URL, pgSchema } from '../helpers/database.js'
import { tcpProxy } from '../helpers/tcp-proxy.js'
import { clearOfMidnight } from '../helpers/clock.js'

// Issue 17, defect 6: usage was over-counted by 2 after the database connection was reset
// mid-flush. The flush had committed, its answer was lost, and its counts were written again.

/** The gateway on its own schema, through a relay that can cut its connections; and a direct line to that schema. */
async function gatewayBehindRelay (t: Parameters<typeof pgSchema>[0]) {
  const env = await pgSchema(t)
  const pg = new URL(DATABASE_URL)
  const relay = await tcpProxy(t, { host: pg.hostname, port: Number(pg.port || 5432) })
  pg.host = `127.0.0.1:${relay.port}`
  const gw = await startReleaseDemo(t, { ...env, DATABASE_URL: pg.toString() })
  const direct = knexFactory({ client: 'pg', connection: DATABASE_URL, searchPath: [env.DATABASE_SCHEMA], pool: { min: 0, max: 1 } })
  t.teardown(() => direct.destroy())
  return { gw, relay, direct }
}

t.test('a flush whose connection is reset after its commit is not written twice', async (t) => {
  await clearOfMidnight()
  const { gw, relay, direct } = await gatewayBehindRelay(t)
  for (let i = 0; i < 2; i++) t.equal((await call(gw.url, '/articles', { version: '3.0.0' })).status, 200)

  const cut = relay.cutAfterCommit('insert into "evergate_usage" (')
  await t.rejects(gw.app.release.usage.flush(), 'the write committed, but the gateway was not told')
  await cut
  t.equal(gw.app.release.usage.pending, 2, 'so it keeps the batch')
  t.equal(Number((await direct('evergate_usage').sum({ n: 'count' }))[0].n), 2, 'which the database has')

  t.equal((await call(gw.url, '/articles', { version: '3.0.0' })).status, 200)
  await gw.app.release.usage.flush()
  t.equal(gw.app.release.usage.pending, 0)
  t.equal(Number((await direct('evergate_usage').sum({ n: 'count' }))[0].n), 3, 'the batch tried again was skipped, the next one written')
  t.equal((await gw.asAdmin('/usage?days=1')).json.total, 3)
  t.equal(Number((await direct('evergate_usage_batches').count({ n: '*' }))[0].n), 2, 'one id per batch written')
})

t.test('a batch that did not commit is written when tried again', async (t) => {
  await clearOfMidnight()
  const { gw, relay, direct } = await gatewayBehindRelay(t)
  t.equal((await call(gw.url, '/articles', { version: '3.0.0' })).status, 200)
  await relay.cut()
  await t.rejects(gw.app.release.usage.flush())
  await relay.restore()
  await gw.app.release.usage.flush()
  t.equal(Number((await direct('evergate_usage').sum({ n: 'count' }))[0].n), 1)
})

t.test('the ids of batches written long ago are forgotten at start', async (t) => {
  const env = await pgSchema(t)
  const first = await startReleaseDemo(t, env)
  const { knex } = first.app.release.db
  await knex('evergate_usage_batches').insert([
    { id: '00000000-0000-4000-8000-000000000001', applied_at: knex.raw("now() - interval '49 hours'") },
    { id: '00000000-0000-4000-8000-000000000002', applied_at: knex.raw("now() - interval '47 hours'") }
  ])
  const second = await startReleaseDemo(t, env)
  let ids: string[] = []
  for (let i = 0; i < 100; i++) {
    ids = (await second.app.release.db.knex('evergate_usage_batches').select('id')).map((r: { id: string }) => r.id)
    if (ids.length === 1) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.same(ids, ['00000000-0000-4000-8000-000000000002'], 'kept for 48 hours')
})
