import { createServer, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { run, type Io } from '../../src/cli.js'
import { DEFAULT_TIMEOUT_MS, timeoutOf } from '../../src/cli/admin-client.js'

// Issue 17: against an admin port that accepts and never answers, `versions list` sat silent for
// 93 s. A real TCP server here accepts, reads, and says nothing.
t.test('an admin API that never answers: the CLI says which URL, after the timeout', async (t) => {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => { sockets.add(socket); socket.resume() })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of sockets) s.destroy(); server.close() })
  const adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const cases: Array<[Record<string, string>, string[], RegExp]> = [
    [{}, ['versions', 'usage', '--timeout', '300'], new RegExp(`did not answer GET ${adminUrl}/usage\\?days=7 within 300 ms`)],
    [{ EVERGATE_ADMIN_TIMEOUT_MS: '300' }, ['versions', 'list', '--json'], new RegExp(`did not answer GET ${adminUrl}/(rules|releases|versions) within 300 ms`)],
    [{ EVERGATE_ADMIN_TIMEOUT_MS: '60000' }, ['versions', 'retire', '<1.0.0', '--timeout', '300'], new RegExp(`did not answer POST ${adminUrl}/rules within 300 ms`)]
  ]
  for (const [env, argv, message] of cases) {
    const err: string[] = []
    const io: Io = { out: () => {}, err: (l) => err.push(l), env: { EVERGATE_ADMIN_URL: adminUrl, EVERGATE_ADMIN_TOKEN: 't', ...env } }
    const started = Date.now()
    t.equal(await run(argv, io), 1, argv.join(' '))
    const took = Date.now() - started
    t.ok(took >= 290 && took < 5000, `${argv.join(' ')}: gave up after ${took} ms`)
    t.match(err[0], message, argv.join(' '))
    t.match(err[0], /--timeout or EVERGATE_ADMIN_TIMEOUT_MS to wait longer/)
  }
  t.ok(sockets.size >= 3, 'each call did connect: the silence was the server\'s')
})

t.test('the timeout: --timeout, then EVERGATE_ADMIN_TIMEOUT_MS, then 10 s', async (t) => {
  t.equal(DEFAULT_TIMEOUT_MS, 10_000)
  t.equal(timeoutOf(undefined, {}), 10_000)
  t.equal(timeoutOf(undefined, { EVERGATE_ADMIN_TIMEOUT_MS: '' }), 10_000)
  t.equal(timeoutOf(undefined, { EVERGATE_ADMIN_TIMEOUT_MS: '2500' }), 2500)
  t.equal(timeoutOf('500', { EVERGATE_ADMIN_TIMEOUT_MS: '2500' }), 500)
  t.throws(() => timeoutOf('1.5', {}), /--timeout "1\.5" is not a number of milliseconds/)
})
