import t from 'tap'
import Fastify from 'fastify'
import { PolicyStore } from '../../src/release/policy-store.js'
import { ReleaseRepository } from '../../src/release/repository.js'
import { openDatabase } from '../../src/storage/database.js'
import { migrate } from '../../src/storage/migrations.js'
import { call, startCore, startReleaseDemo } from '../helpers/gateway.js'
import { DATABASE_URL, pgSchema } from '../helpers/database.js'
import { tcpProxy } from '../helpers/tcp-proxy.js'
import { clearOfMidnight } from '../helpers/clock.js'

async function within (ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`not within ${ms} ms`)
}

/** A migrated schema of its own and the repository on it, as a release-managed gateway opens them. */
async function migratedRepository (t: Parameters<typeof pgSchema>[0]) {
  const env = await pgSchema(t)
  const db = openDatabase({ url: DATABASE_URL, schema: env.DATABASE_SCHEMA, dataDir: '' })
  t.teardown(() => db.knex.destroy())
  await migrate(db.knex)
  return { env, repository: new ReleaseRepository(db.knex, env.EVERGATE_POLICY_CHANNEL) }
}

t.test('a change made on one instance is obeyed by the other within a second', async (t) => {
  const env = await pgSchema(t)
  const { url: coreUrl } = await startCore(t)
  // Polling slower than the promise: only NOTIFY can make it in time.
  const a = await startReleaseDemo(t, { ...env, EVERGATE_POLICY_POLL_MS: '10000' }, coreUrl)
  const b = await startReleaseDemo(t, { ...env, EVERGATE_POLICY_POLL_MS: '10000' }, coreUrl)
  t.equal((await call(b.url, '/profile', { version: '1.2.0' })).status, 200)

  await a.asAdmin('/rules', { method: 'POST', json: { range: '<1.5.0', status: 'retired' } })
  const took = await within(1000, async () => (await call(b.url, '/profile', { version: '1.2.0' })).status === 426)
  t.ok(took < 1000, `instance b retired 1.2.0 after ${took} ms`)
  t.equal((await call(b.url, '/profile', { version: '1.6.0' })).status, 200)
})

t.test('without NOTIFY, polling the policy version catches up', async (t) => {
  const env = await pgSchema(t)
  const { url: coreUrl } = await startCore(t)
  const a = await startReleaseDemo(t, env, coreUrl)
  const b = await startReleaseDemo(t, { ...env, EVERGATE_POLICY_POLL_MS: '100' }, coreUrl)
  // A NOTIFY nobody hears: b listens on another channel.
  await b.app.release.store.stop()
  const poller = await startReleaseDemo(t, { ...env, EVERGATE_POLICY_POLL_MS: '100', EVERGATE_POLICY_CHANNEL: 'nobody_sends_here' }, coreUrl)
  await a.asAdmin('/rules', { method: 'POST', json: { range: '<2.0.0', status: 'deprecated' } })
  await within(1000, async () => (await call(poller.url, '/profile', { version: '1.2.0' })).headers.deprecation !== undefined)
  t.pass('the poller saw the change')
})

t.test('the database going away: traffic flows on the last policy, readiness degrades, it recovers', async (t) => {
  const env = await pgSchema(t)
  const pg = new URL(DATABASE_URL)
  const relay = await tcpProxy(t, { host: pg.hostname, port: Number(pg.port || 5432) })
  pg.host = `127.0.0.1:${relay.port}`
  const gw = await startReleaseDemo(t, { ...env, DATABASE_URL: pg.toString(), EVERGATE_POLICY_POLL_MS: '100' })
  await gw.asAdmin('/rules', { method: 'POST', json: { range: '<1.5.0', status: 'retired' } })
  t.equal((await call(gw.url, '/profile', { version: '1.6.0' })).status, 200)

  await relay.cut()
  await within(2000, async () => (await call(gw.url, '/_evergate/ready')).json.database?.status === 'degraded')
  const ready = await call(gw.url, '/_evergate/ready')
  t.equal(ready.status, 200, 'degraded is still ready: the gateway serves on the last known policy')
  t.same(Object.keys(ready.json.database), ['status', 'since'], 'the driver\'s message (hosts, ports) is not public')
  t.equal((await call(gw.url, '/profile', { version: '1.2.0' })).status, 426, 'the last known policy holds')
  t.equal((await call(gw.url, '/profile', { version: '1.6.0' })).status, 200, 'traffic keeps flowing')
  await t.rejects(gw.app.release.usage.flush(), 'usage cannot be written while it is away')
  t.ok(gw.app.release.usage.pending >= 3, 'and is kept for later')
  const away = (await gw.asAdmin('/metrics')).text
  t.match(away, /^evergate_release_database_up 0$/m, 'something to alert on')
  t.match(away, /^evergate_usage_pending [3-9]\d*$/m)

  await relay.restore()
  await within(3000, async () => (await call(gw.url, '/_evergate/ready')).json.database?.status === 'ok')
  await gw.app.release.usage.flush()
  t.equal(gw.app.release.usage.pending, 0)
  const usage = await gw.asAdmin('/usage?days=1')
  t.equal(usage.json.total, 3, 'the counts made before and during the outage were written after it')
  t.match((await gw.asAdmin('/metrics')).text, /^evergate_release_database_up 1$/m)
})

t.test('a flush of more keys than one statement can carry is written whole', async (t) => {
  // PostgreSQL takes 65,535 parameters a statement: 9,363 usage rows once overflowed it, and the
  // batch, kept to be written again, failed again at every flush after.
  // Each version counted by name, so that each is a row.
  const gw = await startReleaseDemo(t, { ...await pgSchema(t), EVERGATE_USAGE_MAX_NEW_VERSIONS: '20000' })
  const keys = 12_000
  for (let i = 0; i < keys; i++) gw.app.release.usage.record('ios', `1.${Math.floor(i / 100)}.${i % 100}`, '1.0.0', 'GET /profile', 200)
  gw.app.release.usage.record('ios', '1.0.0', '1.0.0', 'GET /profile', 200)
  await gw.app.release.usage.flush()
  t.equal(gw.app.release.usage.pending, 0)
  const usage = await gw.asAdmin('/usage?days=1&limit=10000')
  t.equal(usage.json.total, keys + 1)
  t.equal(usage.json.versions.length + usage.json.not_listed.versions, keys)
})

t.test('an instance that cannot LISTEN still loads and polls the policy', async (t) => {
  const { repository } = await migratedRepository(t)
  await repository.createRule({ platform: null, range: '<1.5.0', status: 'retired', deprecation_date: null, sunset_date: null, message: null, upgrade_url: null }, 'rm')
  // Queries work, the LISTEN connection does not (say, a connection limit reached).
  const store = new PolicyStore({ repository, listenUrl: 'postgres://postgres@127.0.0.1:1/test', pollMs: 50, contractVersions: ['1.0.0', '3.0.0'], log: Fastify({ logger: false }).log })
  t.teardown(() => store.stop())
  await store.start()
  t.equal(store.policy.decide('1.2.0', null).status, 'retired', 'the rules are in force')
  t.match(store.health, { status: 'degraded', reason: /ECONNREFUSED/ })
  await repository.createRule({ platform: null, range: '<2.0.0', status: 'deprecated', deprecation_date: null, sunset_date: null, message: null, upgrade_url: null }, 'rm')
  await within(2000, async () => store.policy.decide('1.6.0', null).status === 'deprecated')
  t.pass('and a change arrives by polling')
})

t.test('instances booting together on an empty database migrate it once, without a fight', async (t) => {
  // knex creates its migration tables before taking its own lock: unserialised, one instance
  // failed with "relation already exists" or both inserted a lock row, locking out every later
  // migration. Five fresh schemas, three instances each.
  for (let round = 0; round < 5; round++) {
    const env = await pgSchema(t)
    const dbs = [0, 1, 2].map(() => openDatabase({ url: DATABASE_URL, schema: env.DATABASE_SCHEMA, dataDir: '' }))
    t.teardown(() => Promise.all(dbs.map((db) => db.knex.destroy())))
    const ran = await Promise.all(dbs.map((db) => migrate(db.knex)))
    t.equal(ran.filter((names) => names.length > 0).length, 1, `round ${round}: one instance ran the migrations`)
    const locks = await dbs[0].knex('evergate_migrations_lock').select('*')
    t.equal(locks.length, 1, 'one lock row')
    t.same(await migrate(dbs[1].knex), [], 'and a later boot migrates nothing, without a lock error')
  }
})

t.test('a new release in use becomes the latest with no rule changing', async (t) => {
  const { repository } = await migratedRepository(t)
  const day = new Date().toISOString().slice(0, 10)
  const row = (version: string, count: number) => ({ day, platform: 'ios', app_version: version, contract_version: '3.0.0', route: 'GET /articles', status_class: '2xx', count })
  await repository.addUsage([row('3.1.0', 1000)])
  // No polling and no LISTEN, as on the embedded database: only the in-use timer reloads.
  const store = new PolicyStore({ repository, listenUrl: undefined, pollMs: null, inUseMs: 50, contractVersions: ['1.0.0', '3.0.0'], log: Fastify({ logger: false }).log })
  t.teardown(() => store.stop())
  await store.start()
  t.same(store.latest.of('ios'), { version: '3.1.0', source: 'in use' })
  await repository.addUsage([row('3.2.0', 900)])
  await within(2000, async () => store.latest.of('ios').version === '3.2.0')
  t.pass('3.2.0 is in use once it has its share')
  await repository.addUsage([row('3.3.0-beta.1', 900)])
  await store.refresh()
  t.ok(store.known.has('3.3.0-beta.1'), 'a beta in use is known to usage counting (its traffic is real)')
  t.equal(store.latest.of('ios').version, '3.2.0', 'though never the latest')
})

t.test('a refresh asked for while a load is under way includes the change that asked for it', async (t) => {
  const { repository } = await migratedRepository(t)
  const store = new PolicyStore({ repository, listenUrl: undefined, pollMs: null, contractVersions: ['1.0.0', '3.0.0'], log: Fastify({ logger: false }).log })
  t.teardown(() => store.stop())
  await store.start()
  // A load (the in-use timer's, or a NOTIFY's) reads the rules, then waits, as on a busy database.
  const listRules = repository.listRules.bind(repository)
  let read = () => {}
  let release = () => {}
  const wasRead = new Promise<void>((resolve) => { read = resolve })
  const held = new Promise<void>((resolve) => { release = resolve })
  repository.listRules = async () => {
    const rules = await listRules()
    read()
    await held
    return rules
  }
  const underWay = store.refresh()
  await wasRead
  await repository.createRule({ platform: null, range: '<1.5.0', status: 'retired', deprecation_date: null, sunset_date: null, message: null, upgrade_url: null }, 'rm')
  repository.listRules = listRules
  const afterChange = store.refresh()
  release()
  await Promise.all([underWay, afterChange])
  t.equal(store.policy.decide('1.2.0', null).status, 'retired', 'the admin API answers only once the change is in force here')
})

t.test('usage past its retention is deleted at start; the days it keeps are not', async (t) => {
  await clearOfMidnight()
  const { env, repository } = await migratedRepository(t)
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10)
  const row = (day: string, version: string) => ({ day, platform: 'ios', app_version: version, contract_version: '3.0.0', route: 'GET /articles', status_class: '2xx', count: 10 })
  await repository.addUsage([row(daysAgo(400), '3.0.0'), row(daysAgo(31), '3.1.0'), row(daysAgo(30), '3.2.0'), row(daysAgo(0), '3.3.0')])
  const versions = async () => (await repository.usageSummary(500)).versions.map((v) => v.app_version).sort()
  t.same(await versions(), ['3.0.0', '3.1.0', '3.2.0', '3.3.0'])

  await startReleaseDemo(t, { ...env, EVERGATE_USAGE_RETENTION_DAYS: '31' })
  await within(3000, async () => (await versions()).length === 2)
  t.same(await versions(), ['3.2.0', '3.3.0'], '31 days kept, today included')
})
