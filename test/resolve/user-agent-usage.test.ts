import t from 'tap'
import { call, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'

// Issue 17: the User-Agent fallback read any product token, so `okhttp/4.12.0` was counted as
// app 4.12.0. Only the deployment's own apps are read now, and a bare build number is none.
t.test('HTTP libraries and systems are never counted as app versions', async (t) => {
  const gw = await startReleaseDemo(t, { ...await pgSchema(t), EVERGATE_USER_AGENT_APPS: 'Pulse' })
  t.equal((await gw.asAdmin('/rules', { method: 'POST', json: { range: '<2.0.0', status: 'deprecated' } })).status, 201)
  const agents = {
    'okhttp/4.12.0': '3.0.0',
    'curl/7.88.1': '3.0.0',
    'Dalvik/2.1.0 (Linux; U; Android 14)': '3.0.0',
    'Dalvik/1.6.0': '3.0.0',
    'Pulse/451 CFNetwork/1410.0.3 Darwin/22.6.0': '3.0.0',
    'Pulse/2.1.0 (iPhone; iOS 17.0)': '2.0.0',
    'Pulse/2.4.0': '2.3.0'
  }
  for (const [userAgent, contract] of Object.entries(agents)) {
    const res = await call(gw.url, '/articles', { headers: { 'user-agent': userAgent } })
    t.equal(res.status, 200, userAgent)
    t.equal(res.headers['x-contract-version'], contract, userAgent)
    t.equal(res.headers.deprecation, undefined, `${userAgent}: not told that <2.0.0 is deprecated`)
  }
  await gw.app.release.usage.flush()
  const { json } = await gw.asAdmin('/usage?days=1')
  const counted = Object.fromEntries(json.versions.map((v: { app_version: string, requests: number }) => [v.app_version, v.requests]))
  t.same(counted, { none: 5, '2.1.0': 1, '2.4.0': 1 }, 'libraries, systems and build numbers count as no version sent')
})
