import t from 'tap'
import { call, HEAD, startDemo, VERSIONS } from '../helpers/gateway.js'

t.test('/_evergate endpoints', async (t) => {
  const { url } = await startDemo(t)

  t.test('health and readiness', async (t) => {
    t.same((await call(url, '/_evergate/health')).json, { status: 'ok' })
    t.same((await call(url, '/_evergate/ready', { version: 'junk' })).json, { status: 'ready', head: HEAD, upstreams: ['core'], database: null },
      'the version header does not matter here')
  })

  t.test('the changelog, newest first, one line per change', async (t) => {
    const { json } = await call(url, '/_evergate/changelog')
    t.equal(json.head, HEAD)
    t.same(json.versions.map((v: { version: string }) => v.version), [...VERSIONS].reverse())
    t.match(json.versions.find((v: { version: string }) => v.version === '3.0.0').changes[0], /folder/)
    t.same(json.versions.at(-1).changes, [], 'the first release changed nothing')
  })

  t.test('each contract version, as published', async (t) => {
    t.same((await call(url, '/_evergate/contracts')).json, { head: HEAD, versions: VERSIONS })
    const v1 = await call(url, '/_evergate/contracts/1.0.0')
    t.ok(v1.json.routes['GET /profile'])
    const missing = await call(url, '/_evergate/contracts/0.1.0', { version: '1.0.0' })
    t.equal(missing.status, 404)
    t.same(missing.json, { message: 'No contract version 0.1.0', code: 404 })
  })

})
