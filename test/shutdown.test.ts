import { fork } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'
import { startCore } from './helpers/gateway.js'

// SIGTERM as an orchestrator sends it, to a gateway in its own process.

async function serve (t: { teardown (fn: () => unknown): void }, env: Record<string, string>) {
  const { url: coreUrl } = await startCore(t)
  const child = fork(fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url)), {
    env: { ...process.env, CORE_URL: coreUrl, ...env },
    execArgv: process.execArgv,
    stdio: 'ignore'
  })
  t.teardown(() => { child.kill('SIGKILL') })
  const [{ address }] = await once(child, 'message') as [{ address: string }]
  return { child, address }
}

t.test('a client that stalls its body does not keep a shutdown past its grace', async (t) => {
  const { child, address } = await serve(t, { GRACE_MS: '3000' })

  // It announces 100 bytes and sends one; the request timeout (30 s) is longer than the grace.
  const { port } = new URL(address)
  const stalled = connect(Number(port), '127.0.0.1', () => {
    stalled.write('POST /bookmarks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{')
  })
  stalled.on('error', () => {})
  await once(stalled, 'connect')
  await new Promise((resolve) => setTimeout(resolve, 200))

  const started = Date.now()
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0, 'closed cleanly, not killed by the grace timer')
  t.ok(Date.now() - started < 3000, `within the grace (${Date.now() - started} ms)`)
  t.ok(stalled.destroyed || stalled.readableEnded || (await once(stalled, 'close'), true), 'the stalled connection was closed')
})

t.test('with a drain delay, a new connection after SIGTERM is served and told /ready 503', async (t) => {
  const { child, address } = await serve(t, { GRACE_MS: '3000', EVERGATE_DRAIN_DELAY_MS: '600' })
  const started = Date.now()
  child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 150))
  const ready = await request(`${address}/_evergate/ready`, { reset: true })
  t.equal(ready.statusCode, 503, 'balancers are told to stop sending')
  t.same(await ready.body.json(), { status: 'draining' })
  const served = await request(`${address}/articles`, { reset: true, headers: { 'x-app-version': '3.0.0' } })
  t.equal(served.statusCode, 200, 'and what still comes is served, on a new connection too')
  await served.body.dump()
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0)
  t.ok(Date.now() - started >= 600, `closed after the delay (${Date.now() - started} ms)`)
})

t.test('a second signal during the drain closes at once, still gracefully', async (t) => {
  const { child } = await serve(t, { GRACE_MS: '3000', EVERGATE_DRAIN_DELAY_MS: '5000' })
  const closed = new Promise((resolve) => child.on('message', (m: { closed?: boolean }) => { if (m.closed === true) resolve(true) }))
  const started = Date.now()
  child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 150))
  child.kill('SIGINT')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0, 'not the exit(1) of a second signal while closing')
  t.equal(await closed, true, 'the close ran to its end (usage flushed, pools shut)')
  t.ok(Date.now() - started < 3000, `without waiting out the drain (${Date.now() - started} ms)`)
})

t.test('a second SIGTERM ends the drain early', async (t) => {
  const { child } = await serve(t, { GRACE_MS: '3000', EVERGATE_DRAIN_DELAY_MS: '5000' })
  const started = Date.now()
  child.kill('SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 150))
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0)
  t.ok(Date.now() - started < 3000, `${Date.now() - started} ms`)
})
