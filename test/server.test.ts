import { connect } from 'node:net'
import t from 'tap'
import Fastify from 'fastify'
import { request } from 'undici'
import { loadConfig } from '../src/config.js'
import { start } from '../src/server.js'
import bundle from '../versions/index.js'
import { pgSchema } from './helpers/database.js'
import { urlOf } from './helpers/gateway.js'

t.test('graceful close: in-flight requests finish, new ones are refused, pools close', async (t) => {
  let release: () => void = () => {}
  const slowCore = Fastify()
  slowCore.get('/users/me', async () => {
    await new Promise<void>((resolve) => { release = resolve })
    return { id: 'usr_1' }
  })
  await slowCore.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => slowCore.close())

  const config = loadConfig({ CORE_URL: urlOf(slowCore), LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', EVERGATE_RELEASE_MANAGEMENT: 'false' })
  const { app, address, admin } = await start({ config, bundle, graceMs: 2000 })
  t.match(address, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.equal(admin, null, 'no release management, no admin API')

  const inFlight = request(`${address}/users/me`)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const closed = app.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  await t.rejects(request(`${address}/_evergate/health`, { reset: true }), 'no new connections while closing')
  release()
  const res = await inFlight
  t.equal(res.statusCode, 200, 'the in-flight request completed')
  t.same(await res.body.json(), { id: 'usr_1' })
  await closed
  t.ok(app.upstreams.get('core')?.pool.closed, 'the core pool is closed')
})

t.test('the admin API listens on its own port only when a token is set', async (t) => {
  const env = { ...(await pgSchema(t)), LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ADMIN_PORT: '0' }
  const off = await start({ config: loadConfig(env), bundle })
  t.teardown(() => off.app.close())
  t.equal(off.adminAddress, null)

  let closed = false
  const on = await start({ config: loadConfig({ ...env, EVERGATE_ADMIN_TOKEN: 's3cret' }), bundle, onClose: async () => { closed = true } })
  t.teardown(() => Promise.all([on.admin?.close(), on.app.close()]))
  t.not(on.adminAddress, on.address)
  const rules = await request(`${on.adminAddress}/rules`, { headers: { authorization: 'Bearer s3cret' } })
  t.equal(rules.statusCode, 200)
  await rules.body.dump()
  const publicRules = await request(`${on.address}/rules`)
  t.equal(publicRules.statusCode, 404, 'the admin API is never on the public port')
  await publicRules.body.dump()
  t.notOk(closed)
})

t.test('while closing, /ready says 503 and a request on an open connection is still served', async (t) => {
  const releases: Array<() => void> = []
  const slowCore = Fastify()
  slowCore.get('/users/me', async () => {
    await new Promise<void>((resolve) => releases.push(resolve))
    return { id: 'usr_1' }
  })
  slowCore.get('/articles', async () => ({ items: [], next_cursor: null }))
  await slowCore.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => slowCore.close())
  const config = loadConfig({ CORE_URL: urlOf(slowCore), LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', EVERGATE_RELEASE_MANAGEMENT: 'false' })
  const { app, address } = await start({ config, bundle, graceMs: 2000 })

  // Two kept-alive connections, each busy with a slow request when the close begins; the next
  // request on each is written after it has begun.
  const { port } = new URL(address)
  const sockets = [connect(Number(port), '127.0.0.1'), connect(Number(port), '127.0.0.1')]
  const received = sockets.map((socket) => {
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    return new Promise<string>((resolve) => socket.on('close', () => resolve(data)))
  })
  for (const socket of sockets) socket.write('GET /users/me HTTP/1.1\r\nHost: x\r\n\r\n')
  while (releases.length < 2) await new Promise((resolve) => setTimeout(resolve, 10))
  const closed = app.close()
  await new Promise((resolve) => setTimeout(resolve, 50))
  sockets[0].write('GET /_evergate/ready HTTP/1.1\r\nHost: x\r\n\r\n')
  sockets[1].write('GET /articles HTTP/1.1\r\nHost: x\r\nX-App-Version: 1.0.0\r\n\r\n')
  await new Promise((resolve) => setTimeout(resolve, 50))
  for (const release of releases) release()
  const [ready, articles] = await Promise.all(received)
  await closed
  t.match(ready, /^HTTP\/1\.1 200 [^]*HTTP\/1\.1 503 [^]*connection: close[^]*\{"status":"draining"\}$/i)
  t.match(articles, /^HTTP\/1\.1 200 [^]*HTTP\/1\.1 200 [^]*connection: close[^]*\[\]$/i, 'served in the 1.0.0 contract')
})
