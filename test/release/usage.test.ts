import t from 'tap'
import Fastify from 'fastify'
import { UsageRecorder } from '../../src/release/usage.js'
import type { ReleaseRepository, UsageRow } from '../../src/release/repository.js'
import { clearOfMidnight } from '../helpers/clock.js'

// The recorder's bookkeeping, on a repository that can be told to fail. Writing to a real
// PostgreSQL, and an outage of it, are covered in two-instances.test.ts.

function repository () {
  const written: UsageRow[][] = []
  const batches: Array<string | undefined> = []
  let failing = false
  const repo = {
    async addUsage (rows: readonly UsageRow[], batch?: string) {
      if (failing) throw new Error('database away')
      written.push([...rows])
      batches.push(batch)
    }
  } as unknown as ReleaseRepository
  return { repo, written, batches, fail: (on: boolean) => { failing = on } }
}

const log = Fastify({ logger: false }).log

t.test('counts aggregate per key and flush as one batch', async (t) => {
  await clearOfMidnight()
  const { repo, written } = repository()
  const usage = new UsageRecorder({ repository: repo, maxKeys: 100, log })
  for (let i = 0; i < 5; i++) usage.record('ios', '1.2.0', '1.0.0', 'GET /profile', 200)
  usage.record('ios', '1.2.0', '1.0.0', 'GET /profile', 404)
  usage.record(null, null, '3.0.0', 'GET /articles', 503)
  usage.record(null, null, '3.0.0', 'GET /articles', 101)
  t.equal(usage.pending, 8)
  await usage.flush()
  t.equal(usage.pending, 0)
  t.equal(written.length, 1)
  const today = new Date().toISOString().slice(0, 10)
  t.same(written[0], [
    { day: today, platform: 'ios', app_version: '1.2.0', contract_version: '1.0.0', route: 'GET /profile', status_class: '2xx', count: 5 },
    { day: today, platform: 'ios', app_version: '1.2.0', contract_version: '1.0.0', route: 'GET /profile', status_class: '4xx', count: 1 },
    { day: today, platform: 'unknown', app_version: 'none', contract_version: '3.0.0', route: 'GET /articles', status_class: '1xx', count: 1 },
    { day: today, platform: 'unknown', app_version: 'none', contract_version: '3.0.0', route: 'GET /articles', status_class: '5xx', count: 1 }
  ])
  await usage.flush()
  t.equal(written.length, 1, 'nothing pending, nothing written')
})

t.test('a failed flush\'s batch is written again as it was, under its id, before the counts since', async (t) => {
  const { repo, written, batches, fail } = repository()
  const usage = new UsageRecorder({ repository: repo, maxKeys: 100, log })
  usage.record('android', '2.0.0', '2.0.0', 'GET /users/me', 200)
  fail(true)
  await t.rejects(usage.flush(), /database away/)
  usage.record('android', '2.0.0', '2.0.0', 'GET /users/me', 200)
  usage.record('android', '2.1.0', '2.0.0', 'GET /users/me', 200)
  t.equal(usage.pending, 3)
  fail(false)
  await usage.flush()
  t.same(written.map((batch) => batch.map((r) => [r.app_version, r.count])), [[['2.0.0', 1]], [['2.0.0', 1], ['2.1.0', 1]]],
    'not merged: it may have committed, and the database skips a batch it has')
  t.equal(batches.length, 2)
  t.not(batches[0], batches[1], 'each batch its own id')
  t.match(batches[0], /^[0-9a-f-]{36}$/)
  t.equal(usage.pending, 0)
})

t.test('memory is bounded: past maxKeys, new keys are dropped and counted', async (t) => {
  const { repo, fail } = repository()
  const warnings: unknown[] = []
  const usage = new UsageRecorder({ repository: repo, maxKeys: 2, log: { ...log, warn: (o: unknown) => warnings.push(o) } as unknown as typeof log })
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200)
  usage.record('ios', '1.0.1', '1.0.0', 'GET /a', 200)
  usage.record('ios', '1.0.2', '1.0.0', 'GET /a', 200)
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200)
  t.equal(usage.dropped, 1, 'a third key does not fit')
  t.equal(usage.pending, 3, 'known keys still count')

  fail(true)
  await t.rejects(usage.flush())
  t.same(warnings, [{ dropped: 1 }], 'drops are logged')
  usage.record('ios', '9.9.9', '3.0.0', 'GET /b', 200)
  usage.record('ios', '9.9.8', '3.0.0', 'GET /b', 200)
  usage.record('ios', '9.9.7', '3.0.0', 'GET /b', 200)
  t.equal(usage.dropped, 2, 'the failed batch waits apart, and the keys since are bounded by themselves')
  t.equal(usage.pending, 5)
  await t.rejects(usage.flush())
  t.equal(warnings.length, 2)
})

t.test('a flush resolves only after the flushes before it are written', async (t) => {
  const written: string[] = []
  let release = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  let first = true
  const repo = {
    async addUsage (rows: readonly UsageRow[]) {
      if (first) {
        first = false
        await held // the timer's flush, slow to write
      }
      written.push(...rows.map((r) => r.app_version))
    }
  } as unknown as ReleaseRepository
  const usage = new UsageRecorder({ repository: repo, maxKeys: 100, log })
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200)
  const timers = usage.flush()
  let answered = false
  const live = usage.flush().then(() => { answered = true }) // nothing new in memory: an admin answer's flush
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.notOk(answered, 'it waits for the write under way, though it has nothing of its own')
  release()
  await Promise.all([timers, live])
  t.same(written, ['1.0.0'], 'and then the counts are in the database')
})

t.test('flushes asked for while a write hangs wait as one, not one each', async (t) => {
  let writes = 0
  let release = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  const repo = {
    async addUsage () {
      writes++
      if (writes === 1) await held
    }
  } as unknown as ReleaseRepository
  const usage = new UsageRecorder({ repository: repo, maxKeys: 100, log })
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200)
  const flushes = [usage.flush()]
  for (let i = 0; i < 10; i++) {
    usage.record('ios', `1.0.${i + 1}`, '1.0.0', 'GET /a', 200)
    flushes.push(usage.flush()) // the timer's ticks and admin answers, during the hang
  }
  release()
  await Promise.all(flushes)
  t.equal(writes, 2, 'the hung write, then one with everything counted meanwhile')
  t.equal(usage.pending, 0)
})

t.test('versions new past the day\'s limit count as "other"; known ones always by name', async (t) => {
  await clearOfMidnight()
  const { repo, written } = repository()
  const usage = new UsageRecorder({ repository: repo, maxKeys: 100, maxNewVersionsPerDay: 2, known: (v) => v === '3.0.0', log })
  for (const version of ['3.1.0', '3.2.0', '9.9.1', '9.9.2', '3.0.0', '3.1.0']) usage.record('ios', version, '3.0.0', 'GET /a', 200)
  usage.record('android', '9.9.3', '3.0.0', 'GET /a', 200)
  t.equal(usage.bucketed, 2)
  await usage.flush()
  t.same(written[0].map((r) => `${r.platform} ${r.app_version} ${r.count}`),
    ['ios 3.1.0 2', 'ios 3.2.0 1', 'ios other 2', 'ios 3.0.0 1', 'android 9.9.3 1'], 'each platform has its own limit')
  usage.record('ios', '9.9.4', '3.0.0', 'GET /a', 200)
  usage.record('ios', '3.2.0', '3.0.0', 'GET /a', 200)
  await usage.flush()
  t.same(written[1].map((r) => `${r.app_version} ${r.count}`), ['other 1', '3.2.0 1'], 'the limit is the day\'s, across flushes')
  usage.record(null, null, '3.0.0', 'GET /a', 200)
  await usage.flush()
  t.equal(written[2][0].app_version, 'none', 'no version is not a new one')
})

t.test('a request dropped at the key limit is not counted as "other" too', async (t) => {
  const { repo } = repository()
  const usage = new UsageRecorder({ repository: repo, maxKeys: 1, maxNewVersionsPerDay: 1, log })
  usage.record('ios', '9.9.1', '3.0.0', 'GET /a', 200)
  usage.record('ios', '9.9.2', '3.0.0', 'GET /a', 200)
  t.same({ bucketed: usage.bucketed, dropped: usage.dropped, pending: usage.pending }, { bucketed: 0, dropped: 1, pending: 1 })
})

t.test('at midnight UTC the day\'s counts are kept as that day\'s, and written with the next day\'s', async (t) => {
  const { repo, written, fail } = repository()
  let now = Date.UTC(2026, 10, 24, 23, 59, 59)
  const usage = new UsageRecorder({ repository: repo, maxKeys: 3, maxNewVersionsPerDay: 1, log, now: () => now })
  usage.record('ios', '9.9.1', '3.0.0', 'GET /a', 200)
  usage.record('ios', '9.9.1', '3.0.0', 'GET /a', 200)
  now += 2000
  usage.record('ios', '9.9.2', '3.0.0', 'GET /a', 200)
  usage.record('ios', '9.9.1', '3.0.0', 'GET /a', 200)
  t.equal(usage.bucketed, 1, 'the new day admits a new version again (9.9.2), and then no more (9.9.1)')
  t.equal(usage.pending, 4)
  fail(true)
  await t.rejects(usage.flush())
  fail(false)
  await usage.flush()
  t.same(written[0].map((r) => `${r.day} ${r.app_version} ${r.count}`).sort(),
    ['2026-11-24 9.9.1 2', '2026-11-25 9.9.2 1', '2026-11-25 other 1'], 'each count on its day, the failed write\'s included')
  t.equal(usage.pending, 0)
})

/** A repository whose first write waits until told to fail or succeed; the others succeed. */
function heldRepository () {
  const written: UsageRow[][] = []
  let calls = 0
  let started = () => {}
  let decide = (_ok: boolean) => {}
  const writing = new Promise<void>((resolve) => { started = resolve })
  const decision = new Promise<boolean>((resolve) => { decide = resolve })
  const repo = {
    async addUsage (rows: readonly UsageRow[]) {
      if (calls++ === 0) {
        started()
        if (!await decision) throw new Error('database away')
      }
      written.push([...rows])
    }
  } as unknown as ReleaseRepository
  return { repo, written, writing, finish: decide }
}

t.test('a write that fails waits apart from the keys counted meanwhile: no key takes two slots', async (t) => {
  const { repo, written, writing, finish } = heldRepository()
  const usage = new UsageRecorder({ repository: repo, maxKeys: 1, log })
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200)
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200)
  const failing = usage.flush()
  await writing
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200) // while the write hangs: the key's one slot
  finish(false)
  await t.rejects(failing, /database away/)
  t.same({ dropped: usage.dropped, pending: usage.pending }, { dropped: 0, pending: 3 }, 'nothing dropped')
  await usage.flush()
  t.same(written.map((batch) => batch.map((r) => `${r.app_version} ${r.count}`)), [['1.0.0 2'], ['1.0.0 1']])
})

t.test('a write that fails across midnight keeps its counts on their day', async (t) => {
  const { repo, written, writing, finish } = heldRepository()
  let now = Date.UTC(2026, 10, 24, 23, 59, 59)
  const usage = new UsageRecorder({ repository: repo, maxKeys: 2, log, now: () => now })
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200)
  const failing = usage.flush()
  await writing
  now += 2000
  usage.record('ios', '1.0.0', '1.0.0', 'GET /a', 200)
  finish(false)
  await t.rejects(failing, /database away/)
  await usage.flush()
  t.same(written.map((batch) => batch.map((r) => `${r.day} ${r.app_version} ${r.count}`)), [['2026-11-24 1.0.0 1'], ['2026-11-25 1.0.0 1']])
  t.equal(usage.dropped, 0)
})
