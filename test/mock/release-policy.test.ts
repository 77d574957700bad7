import { existsSync } from 'node:fs'
import t from 'tap'
import { call } from '../helpers/gateway.js'
import { breach, startDemoMock } from '../helpers/mock.js'

// An app team tests its force-update screen against the mock: the rules are simulated, the 426,
// the deprecation headers and app-status are the release policy's own.

const STORE = 'https://apps.apple.com/app/pulse/id0000000000'
const { mock, url } = await startDemoMock(t, {
  env: { EVERGATE_STORE_URLS: `ios=${STORE}` },
  rules: [
    { range: '<2.0.0', status: 'deprecated', sunset_date: '2099-01-31' },
    { range: '<1.5.0', status: 'retired', message: 'Update Pulse to keep reading.' },
    { range: '2.0.x', status: 'retired', platform: 'android' }
  ]
})

t.test('a retired version gets the real upgrade answer, in its own error shape', async (t) => {
  const res = await call(url, '/profile', { version: '1.2.0', headers: { 'x-app-platform': 'ios' } })
  t.equal(res.status, 426)
  t.equal(res.headers['x-evergate-error-code'], 'EVG_ERR_APP_RETIRED')
  t.same(res.json, { message: 'Update Pulse to keep reading.', code: 426, upgrade_url: STORE, minimum_version: '1.5.0' })
  t.equal(breach('1.0.0', 'GET /profile', res.status, res.json), null, 'as 1.0.0 apps were built to read it')
  const status = await call(url, '/_evergate/app-status', { version: '1.2.0', headers: { 'x-app-platform': 'ios' } })
  t.match(status.json, { status: 'retired', minimum_version: '1.5.0', upgrade_url: STORE, message: 'Update Pulse to keep reading.' })
})

t.test('a deprecated version is served, with the deprecation headers', async (t) => {
  const res = await call(url, '/profile', { version: '1.6.0', headers: { 'x-app-platform': 'ios' } })
  t.equal(res.status, 200)
  t.equal(breach('1.0.0', 'GET /profile', res.status, res.json), null)
  t.match(res.headers.deprecation, /^@\d+$/)
  t.equal(res.headers.sunset, 'Sat, 31 Jan 2099 00:00:00 GMT')
  t.equal(res.headers.link, `<${STORE}>; rel="deprecation", <${STORE}>; rel="sunset"`)
  const supported = await call(url, '/users/me', { version: '2.3.0' })
  t.same([supported.status, supported.headers.deprecation], [200, undefined], 'a version no rule names is supported')
})

t.test('a rule for one platform leaves the others alone', async (t) => {
  const android = await call(url, '/users/me', { version: '2.0.4', headers: { 'x-app-platform': 'android' } })
  t.equal(android.status, 426)
  t.same(android.json.error.code, 'EVG_ERR_APP_RETIRED', '2.0.0\'s error shape')
  const ios = await call(url, '/users/me', { version: '2.0.4', headers: { 'x-app-platform': 'ios' } })
  t.equal(ios.status, 200)
})

t.test('the rules live in an embedded database in memory: no folder is written', async (t) => {
  t.equal(mock.app.release.db.kind, 'embedded')
  t.notOk(existsSync('memory:'), 'PGlite\'s memory:// is not taken for a folder')
  t.equal((await mock.app.release.repository.listRules()).length, 3)
  t.match((await mock.app.release.repository.audit(10))[0], { actor: 'evergate mock', action: 'create' })
})
