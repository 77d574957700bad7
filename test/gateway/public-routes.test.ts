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

t.test('an OpenAPI document per contract version', async (t) => {
  const { url } = await startDemo(t)
  const v1 = (await call(url, '/_evergate/contracts/1.0.0/openapi.json')).json
  t.equal(v1.openapi.startsWith('3.'), true)
  t.equal(v1.info.version, '1.0.0')
  t.same(Object.keys(v1.paths).sort(), ['/articles', '/articles/{id}', '/bookmarks', '/profile'])
  t.ok(v1.paths['/profile'].put.requestBody, 'PUT /profile documents its body')
  const profile = v1.paths['/profile'].get.responses
  t.ok(profile['200'].content['application/json'].schema.properties.name, '1.0.0 apps see name')
  t.ok(profile.default.content['application/json'].schema.properties.message, 'and the flat error shape')

  const head = (await call(url, `/_evergate/contracts/${HEAD}/openapi.json`)).json
  t.same(Object.keys(head.paths).sort(), ['/articles', '/articles/{id}', '/bookmarks', '/users/me'])
  t.ok(head.paths['/users/me'].patch)

  const missing = await call(url, '/_evergate/contracts/9.9.9/openapi.json')
  t.equal(missing.status, 404)
  t.equal(missing.json.error.code, 'EVG_ERR_CONTRACT_NOT_FOUND')
})
