import t from 'tap'
import { run } from '../../src/cli.js'
import { ADMIN_TOKEN, call, startCore, startReleaseDemo } from '../helpers/gateway.js'

// The zero-setup default: no DATABASE_URL, an embedded PostgreSQL (PGlite) in a local folder.

t.test('release management on the embedded database, across a restart', async (t) => {
  const dataDir = t.testdir({})
  const { url: coreUrl } = await startCore(t)
  const env = { EVERGATE_RELEASE_MANAGEMENT: 'true', EVERGATE_DATA_DIR: dataDir }
  const first = await startReleaseDemo(t, env, coreUrl)
  t.equal(first.app.release.db.kind, 'embedded')

  const io = { out: () => {}, err: (l: string) => t.comment(l), env: { EVERGATE_ADMIN_URL: first.adminUrl, EVERGATE_ADMIN_TOKEN: ADMIN_TOKEN } }
  t.equal(await run(['versions', 'deprecate', '<2.0.0', '--sunset', '2099-01-31'], io), 0)
  t.equal(await run(['versions', 'retire', '<1.5.0'], io), 0)
  t.match((await call(first.url, '/profile', { version: '1.6.0' })).headers.sunset, /2099/)
  t.equal((await call(first.url, '/profile', { version: '1.2.0' })).status, 426)
  t.equal(await run(['versions', 'release', '3.4.0', '--platform', 'ios'], io), 0)
  t.equal(await run(['versions', 'release', '3.4.0', '--platform', 'ios'], io), 1, 'announced once')
  await first.admin.close()
  await first.app.close()

  const second = await startReleaseDemo(t, env, coreUrl)
  t.equal((await call(second.url, '/profile', { version: '1.2.0' })).status, 426, 'the rules survived the restart')
  const usage = await second.asAdmin('/usage?days=1')
  t.equal(usage.json.total, 3, 'two counts flushed at shutdown, one live')
  const trend = await second.asAdmin(`/usage/trend?range=${encodeURIComponent('<1.5.0')}`)
  t.match(trend.json.trend.at(-1), { total: 3, requests: 2 }, 'a range\'s share of the day, on the embedded database too')
  t.equal((await second.asAdmin('/audit')).json.audit.length, 3)
  const status = await call(second.url, '/_evergate/app-status', { version: '3.0.0', headers: { 'x-app-platform': 'ios' } })
  t.match(status.json, { latest_version: '3.4.0', update_available: true }, 'and so did the release')
})
