import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { call, HEAD, startReleaseDemo, VERSIONS } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'
import { clearOfMidnight } from '../helpers/clock.js'

// The release manager's day, on PostgreSQL: deprecate, retire, check usage.

t.test('deprecate and retire through the admin API', async (t) => {
  const { url, adminUrl, asAdmin, app } = await startReleaseDemo(t, { ...await pgSchema(t), EVERGATE_USAGE_RETENTION_DAYS: '60' })
  const sunset = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)

  t.test('before any rule, every version is supported', async (t) => {
    const res = await call(url, '/profile', { version: '1.2.0' })
    t.equal(res.status, 200)
    t.equal(res.headers.deprecation, undefined)
  })

  t.test('deprecating <2.0.0 adds Deprecation, Sunset and Link to 1.x answers only', async (t) => {
    const created = await asAdmin('/rules', {
      method: 'POST',
      json: { range: '<2.0.0', status: 'deprecated', sunset_date: sunset, upgrade_url: 'https://pulse.example/update', message: 'Pulse 1.x stops working soon' },
      headers: { 'x-evergate-actor': 'rm@pulse' }
    })
    t.equal(created.status, 201)
    t.match(created.json, { id: Number, range: '<2.0.0', status: 'deprecated', updated_by: 'rm@pulse', sunset_date: `${sunset}T00:00:00.000Z` })
    t.ok(Date.parse(created.json.deprecation_date) <= Date.now(), 'deprecated as of now')

    const old = await call(url, '/profile', { version: '1.6.0' })
    t.equal(old.status, 200, 'behaviour is otherwise unchanged')
    t.match(old.headers.deprecation, /^@\d+$/)
    t.equal(old.headers.sunset, new Date(`${sunset}T00:00:00Z`).toUTCString())
    t.equal(old.headers.link, '<https://pulse.example/update>; rel="deprecation", <https://pulse.example/update>; rel="sunset"')
    const error = await call(url, '/articles/art_999', { version: '1.6.0' })
    t.equal(error.status, 404)
    t.match(error.headers.deprecation, /^@\d+$/, 'errors carry the headers too')
    const current = await call(url, '/users/me', { version: '2.0.0' })
    t.equal(current.headers.deprecation, undefined)
  })

  t.test('retiring <1.5.0 answers 1.2.0 with a 426 in its 1.0.0 error shape; 1.6.0 still works', async (t) => {
    const created = await asAdmin('/rules', { method: 'POST', json: { range: '<1.5.0', status: 'retired', upgrade_url: 'https://pulse.example/update', message: null } })
    t.equal(created.status, 201)
    t.equal(created.json.message, null, 'an explicit null stays null (it was once coerced to "")')
    const retired = await call(url, '/profile', { version: '1.2.0', headers: { 'x-app-platform': 'ios' } })
    t.equal(retired.status, 426)
    t.same(retired.json, {
      message: 'This version of the app is no longer supported. Please update to keep using it.',
      code: 426,
      upgrade_url: 'https://pulse.example/update',
      minimum_version: '1.5.0'
    })
    t.equal(retired.headers['x-evergate-error-code'], 'EVG_ERR_APP_RETIRED')
    const bodyNotRead = await call(url, '/profile', { version: '1.2.0', method: 'PUT', body: '{broken', headers: { 'content-type': 'application/json' } })
    t.equal(bodyNotRead.status, 426, 'a retired build is refused before its body is read')
    const still = await call(url, '/profile', { version: '1.6.0' })
    t.equal(still.status, 200)
  })

  t.test('app-status tells an app where it stands, retired or not', async (t) => {
    const retired = await call(url, '/_evergate/app-status', { version: '1.2.0', headers: { 'x-app-platform': 'ios' } })
    t.equal(retired.status, 200)
    t.match(retired.json, {
      app_version: '1.2.0', platform: 'ios', contract_version: '1.0.0', status: 'retired',
      minimum_version: '1.5.0', latest_version: HEAD, upgrade_url: 'https://pulse.example/update'
    })
    t.equal(retired.headers['cache-control'], 'no-store', 'no cache keeps an answer about one build')
    t.equal(retired.headers.vary, 'x-app-version, x-app-platform')
    const deprecated = await call(url, '/_evergate/app-status', { version: '1.6.0' })
    t.match(deprecated.json, { status: 'deprecated', sunset_date: `${sunset}T00:00:00.000Z`, message: 'Pulse 1.x stops working soon' })
    const current = await call(url, '/_evergate/app-status', { version: HEAD })
    t.match(current.json, { status: 'supported', contract_version: HEAD, deprecation_date: null, message: null })
    const tooOld = await call(url, '/_evergate/app-status', { version: '0.9.0' })
    t.match(tooOld.json, { status: 'retired', contract_version: null, message: /no longer supported/ })
    const junk = await call(url, '/_evergate/app-status', { version: 'junk' })
    t.equal(junk.status, 400)
  })

  t.test('bringing a range back into support', async (t) => {
    const { json } = await asAdmin('/rules', { method: 'POST', json: { range: '1.4.x', status: 'supported', platform: 'android' } })
    const android = await call(url, '/profile', { version: '1.4.2', headers: { 'x-app-platform': 'android' } })
    t.equal(android.status, 200)
    t.equal(android.headers.vary, 'x-app-version, x-app-platform', 'rules per platform: a cache keeps answers per platform')
    t.equal((await call(url, '/profile', { version: '1.4.2', headers: { 'x-app-platform': 'ios' } })).status, 426)
    const patched = await asAdmin(`/rules/${json.id}`, { method: 'PATCH', json: { platform: null } })
    t.equal(patched.status, 200)
    t.equal((await call(url, '/profile', { version: '1.4.2', headers: { 'x-app-platform': 'ios' } })).status, 200)
    const deleted = await asAdmin(`/rules/${json.id}`, { method: 'DELETE' })
    t.equal(deleted.status, 200)
    t.equal((await call(url, '/profile', { version: '1.4.2' })).status, 426)
    t.equal((await asAdmin(`/rules/${json.id}`, { method: 'DELETE' })).status, 404)
    t.equal((await asAdmin(`/rules/${json.id}`, { method: 'PATCH', json: { status: 'retired' } })).status, 404)
  })

  t.test('the audit log says who changed what, before and after', async (t) => {
    const { json } = await asAdmin('/audit?limit=3')
    t.same(json.audit.map((a: { action: string }) => a.action), ['delete', 'update', 'create'])
    t.match(json.audit[1], { actor: 'admin', before: { platform: 'android' }, after: { platform: null } })
    t.equal(json.audit[0].after, null)
  })

  t.test('usage per version and platform, with shares', async (t) => {
    const { json } = await asAdmin('/usage?days=1')
    t.ok(json.total > 10)
    const retired = json.versions.find((v: { app_version: string, platform: string }) => v.app_version === '1.2.0' && v.platform === 'ios')
    t.match(retired, { contract_version: '1.0.0', requests: 1 })
    const shares = json.versions.reduce((sum: number, v: { share: number }) => sum + v.share, 0)
    t.ok(Math.abs(shares - 1) < 1e-9, 'shares add up to 1')
    t.equal(app.release.usage.pending, 0, 'the live counts were flushed first')
    t.match(json, { days: 1, retention_days: 60 })
    const longer = await asAdmin('/usage?days=90')
    t.match(longer.json, { days: 60, retention_days: 60, total: json.total }, 'no more days than are kept, and it says so')
  })

  t.test('usage per contract version and route, by status class', async (t) => {
    await call(url, '/profile', { version: '1.2.0' }) // retired: a 426, a 4xx
    await call(url, '/profile', { version: '1.6.0' })
    const { json } = await asAdmin('/usage/routes?days=90')
    t.match(json, { days: 60, retention_days: 60 })
    const contracts = json.routes.map((r: { contract_version: string }) => r.contract_version)
    t.same(contracts, [...contracts].sort((a: string, b: string) => b.localeCompare(a)), 'newest contract first')
    const profile = json.routes.find((r: { contract_version: string, route: string }) => r.contract_version === '1.0.0' && r.route === 'GET /profile')
    t.ok(profile.statuses['2xx'] >= 1 && profile.statuses['4xx'] >= 1, JSON.stringify(profile))
    t.equal(profile.requests, Object.values(profile.statuses as Record<string, number>).reduce((a, b) => a + b, 0), 'every request in one class')
    const perVersion = (await asAdmin('/usage?days=60')).json.total
    t.equal(json.routes.reduce((sum: number, r: { requests: number }) => sum + r.requests, 0), perVersion, 'the same requests as per version')
    const only = await asAdmin('/usage/routes?contract=1.0.0')
    t.ok(only.json.routes.length > 0)
    t.ok(only.json.routes.every((r: { contract_version: string }) => r.contract_version === '1.0.0'), 'one contract version')
    t.same((await asAdmin('/usage/routes?contract=0.0.1')).json.routes, [])
    t.equal((await asAdmin('/usage/routes?days=0')).status, 400)
  })

  t.test('bad rules are refused with a clear error', async (t) => {
    const range = await asAdmin('/rules', { method: 'POST', json: { range: 'two-ish', status: 'retired' } })
    t.equal(range.status, 400)
    t.match(range.json.error, { code: 'EVG_ERR_RULE_INVALID', message: /range "two-ish" is not a semver range/ })
    for (const typo of ['<2.0.0 ||', ' ', '|| 1.x']) {
      const every = await asAdmin('/rules', { method: 'POST', json: { range: typo, status: 'retired' } })
      t.equal(every.status, 400, `"${typo}" would retire every version`)
      t.match(every.json.error, { code: 'EVG_ERR_RULE_INVALID', message: /has an empty part, which semver reads as every version/ })
    }
    const patched = await asAdmin('/rules/1', { method: 'PATCH', json: { range: '<1.0.0 ||' } })
    t.equal(patched.status, 400, 'a change of range is checked too')
    const date = await asAdmin('/rules', { method: 'POST', json: { range: '<1.0.0', status: 'deprecated', sunset_date: '2026-02-31' } })
    t.equal(date.status, 400)
    const platform = await asAdmin('/rules', { method: 'POST', json: { range: '<1.0.0', status: 'retired', platform: 'iphone' } })
    t.match(platform.json.error, { code: 'EVG_ERR_RULE_INVALID', message: /^platform "iphone" is not one apps are told apart by: ios, android, web, other/ })
    t.equal((await asAdmin('/rules/1', { method: 'PATCH', json: { platform: 'iphone' } })).status, 400, 'nor can a change name one')
    const status = await asAdmin('/rules', { method: 'POST', json: { range: '<1.0.0', status: 'gone' } })
    t.equal(status.json.error.code, 'EVG_ERR_VALIDATION')
    const local = await asAdmin('/rules', { method: 'POST', json: { range: '<1.0.0', status: 'deprecated', sunset_date: '2030-12-24T09:00:00' } })
    t.equal(local.status, 400, 'a timestamp without its offset is ambiguous')
    const offset = await asAdmin('/rules', { method: 'POST', json: { range: '<0.1.0', status: 'deprecated', sunset_date: '2030-12-24T23:00:00-05:00' } })
    t.equal(offset.status, 201, 'an offset that moves the UTC day is still a date')
    t.equal(offset.json.sunset_date, '2030-12-25T04:00:00.000Z')
    await asAdmin(`/rules/${String(offset.json.id)}`, { method: 'DELETE' })
    const huge = await asAdmin('/rules/99999999999', { method: 'PATCH', json: { message: 'x' } })
    t.equal(huge.status, 400, 'an id past the column is a bad request, not a 500')
    t.equal(huge.json.error.code, 'EVG_ERR_VALIDATION')
  })

  t.test('metrics and the versions overview', async (t) => {
    const metrics = await asAdmin('/metrics')
    t.match(metrics.text, /evergate_requests_total\{contract="1\.0\.0",platform="ios",route="GET \/profile",status="426"\} 2/)
    t.match(metrics.text, /evergate_upstream_seconds_count\{upstream="core"\} \d+/)
    t.match(metrics.text, /evergate_adapter_chain_seconds_count\{contract="1\.0\.0",direction="response"\} \d+/)
    t.match(metrics.text, /^evergate_release_database_up 1$/m)
    t.match(metrics.text, /^evergate_release_rules [1-9]\d*$/m)
    t.match(metrics.text, /^evergate_usage_pending \d+$/m)
    t.match(metrics.text, /^evergate_usage_dropped_total 0$/m)
    const versions = await asAdmin('/versions')
    t.match(versions.json, { contracts: VERSIONS, minimum_version: '1.5.0', database: { status: 'ok' } })
    t.match(versions.json.versions.find((v: { app_version: string }) => v.app_version === '1.2.0'), { platform: 'ios', status: 'retired' })
  })

  t.test('every admin path needs the token', async (t) => {
    for (const [method, path] of [['GET', '/rules'], ['POST', '/rules'], ['PATCH', '/rules/1'], ['DELETE', '/rules/1'], ['GET', '/audit'], ['GET', '/usage'], ['GET', '/versions'], ['GET', '/metrics'], ['GET', '/nope']] as const) {
      const res = await call(adminUrl, path, { method })
      t.equal(res.status, 401, `${method} ${path}`)
    }
  })
})

t.test('a deprecated client keeps the gateway\'s Deprecation, Sunset and Link over the core\'s', async (t) => {
  // A core with links of its own (pagination) and a Sunset of its own for the resource.
  const core = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.setHeader('link', '</users/me?page=2>; rel="next"')
    res.setHeader('sunset', 'Wed, 01 Jan 2031 00:00:00 GMT')
    res.setHeader('deprecation', '@1')
    res.end('{"id":"usr_1","first_name":"Ada","last_name":"Lovelace","avatar_url":null,"email":"ada@example.com"}')
  })
  await new Promise<void>((resolve) => core.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { core.closeAllConnections(); core.close(resolve) }))
  const { url, asAdmin } = await startReleaseDemo(t, await pgSchema(t), `http://127.0.0.1:${(core.address() as AddressInfo).port}`)
  await asAdmin('/rules', { method: 'POST', json: { range: '<2.5.0', status: 'deprecated', sunset_date: '2030-06-01', upgrade_url: 'https://pulse.example/update' } })
  const gateway = '<https://pulse.example/update>; rel="deprecation", <https://pulse.example/update>; rel="sunset"'
  for (const [version, path] of [['2.3.0', '/users/me'], ['1.0.0', '/profile']]) {
    const res = await call(url, path, { version })
    t.equal(res.status, 200, version)
    t.not(res.headers.deprecation, '@1', `${version}: the gateway's Deprecation`)
    t.match(res.headers.deprecation, /^@\d+$/)
    t.equal(res.headers.sunset, 'Sat, 01 Jun 2030 00:00:00 GMT', `${version}: the gateway's Sunset`)
    t.equal(res.headers.link, `</users/me?page=2>; rel="next", ${gateway}`, `${version}: both sets of links`)
  }
  const current = await call(url, '/users/me', { version: '3.0.0' })
  t.equal(current.headers.link, '</users/me?page=2>; rel="next"', 'a supported client gets the core\'s headers as they are')
  t.equal(current.headers.sunset, 'Wed, 01 Jan 2031 00:00:00 GMT')
})

t.test('latest_version comes from versions in use, not from any string a client sent', async (t) => {
  const { url, app } = await startReleaseDemo(t, await pgSchema(t))
  const { usage, store } = app.release
  for (let i = 0; i < 1000; i++) usage.record('ios', '3.1.0', '3.0.0', 'GET /articles', 200)
  for (let i = 0; i < 100; i++) usage.record('ios', '3.2.0-beta.1', '3.0.0', 'GET /articles', 200)
  for (let i = 0; i < 5; i++) usage.record('ios', '999999.0.0', '3.0.0', 'GET /articles', 200)
  await usage.flush()
  await store.refresh()
  const ios = await call(url, '/_evergate/app-status', { version: '3.1.0', headers: { 'x-app-platform': 'ios' } })
  t.equal(ios.json.latest_version, '3.1.0', 'a version with 0.5 % of the traffic and a beta are not the latest')
  for (let i = 0; i < 100; i++) usage.record('ios', '3.3.0', '3.0.0', 'GET /articles', 200)
  await usage.flush()
  await store.refresh()
  const released = await call(url, '/_evergate/app-status', { version: '3.1.0', headers: { 'x-app-platform': 'ios' } })
  t.equal(released.json.latest_version, '3.3.0', 'a new release in use is')
})

t.test('a rule previewed: the versions whose status it would change, on their traffic, and nothing made', async (t) => {
  const { asAdmin, app } = await startReleaseDemo(t, await pgSchema(t))
  const { usage } = app.release
  const traffic: Array<[string, string, number]> = [['ios', '1.2.0', 600], ['android', '1.2.0', 100], ['ios', '1.6.0', 200], ['ios', '3.0.0', 100]]
  for (const [platform, version, count] of traffic) {
    for (let i = 0; i < count; i++) usage.record(platform, version, '1.0.0', 'GET /profile', 200)
  }
  await asAdmin('/rules', { method: 'POST', json: { range: '<2.0.0', status: 'deprecated' } })
  const audit = (await asAdmin('/audit')).json.audit.length

  const retire = await asAdmin('/rules/preview', { method: 'POST', json: { range: '<1.5.0', status: 'retired' } })
  t.equal(retire.status, 200)
  t.match(retire.json, { days: 30, total: 1000, affected: 700, share: 0.7, rule: { range: '<1.5.0', status: 'retired', platform: null } })
  t.same(retire.json.changes, [
    { app_version: '1.2.0', platform: 'ios', requests: 600, share: 0.6, from: 'deprecated', to: 'retired' },
    { app_version: '1.2.0', platform: 'android', requests: 100, share: 0.1, from: 'deprecated', to: 'retired' }
  ])
  const android = await asAdmin('/rules/preview?days=7', { method: 'POST', json: { range: '<1.5.0', status: 'retired', platform: 'android' } })
  t.match(android.json, { days: 7, affected: 100, changes: [{ platform: 'android' }] })
  t.equal(android.json.changes.length, 1, 'a platform rule changes that platform only')
  const back = await asAdmin('/rules/preview', { method: 'POST', json: { range: '1.6.x', status: 'supported' } })
  t.match(back.json.changes, [{ app_version: '1.6.0', from: 'deprecated', to: 'supported' }], 'the newest rule wins, as it will once made')
  const none = await asAdmin('/rules/preview', { method: 'POST', json: { range: '>=4.0.0', status: 'retired' } })
  t.match(none.json, { affected: 0, share: 0, changes: [] })

  t.equal((await asAdmin('/rules')).json.rules.length, 1, 'no rule was made')
  t.equal((await asAdmin('/audit')).json.audit.length, audit, 'nothing audited')
  const bad = await asAdmin('/rules/preview', { method: 'POST', json: { range: 'soon', status: 'retired' } })
  t.match(bad.json.error, { code: 'EVG_ERR_RULE_INVALID', message: /range "soon" is not a semver range/ })
})

t.test('usage dropped past its key limit is a counter Prometheus can alert on', async (t) => {
  const { asAdmin, app } = await startReleaseDemo(t, { ...await pgSchema(t), EVERGATE_USAGE_MAX_KEYS: '1' })
  for (const version of ['1.0.0', '1.1.0', '1.2.0']) app.release.usage.record('ios', version, '1.0.0', 'GET /profile', 200)
  const dropped = /^evergate_usage_dropped_total (\d+)$/m
  t.equal(dropped.exec((await asAdmin('/metrics')).text)?.[1], '2')
  app.release.usage.record('ios', '1.3.0', '1.0.0', 'GET /profile', 200)
  t.equal(dropped.exec((await asAdmin('/metrics')).text)?.[1], '3', 'counted once each, scrape after scrape')
})

t.test('a range\'s share of each day\'s requests', async (t) => {
  await clearOfMidnight()
  const { asAdmin, app } = await startReleaseDemo(t, { ...await pgSchema(t), EVERGATE_USAGE_RETENTION_DAYS: '40' })
  const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10)
  const row = (ago: number, platform: string, version: string, count: number) =>
    ({ day: day(ago), platform, app_version: version, contract_version: '1.0.0', route: 'GET /profile', status_class: '2xx', count })
  await app.release.repository.addUsage([
    row(2, 'ios', '1.2.0', 40), row(2, 'ios', '3.0.0', 60), row(1, 'ios', '1.2.0', 20), row(1, 'android', '1.2.0', 20), row(1, 'ios', '3.0.0', 60)
  ])
  app.release.usage.record('ios', '3.0.0', '3.0.0', 'GET /users/me', 200) // today, still in memory
  const res = await asAdmin(`/usage/trend?range=${encodeURIComponent('<2.0.0')}&days=3`)
  t.equal(res.status, 200)
  t.same(res.json, {
    range: '<2.0.0',
    platform: null,
    days: 3,
    retention_days: 40,
    trend: [
      { day: day(2), total: 100, requests: 40, share: 0.4 },
      { day: day(1), total: 100, requests: 40, share: 0.4 },
      { day: day(0), total: 1, requests: 0, share: 0 }
    ]
  })
  const ios = await asAdmin(`/usage/trend?range=${encodeURIComponent('<2.0.0')}&platform=ios&days=60`)
  t.match(ios.json, { platform: 'ios', days: 40 }, 'no more days than are kept')
  t.match(ios.json.trend.at(-2), { total: 80, requests: 20, share: 0.25 })
  t.equal(ios.json.trend.length, 40)
  // More versions than a statement takes parameters (65,535): a script can make up that many.
  await app.release.db.knex.raw(`insert into evergate_usage (day, platform, app_version, contract_version, route, status_class, count)
    select ?::date, 'web', '1.' || n || '.0', '1.0.0', 'GET /profile', '2xx', 1 from generate_series(1, 70000) as n`, [day(3)])
  const many = await asAdmin(`/usage/trend?range=${encodeURIComponent('<2.0.0')}&platform=web&days=4`)
  t.equal(many.status, 200)
  t.match(many.json.trend[0], { total: 70000, requests: 70000, share: 1 }, '70,000 versions in the range')
  const bad = await asAdmin('/usage/trend?range=soon')
  t.match(bad.json.error, { code: 'EVG_ERR_QUERY_INVALID', message: /"soon" is not a semver range/ })
  const platform = await asAdmin('/usage/trend?range=*&platform=iphone')
  t.match(platform.json.error, { code: 'EVG_ERR_QUERY_INVALID', message: /platform "iphone" is not one apps are told apart by/ })
  t.equal((await asAdmin('/usage/trend?range=*&platform=unknown')).status, 200, 'apps that name no platform')
  t.equal((await asAdmin('/usage/trend')).json.error.code, 'EVG_ERR_VALIDATION', 'a range is required')
})

t.test('made-up app versions past the day\'s limit are counted as "other", not a row each', async (t) => {
  await clearOfMidnight()
  const { url, asAdmin } = await startReleaseDemo(t, { ...await pgSchema(t), EVERGATE_USAGE_MAX_NEW_VERSIONS: '2' })
  await asAdmin('/releases', { method: 'POST', json: { version: '3.4.0', platform: 'ios' } })
  for (const version of [HEAD, '3.2.1', '3.999999.1', '3.999999.2', '3.999999.3', '3.4.0']) {
    t.equal((await call(url, '/users/me', { version, headers: { 'x-app-platform': 'ios' } })).status, 200, `${version} is served all the same`)
  }
  const { json } = await asAdmin('/usage?days=1')
  t.same(json.versions.map((v: { app_version: string, requests: number }) => `${v.app_version} ${v.requests}`).sort(),
    [`${HEAD} 1`, '3.2.1 1', '3.4.0 1', '3.999999.1 1', 'other 2'].sort(), 'a contract and an announced release are known: not in the limit')
  t.match((await asAdmin('/metrics')).text, /^evergate_usage_other_versions_total 2$/m)
  t.notOk((await asAdmin('/versions')).json.versions.some((v: { app_version: string }) => v.app_version === 'other'), 'not a version')
})

t.test('listings of app versions are bounded, busiest first, and say what they leave out', async (t) => {
  await clearOfMidnight()
  const { asAdmin, app } = await startReleaseDemo(t, await pgSchema(t))
  const day = new Date().toISOString().slice(0, 10)
  const row = (version: string, count: number) =>
    ({ day, platform: 'ios', app_version: version, contract_version: '3.0.0', route: 'GET /articles', status_class: '2xx', count })
  // A client that made up 1,200 versions, one request each, beside two real builds.
  const madeUp = Array.from({ length: 1200 }, (_, i) => row(`3.999.${i}`, 1))
  await app.release.repository.addUsage([row('3.0.0', 100), row('3.1.0', 50), ...madeUp])

  const versions = (await asAdmin('/versions')).json
  t.equal(versions.versions.length, 500, '500 by default')
  t.equal(versions.not_listed, 702)
  t.ok(['3.0.0', '3.1.0'].every((v) => versions.versions.some((s: { app_version: string }) => s.app_version === v)), 'the real builds first')
  t.same((await asAdmin('/versions?limit=2')).json.versions.map((v: { app_version: string }) => v.app_version), ['3.0.0', '3.1.0'])

  const usage = (await asAdmin('/usage?days=1&limit=2')).json
  t.same(usage.versions.map((v: { app_version: string, requests: number, share: number }) => [v.app_version, v.requests, v.share]),
    [['3.0.0', 100, 100 / 1350], ['3.1.0', 50, 50 / 1350]], 'shares of all the requests, not of those listed')
  t.equal(usage.total, 1350)
  t.same(usage.not_listed, { versions: 1200, requests: 1200 })
  t.equal((await asAdmin('/usage?days=1')).json.not_listed.versions, 702)
  for (const path of ['/versions?limit=0', '/usage?limit=10001']) {
    t.equal((await asAdmin(path)).json.error.code, 'EVG_ERR_VALIDATION', path)
  }
})
