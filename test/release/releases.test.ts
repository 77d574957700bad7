import t from 'tap'
import { call, HEAD, startCore, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'
import { clearOfMidnight } from '../helpers/clock.js'

// A release manager announces a release the day it is in the store: from then on, app-status tells
// the apps on that platform there is an update, on every instance, with no wait for its traffic.

const status = async (url: string, version: string, platform?: string) =>
  (await call(url, '/_evergate/app-status', { version, headers: platform === undefined ? {} : { 'x-app-platform': platform } })).json

t.test('announcing and withdrawing releases', async (t) => {
  await clearOfMidnight()
  const env = await pgSchema(t)
  const { url: coreUrl } = await startCore(t)
  const a = await startReleaseDemo(t, env, coreUrl)
  const b = await startReleaseDemo(t, env, coreUrl)

  t.test('before any announcement, the newest contract version is the latest', async (t) => {
    t.match(await status(b.url, HEAD, 'ios'), { latest_version: HEAD, update_available: false })
    t.match(await status(b.url, '2.4.0', 'ios'), { latest_version: HEAD, update_available: true })
  })

  let ios34 = 0
  t.test('a release announced on one instance is the latest on every instance within a second', async (t) => {
    const created = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.4.0', platform: 'ios' }, headers: { 'x-evergate-actor': 'rm@pulse' } })
    t.equal(created.status, 201)
    t.match(created.json, { id: Number, version: '3.4.0', platform: 'ios', created_by: 'rm@pulse' })
    t.ok(Date.parse(created.json.released_at) <= Date.now(), 'out as of now')
    ios34 = created.json.id
    t.match(await status(a.url, '3.0.0', 'ios'), { latest_version: '3.4.0', update_available: true }, 'at once on the instance that took it')
    await new Promise((resolve) => setTimeout(resolve, 1000))
    t.match(await status(b.url, '3.0.0', 'ios'), { latest_version: '3.4.0', update_available: true })
    t.match(await status(b.url, '3.4.0', 'ios'), { latest_version: '3.4.0', update_available: false })
    t.match(await status(b.url, '3.5.0-beta.2', 'ios'), { latest_version: '3.4.0', update_available: false }, 'a beta of the next one')
    t.match(await status(b.url, HEAD, 'android'), { latest_version: HEAD, update_available: false }, 'not on another platform')
    t.match(await status(b.url, HEAD), { latest_version: HEAD }, 'nor for an app that names no platform')
  })

  t.test('a release for every platform, and one dated later', async (t) => {
    const everywhere = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.3.0' } })
    t.equal(everywhere.status, 201)
    t.equal(everywhere.json.platform, null)
    const later = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)
    const scheduled = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.5.0', platform: 'ios', released_at: later } })
    t.equal(scheduled.status, 201)
    t.equal(scheduled.json.released_at, `${later}T00:00:00.000Z`)
    t.match(await status(a.url, '3.0.0', 'android'), { latest_version: '3.3.0' })
    t.match(await status(a.url, '3.0.0'), { latest_version: '3.3.0' })
    t.match(await status(a.url, '3.0.0', 'ios'), { latest_version: '3.4.0' }, 'ios: its own 3.4.0 is newer, and 3.5.0 is not out yet')
    const { json } = await a.asAdmin('/versions')
    t.same(json.latest, [
      { platform: 'ios', version: '3.4.0', source: 'announced' },
      { platform: 'android', version: '3.3.0', source: 'announced' },
      { platform: 'web', version: '3.3.0', source: 'announced' }
    ], 'each platform apps are told apart by (other and unknown once apps are seen there)')
  })

  t.test('withdrawing a release pulled from the store takes "latest" back', async (t) => {
    const withdrawn = await a.asAdmin(`/releases/${ios34}`, { method: 'DELETE', headers: { 'x-evergate-actor': 'rm@pulse' } })
    t.equal(withdrawn.status, 200)
    t.match(withdrawn.json, { id: ios34, version: '3.4.0', withdrawn_by: 'rm@pulse', withdrawn_at: String })
    await new Promise((resolve) => setTimeout(resolve, 1000))
    t.match(await status(b.url, '3.0.0', 'ios'), { latest_version: '3.3.0' }, 'the release for every platform stands')
    const again = await a.asAdmin(`/releases/${ios34}`, { method: 'DELETE' })
    t.equal(again.status, 404)
    t.match(again.json.error, { code: 'EVG_ERR_RELEASE_NOT_FOUND', message: `No release ${ios34}, or it is withdrawn already` })
    const { json } = await a.asAdmin('/audit?limit=10')
    const releases = json.audit.filter((entry: { release_id: number | null }) => entry.release_id !== null)
    t.match(releases[0], {
      action: 'withdraw', actor: 'rm@pulse', rule_id: null, release_id: ios34,
      before: { version: '3.4.0', platform: 'ios', withdrawn_at: null }, after: { withdrawn_by: 'rm@pulse' }
    })
    t.match(releases.at(-1), { action: 'create', release_id: ios34, before: null, after: { version: '3.4.0' } })
    t.equal(releases.length, 4, 'three announcements and a withdrawal')
    const listed = (await a.asAdmin('/releases')).json.releases.find((r: { id: number }) => r.id === ios34)
    t.match(listed, { version: '3.4.0', withdrawn_by: 'rm@pulse' }, 'the list keeps it, withdrawn')
  })

  t.test('the traffic of a withdrawn release does not bring it back; announcing it again does', async (t) => {
    const { usage, store } = b.app.release
    for (let i = 0; i < 100; i++) usage.record('android', '3.4.0', '3.0.0', 'GET /articles', 200)
    const pulled = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.4.0', platform: 'android' } })
    t.equal(pulled.status, 201, 'a withdrawn version can be announced again, here on another platform')
    t.equal((await a.asAdmin(`/releases/${pulled.json.id as number}`, { method: 'DELETE' })).status, 200)
    const everywhere = (await a.asAdmin('/releases')).json.releases.find((r: { version: string }) => r.version === '3.3.0')
    t.equal((await a.asAdmin(`/releases/${everywhere.id as number}`, { method: 'DELETE' })).status, 200)
    await usage.flush()
    await store.refresh()
    t.match(await status(b.url, HEAD, 'android'), { latest_version: HEAD }, 'no release stands on android, and 3.4.0 is in use there but withdrawn')
    t.same(store.latest.of('android'), { version: HEAD, source: 'contract' })
    const back = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.4.0', platform: 'android' } })
    t.equal(back.status, 201)
    await store.refresh()
    t.same(store.latest.of('android'), { version: '3.4.0', source: 'announced' })
  })

  t.test('bad announcements are refused with a clear error, and nothing is kept', async (t) => {
    const before = (await a.asAdmin('/releases')).json.releases.length
    const again = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.4.0', platform: 'android' } })
    t.equal(again.status, 409)
    t.match(again.json.error, { code: 'EVG_ERR_RELEASE_EXISTS', message: 'Release 3.4.0 is already announced for android' })
    t.equal((await a.asAdmin('/releases', { method: 'POST', json: { version: '3.4.0' } })).status, 201, 'the same version for every platform is another announcement')
    t.equal((await a.asAdmin('/releases', { method: 'POST', json: { version: '3.4.0' } })).status, 409, 'and it is made once')
    for (const version of ['3.4', 'v3.4.0', '3.4.0-beta.1', '3.4.0+451', 'latest']) {
      const res = await a.asAdmin('/releases', { method: 'POST', json: { version } })
      t.equal(res.status, 400, version)
      t.match(res.json.error, { code: 'EVG_ERR_RELEASE_INVALID', message: `version "${version}" is not a release version` }, version)
    }
    for (const date of ['2026-02-30', '0000-01-01', '9999-12-31T23:59:59-14:00']) {
      const res = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.6.0', released_at: date } })
      t.equal(res.status, 400, date)
      t.match(res.json.error, { code: 'EVG_ERR_RELEASE_INVALID', message: `released_at "${date}" is not a date` }, date)
    }
    const platform = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.6.0', platform: 'iOS 17' } })
    t.equal(platform.json.error.code, 'EVG_ERR_VALIDATION')
    for (const name of ['iphone', 'unknown']) {
      const res = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.6.0', platform: name } })
      t.match(res.json.error, {
        code: 'EVG_ERR_RELEASE_INVALID',
        message: `platform "${name}" is not one apps are told apart by: ios, android, web, other (EVERGATE_PLATFORMS, and other)`
      }, `${name}: no app is ever counted as that`)
    }
    t.equal((await a.asAdmin('/releases', { method: 'POST', json: { version: '3.6.0', platform: 'other' } })).status, 201, 'other is a platform')
    const extra = await a.asAdmin('/releases', { method: 'POST', json: { version: '3.6.0', notes: 'x' } })
    t.equal(extra.json.error.code, 'EVG_ERR_VALIDATION')
    t.equal((await a.asAdmin('/releases/0', { method: 'DELETE' })).status, 400)
    t.equal((await a.asAdmin('/releases')).json.releases.length, before + 2)
  })
})

t.test('each platform\'s store URL, where a rule names no upgrade URL', async (t) => {
  const ios = 'https://apps.apple.com/app/pulse/id1'
  const android = 'https://play.google.com/store/apps/details?id=example.pulse'
  const { url, asAdmin } = await startReleaseDemo(t, { ...await pgSchema(t), EVERGATE_STORE_URLS: `ios=${ios},android=${android}` })
  await asAdmin('/rules', { method: 'POST', json: { range: '<1.5.0', status: 'retired' } })
  await asAdmin('/rules', { method: 'POST', json: { range: '1.5.x', status: 'deprecated' } })
  for (const [platform, store] of [['ios', ios], ['android', android]]) {
    const retired = await call(url, '/profile', { version: '1.2.0', headers: { 'x-app-platform': platform } })
    t.equal(retired.status, 426)
    t.match(retired.json, { upgrade_url: store, minimum_version: '1.5.0' }, `${platform}: one rule, each platform's own store`)
    const deprecated = await call(url, '/profile', { version: '1.5.2', headers: { 'x-app-platform': platform } })
    t.equal(deprecated.headers.link, `<${store}>; rel="deprecation"`)
    const tooOld = await call(url, '/profile', { version: '0.9.0', headers: { 'x-app-platform': platform } })
    t.match(tooOld.json, { code: 426, upgrade_url: store, minimum_version: '1.5.0' }, `${platform}: older than every contract, told what a retired build is`)
    t.equal(tooOld.json.message, 'App version 0.9.0 is no longer supported (the oldest supported is 1.5.0): please update the app',
      `${platform}: the message names the minimum the details give, not the oldest contract`)
    const current = await status(url, '3.0.0', platform)
    t.match(current, { status: 'supported', upgrade_url: store }, `${platform}: where a supported app updates`)
  }
  const web = await call(url, '/profile', { version: '1.2.0', headers: { 'x-app-platform': 'web' } })
  t.notOk('upgrade_url' in web.json, 'a platform with none: 1.0.0\'s shape leaves a null URL out')
  const ruled = await asAdmin('/rules', { method: 'POST', json: { range: '<1.0.0 || 1.2.x', status: 'retired', platform: 'ios', upgrade_url: 'https://pulse.example/legacy' } })
  t.equal(ruled.status, 201)
  t.match((await call(url, '/profile', { version: '1.2.0', headers: { 'x-app-platform': 'ios' } })).json, { upgrade_url: 'https://pulse.example/legacy' }, 'a rule\'s own URL wins')
})

t.test('an app older than every contract is never told a minimum below the oldest contract', async (t) => {
  const { url, asAdmin } = await startReleaseDemo(t, await pgSchema(t))
  await asAdmin('/rules', { method: 'POST', json: { range: '<=0.9.0', status: 'retired' } })
  const tooOld = await call(url, '/profile', { version: '0.5.0' })
  t.match(tooOld.json, { code: 426, minimum_version: '1.0.0' }, 'not 0.9.1, the rule\'s edge')
  t.match(await status(url, '0.5.0'), { minimum_version: '1.0.0' })
})
