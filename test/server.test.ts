import t from 'tap'
import Fastify from 'fastify'
import { request } from 'undici'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { listen } from '../src/server.js'
import bundle from '../versions/index.js'
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

  const config = loadConfig({ CORE_URL: urlOf(slowCore), LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1' })
  const app = await buildApp({ config, bundle })
  const address = await listen(app, { ...config, graceMs: 2000 })
  t.match(address, /^http:\/\/127\.0\.0\.1:\d+$/)

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
