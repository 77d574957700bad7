import { fork } from 'node:child_process'
import { once } from 'node:events'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Client, request } from 'undici'
import { startCore } from './helpers/gateway.js'

// SIGTERM as an orchestrator sends it, to a gateway in its own process. Each test forks one or
// two, which takes seconds on a busy machine: the file gets more than tap's 60 s.
t.setTimeout(240_000)

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

/**
 * Steady load as clients behind a balancer send it: each of `connections` kept-alive connections
 * sends its next request as soon as the last is answered. A connection the gateway answers with
 * `Connection: close` is replaced by a new one until `outOfPool()` (the balancer has taken the
 * instance out: new connections go elsewhere); existing ones keep sending until told to close.
 * Returns what was served, after SIGTERM too, and every request that got no answer.
 */
function steadyLoad (address: string, connections: number, outOfPool: () => boolean) {
  let stopped = false
  let served = 0
  let servedAfterSignal = 0
  let signalled = false
  const failures: string[] = []
  const loops = Array.from({ length: connections }, async () => {
    let client = new Client(address, { pipelining: 1 })
    try {
      while (!stopped) {
        const res = await client.request({ path: '/articles', method: 'GET', headers: { 'x-app-version': '2.3.0' } })
        await res.body.dump()
        served++
        if (signalled) servedAfterSignal++
        if (res.headers.connection !== 'close') continue
        if (outOfPool()) return
        await client.close()
        client = new Client(address, { pipelining: 1 })
      }
    } catch (err) {
      failures.push(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`)
    } finally {
      await client.destroy()
    }
  })
  return {
    served: () => served,
    signalled: () => { signalled = true },
    stop: async () => {
      stopped = true
      await Promise.all(loops)
      return { served, servedAfterSignal, failures }
    }
  }
}

t.test('SIGTERM under steady keep-alive load resets no request, with or without a drain delay', async (t) => {
  // Issue 17, defect 7: 2 of 2,399 requests were reset. Kept-alive connections were closed the
  // moment they were idle, while a client could be sending its next request on one; and during
  // the drain nothing told clients to move their connections elsewhere.
  for (const drainDelay of [0, 600]) {
    {
      const { child, address } = await serve(t, { GRACE_MS: '5000', EVERGATE_DRAIN_DELAY_MS: String(drainDelay) })
      let signalledAt = Infinity
      // Balancers notice a drain a little after it begins; an instance without one is gone at once.
      const load = steadyLoad(address, 16, () => Date.now() >= signalledAt + drainDelay / 3)
      // Past the cold start: a steady flow of requests.
      while (load.served() < 200) await new Promise((resolve) => setTimeout(resolve, 20))
      signalledAt = Date.now()
      load.signalled()
      child.kill('SIGTERM')
      const [code] = await once(child, 'exit') as [number | null]
      const { served, servedAfterSignal, failures } = await load.stop()
      t.equal(code, 0)
      t.same(failures, [], `drain ${drainDelay} ms: ${served} served, ${servedAfterSignal} of them after SIGTERM, none reset`)
      t.ok(servedAfterSignal > 0, 'the load went on through the close')
    }
  }
})
