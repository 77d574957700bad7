import t from 'tap'
import { call, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'

// Issue 17, defect 1: app-status refused a version it could not read with Fastify's own body, in
// no contract's shape and with no code.

t.test('app-status errors are in the shape of the version that cannot be read', async (t) => {
  const env = await pgSchema(t)
  const head = await startReleaseDemo(t, env)
  const junk = await call(head.url, '/_evergate/app-status', { version: 'v' })
  t.equal(junk.status, 400)
  t.same(junk.json, { error: { code: 'EVG_ERR_VERSION_INVALID', message: 'x-app-version "v" is not an app version (expected something like 3.2.1)' } })
  t.equal(junk.headers['x-evergate-error-code'], 'EVG_ERR_VERSION_INVALID')
  t.equal(junk.headers['cache-control'], 'no-store')

  // Where a request with no readable version is served as 1.0.0, it is told so in 1.0.0's shape.
  const old = await startReleaseDemo(t, { ...env, EVERGATE_MISSING_VERSION: '1.0.0' }, head.coreUrl)
  const v1 = await call(old.url, '/_evergate/app-status', { version: 'v' })
  t.equal(v1.status, 400)
  t.same(v1.json, { message: 'x-app-version "v" is not an app version (expected something like 3.2.1)', code: 400 })
  t.equal(v1.headers['x-evergate-error-code'], 'EVG_ERR_VERSION_INVALID')
})
