import t from 'tap'
import { run, type Io } from '../../src/cli.js'
import { ADMIN_TOKEN, call, HEAD, startCore, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'

function cli (env: Record<string, string>) {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env }
  return { out, err, run: (...argv: string[]) => run(argv, io) }
}

t.test('the release manager\'s commands, on two instances', async (t) => {
  const env = { ...await pgSchema(t), EVERGATE_USAGE_RETENTION_DAYS: '100' }
  const { url: coreUrl } = await startCore(t)
  const a = await startReleaseDemo(t, env, coreUrl)
  const b = await startReleaseDemo(t, env, coreUrl)
  const rm = cli({ EVERGATE_ADMIN_URL: a.adminUrl, EVERGATE_ADMIN_TOKEN: ADMIN_TOKEN })
  const sunset = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10)

  t.equal(await rm.run('versions', 'deprecate', '<2.0.0', '--sunset', sunset, '--upgrade-url', 'https://pulse.example/update'), 0, rm.err.join('\n'))
  t.match(rm.out.pop(), new RegExp(`^rule \\d+: <2\\.0\\.0 every platform -> deprecated, sunset ${sunset}$`))
  await new Promise((resolve) => setTimeout(resolve, 1000))
  for (const gw of [a, b]) {
    const res = await call(gw.url, '/profile', { version: '1.6.0' })
    t.match(res.headers.deprecation, /^@\d+$/, 'deprecation headers on every instance within a second')
    t.equal(res.headers.sunset, new Date(`${sunset}T00:00:00Z`).toUTCString())
  }

  t.equal(await rm.run('versions', 'retire', '<1.5.0', '--message', 'Please update Pulse'), 0)
  t.match(rm.out.pop(), /<1\.5\.0 every platform -> retired$/)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const retired = await call(b.url, '/profile', { version: '1.2.0' })
  t.equal(retired.status, 426)
  t.match(retired.json, { message: 'Please update Pulse', code: 426, minimum_version: '1.5.0' })
  t.equal((await call(b.url, '/profile', { version: '1.6.0' })).status, 200)

  t.equal(await rm.run('versions', 'support', '1.4.x', '--platform', 'Android'), 0)
  t.match(rm.out.pop(), /1\.4\.x android -> supported/)
  await call(a.url, '/users/me', { version: '3.0.0', headers: { 'x-app-platform': 'ios' } })
  await b.app.release.usage.flush() // what b's flush timer does every EVERGATE_USAGE_FLUSH_MS

  t.equal(await rm.run('versions', 'usage', '--days', '1'), 0)
  const usage = rm.out.splice(0)
  t.match(usage[0], /^Requests over the last 1 day\(s\): \d+$/)
  t.match(usage[1], /^app_version\s+platform\s+contract_version\s+requests\s+share$/)
  t.ok(usage.some((l) => /^1\.6\.0\s+unknown\s+1\.0\.0\s+\d+\s+\d+\.\d%$/.test(l)), usage.join('\n'))
  t.ok(usage.some((l) => /^3\.0\.0\s+ios\s+3\.0\.0\s+1\s+\d+\.\d%$/.test(l)))
  t.equal(await rm.run('versions', 'usage', '--days', '366'), 0)
  t.match(rm.out.splice(0)[0], /^Requests over the last 100 day\(s\): \d+ \(only 100 days are kept\)$/)

  t.equal(await rm.run('versions', 'retire', '<2.0.0', '--dry-run'), 0, rm.err.join('\n'))
  const dry = rm.out.splice(0)
  t.match(dry[0], /^dry run: retired <2\.0\.0 on every platform would change 1 app version\(s\), \d+\.\d% of the last 30 day\(s\)' requests \(\d+ of \d+\); nothing was changed$/)
  t.match(dry[1], /^app_version\s+platform\s+requests\s+share\s+from\s+to$/)
  t.match(dry[2], /^1\.6\.0\s+unknown\s+\d+\s+\d+\.\d%\s+deprecated\s+retired$/)
  t.equal((await b.asAdmin('/rules')).json.rules.length, 3, 'no rule was made')
  t.equal(await rm.run('versions', 'retire', '>=9.0.0', '--dry-run'), 0)
  const nothing = rm.out.splice(0)
  t.match(nothing[0], /would change 0 app version\(s\), 0\.0% of/)
  t.equal(nothing.length, 1, 'no table when nothing would change')

  t.equal(await rm.run('versions', 'trend', '<2.0.0', '--days', '2'), 0, rm.err.join('\n'))
  const trend = rm.out.splice(0)
  t.equal(trend[0], 'Share of <2.0.0 in each day\'s requests on every platform, over the last 2 day(s)')
  t.match(trend[1], /^day\s+requests\s+total\s+share$/)
  t.match(trend[2], /^\d{4}-\d{2}-\d{2}\s+0\s+0\s+0\.0%$/, 'yesterday: no traffic')
  t.match(trend[3], /^\d{4}-\d{2}-\d{2}\s+[1-9]\d*\s+[1-9]\d*\s+\d+\.\d%$/)
  t.equal(trend.length, 4)

  t.equal(await rm.run('versions', 'routes', '--days', '1', '--contract', '1.0.0'), 0, rm.err.join('\n'))
  const routes = rm.out.splice(0)
  t.equal(routes[0], 'Requests per contract version and route over the last 1 day(s)')
  t.match(routes[1], /^contract_version\s+route\s+requests\s+4xx\s+5xx$/)
  t.match(routes[2], /^1\.0\.0\s+GET \/profile\s+\d+\s+\d+ \(\d+\.\d%\)\s+0$/, 'the 426s of retired builds are its 4xx')
  t.equal(routes.length, 3, routes.join('\n'))

  t.equal(await rm.run('versions', 'release', '3.4.0', '--platform', 'iOS'), 0, rm.err.join('\n'))
  t.match(rm.out.pop(), /^release \d+: 3\.4\.0 on ios, out now$/)
  t.equal(await rm.run('versions', 'release', '3.5.0', '--date', '2099-01-01'), 0, rm.err.join('\n'))
  t.equal(rm.out.pop(), 'release 2: 3.5.0 on every platform, out from 2099-01-01 00:00 UTC')
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const ios = await call(b.url, '/_evergate/app-status', { version: '3.0.0', headers: { 'x-app-platform': 'ios' } })
  t.match(ios.json, { latest_version: '3.4.0', update_available: true }, 'the latest on every instance within a second')

  t.equal(await rm.run('versions', 'list'), 0)
  const list = rm.out.splice(0)
  t.match(list[0], /^Rules/)
  t.match(list[1], /^id\s+range\s+platform\s+status\s+deprecation_date\s+sunset_date\s+message\s+updated_by$/)
  t.ok(list.some((l) => /^\d+\s+<1\.5\.0\s+-\s+retired\s+-\s+-\s+Please update Pulse/.test(l)))
  t.ok(list.some((l) => /^1\.2\.0\s+unknown\s+retired/.test(l)), list.join('\n'))
  t.ok(list.some((l) => /^1\s+3\.4\.0\s+ios\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\s+\S+\s+-\s+-$/.test(l)), 'the releases announced, times as times')
  t.ok(list.includes(`Latest version per platform: ios 3.4.0 (announced), android ${HEAD} (contract), web ${HEAD} (contract), unknown ${HEAD} (contract)`), list.join('\n'))

  t.equal(await rm.run('versions', 'withdraw', '3.4.0', '--platform', 'ios'), 0, rm.err.join('\n'))
  t.equal(rm.out.pop(), 'release 1 withdrawn: 3.4.0 on ios')
  t.equal(await rm.run('versions', 'withdraw', '3.4.0', '--platform', 'ios'), 1)
  t.match(rm.err.pop(), /3\.4\.0 is not announced for ios/, 'withdrawn already')
  t.equal(await rm.run('versions', 'withdraw', '3.5.0', '--platform', 'ios'), 1)
  t.match(rm.err.pop(), /3\.5\.0 is not announced for ios/, 'announced for every platform, not for ios alone')
  t.equal(await rm.run('versions', 'release', '3.5.0', '--date', '2099-01-01'), 1)
  t.match(rm.err.pop(), /Release 3\.5\.0 is already announced for every platform/)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const withdrawn = await call(b.url, '/_evergate/app-status', { version: HEAD, headers: { 'x-app-platform': 'ios' } })
  t.match(withdrawn.json, { latest_version: HEAD, update_available: false })

  t.equal(await rm.run('versions', 'delete-rule', '3'), 0, rm.err.join('\n'))
  t.equal(rm.out.pop(), 'rule 3 deleted: 1.4.x android -> supported no longer applies')
  t.equal(await rm.run('versions', 'delete-rule', '3'), 1)
  t.match(rm.err.pop(), /No rule 3/)
  t.equal(await rm.run('versions', 'audit', '--limit', '4'), 0, rm.err.join('\n'))
  const audit = rm.out.splice(0)
  t.match(audit[0], /^at\s+actor\s+action\s+what$/)
  t.match(audit[1], /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\s+\S+@\S+\s+delete\s+rule #3: supported 1\.4\.x on android$/)
  t.match(audit[2], /\swithdraw\s+release #1: 3\.4\.0 on ios$/)
  t.match(audit[4], /\screate\s+release #1: 3\.4\.0 on ios$/)
  t.equal(audit.length, 5)
})

t.test('clear errors and exit codes scripts can trust', async (t) => {
  const env = await pgSchema(t)
  const gw = await startReleaseDemo(t, env)
  const good = { EVERGATE_ADMIN_URL: gw.adminUrl, EVERGATE_ADMIN_TOKEN: ADMIN_TOKEN }
  const cases: Array<[Record<string, string>, string[], number, RegExp]> = [
    [good, ['versions', 'deprecate', 'soon'], 2, /"soon" is not a semver range/],
    [good, ['versions', 'retire', '<2.0.0 ||'], 2, /"<2\.0\.0 \|\|" has an empty part, which semver reads as every version: write "\*"/],
    [good, ['versions', 'deprecate', '<2.0.0', '--sunset', '31/01/2027'], 2, /--sunset "31\/01\/2027" is not a date/],
    [good, ['versions', 'retire', '<2.0.0', '--sunset', '2027-02-30'], 2, /is not a date/],
    [good, ['versions', 'retire', '<2.0.0', '--upgrade-url', 'store'], 2, /is not a URL/],
    [good, ['versions', 'retire'], 2, /takes one range/],
    [good, ['versions', 'support', '<1', '<2'], 2, /takes one range/],
    [good, ['versions', 'retire', '<2.0.0', '--colour', 'red'], 2, /Unknown option '--colour'/],
    [good, ['versions', 'usage', '--days', 'lots'], 2, /--days "lots"/],
    [good, ['versions', 'routes', '--days', '0'], 2, /--days "0" is not a number of days/],
    [good, ['versions', 'trend'], 2, /versions trend takes one range/],
    [good, ['versions', 'trend', 'soon'], 2, /"soon" is not a semver range/],
    [good, ['versions', 'delete-rule', 'three'], 2, /versions delete-rule takes one rule id/],
    [good, ['versions', 'delete-rule'], 2, /versions delete-rule takes one rule id/],
    [good, ['versions', 'audit', '--limit', '0'], 2, /--limit "0" is not a number of changes/],
    [good, ['versions', 'release'], 2, /versions release takes one version, e\.g\. 3\.4\.0/],
    [good, ['versions', 'release', '3.4.0', '--date', 'Thursday'], 2, /--date "Thursday" is not a date/],
    [good, ['versions', 'release', '3.4.0', '--date', '2027-02-30'], 2, /--date "2027-02-30" is not a date/],
    [good, ['versions', 'release', '3.4.0', '--date', '2027-01-14T09:00'], 2, /is not a date \(YYYY-MM-DD \(UTC\), or a timestamp with its offset\)/],
    [good, ['versions', 'release', '3.4'], 2, /version "3\.4" is not a release version/],
    [good, ['versions', 'release', '3.4.0', '--platform', 'iphone'], 1, /platform "iphone" is not one apps are told apart by/],
    [good, ['versions', 'withdraw', '3.4.0', '--date', '2026-12-01'], 2, /withdraw takes no --date/],
    [good, ['versions', 'explode'], 2, /unknown command: versions explode/],
    [good, [], 2, /no command/],
    [{ EVERGATE_ADMIN_URL: gw.adminUrl }, ['versions', 'list'], 2, /EVERGATE_ADMIN_TOKEN is not set/],
    [{ ...good, EVERGATE_ADMIN_TOKEN: 'wrong' }, ['versions', 'list'], 1, /refused the token/],
    [{ ...good, EVERGATE_ADMIN_URL: 'http://127.0.0.1:1' }, ['versions', 'list'], 1, /cannot reach the admin API at http:\/\/127\.0\.0\.1:1/]
  ]
  for (const [env, argv, code, message] of cases) {
    const c = cli(env)
    t.equal(await c.run(...argv), code, argv.join(' '))
    t.match(c.err[0], message, argv.join(' '))
    t.equal(c.err.length, code === 2 ? 2 : 1, `${argv.join(' ')}: one line${code === 2 ? ', and where the help is' : ''}`)
  }
})

t.test('migrate runs the migrations straight on the database', async (t) => {
  const env = await pgSchema(t)
  const first = cli(env)
  t.equal(await first.run('migrate'), 0, first.err.join('\n'))
  t.same(first.out, ['migrated the postgres database: 001_release_policy, 002_usage, 003_releases, 004_usage_batches'])
  const { host, pathname } = new URL(env.DATABASE_URL)
  t.same(first.err, [`connecting to PostgreSQL at ${host}${pathname}, schema ${env.DATABASE_SCHEMA} ...`, 'migrating (after any other instance migrating it) ...'],
    'what it does, as it goes, on stderr')
  const again = cli(env)
  t.equal(await again.run('migrate'), 0)
  t.equal(again.out[0], 'the postgres database is up to date')
  const embedded = cli({ EVERGATE_DATA_DIR: t.testdir({}) })
  t.equal(await embedded.run('migrate'), 0, embedded.err.join('\n'))
  t.equal(embedded.out[0], 'migrated the embedded database: 001_release_policy, 002_usage, 003_releases, 004_usage_batches')
  t.match(embedded.err, [/^starting the embedded database in \S+ \.\.\.$/, 'migrating ...'])
})
