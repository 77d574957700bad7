import { createServer, type Socket } from 'node:net'
import t from 'tap'
import { isDatabaseUnavailable } from '../../src/storage/database.js'
import { call, startReleaseDemo } from '../helpers/gateway.js'
import { DATABASE_URL, pgSchema } from '../helpers/database.js'
import { tcpProxy } from '../helpers/tcp-proxy.js'

// Issue 17, defect 5: while the database was away the admin API answered a generic 500
// EVG_ERR_ADMIN, after 5 to 11 s when the database did not answer at all.

async function timed<T> (work: Promise<T>): Promise<[T, number]> {
  const started = Date.now()
  const result = await work
  return [result, Date.now() - started]
}

/** Something listening on `port` that accepts connections and never says a word. */
async function silentServer (t: { teardown (fn: () => unknown): void }, port: number) {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => { sockets.add(socket) })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const close = async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => server.close(resolve))
  }
  t.teardown(() => server.listening ? close() : undefined)
  return { close }
}

t.test('the admin API says promptly that the database is away, with a code of its own', async (t) => {
  const env = await pgSchema(t)
  const pg = new URL(DATABASE_URL)
  const relay = await tcpProxy(t, { host: pg.hostname, port: Number(pg.port || 5432) })
  pg.host = `127.0.0.1:${relay.port}`
  const gw = await startReleaseDemo(t, { ...env, DATABASE_URL: pg.toString() })
  t.equal((await gw.asAdmin('/rules')).status, 200)

  // Refused: the database is down, or nothing listens where it should.
  await relay.cut()
  for (const [path, opts] of [['/rules', {}], ['/usage?days=1', {}], ['/rules', { method: 'POST' as const, json: { range: '<1.0.0', status: 'retired' } }]] as const) {
    const [answer, took] = await timed(gw.asAdmin(path, opts))
    t.equal(answer.status, 503, `${path}: 503`)
    t.same(answer.json, { error: { code: 'EVG_ERR_DATABASE_UNAVAILABLE', message: 'The release database is not answering: try again shortly' } })
    t.equal(answer.headers['retry-after'], '5')
    t.ok(took < 1000, `at once (${took} ms)`)
  }

  // Silent: connections are accepted and never answered (a hung host, a black-holed route).
  const silent = await silentServer(t, relay.port)
  const [rules, rulesTook] = await timed(gw.asAdmin('/rules'))
  t.equal(rules.status, 503)
  t.equal(rules.json.error.code, 'EVG_ERR_DATABASE_UNAVAILABLE')
  t.ok(rulesTook >= 1500 && rulesTook < 3500, `within the admin's 2 s (${rulesTook} ms; it was 5 s)`)
  t.equal((await call(gw.url, '/articles', { version: '3.0.0' })).status, 200, 'the public port serves on')
  t.equal(gw.app.release.usage.pending, 1)
  const [usage, usageTook] = await timed(gw.asAdmin('/usage?days=1'))
  t.equal(usage.status, 503)
  t.ok(usageTook >= 2500 && usageTook < 4500, `a usage answer waits 1 s for the flush, then 2 s (${usageTook} ms; it was 11 s)`)

  await silent.close()
  await relay.restore()
  t.equal((await gw.asAdmin('/rules')).status, 200, 'and it answers again once the database is back')
})

t.test('what counts as the database being away, and what does not', async (t) => {
  const coded = (code: string) => Object.assign(new Error('x'), { code })
  for (const err of [coded('ECONNREFUSED'), coded('ECONNRESET'), coded('08006'), coded('57P01'), coded('53300'),
    new Error('timeout expired'), new Error('Connection terminated unexpectedly'), Object.assign(new Error('Knex: Timeout acquiring a connection'), { name: 'KnexTimeoutError' })]) {
    t.ok(isDatabaseUnavailable(err), err.message)
  }
  for (const err of [coded('23505'), coded('42P01'), new Error('boom'), 'ECONNREFUSED', null]) {
    t.notOk(isDatabaseUnavailable(err), String(err))
  }
})
