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
