import t from 'tap'
import { cli } from '../helpers/cli.js'
import { ADMIN_TOKEN, call, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'

// Issue 17: `deprecate "<2.4.0"` turned the retired 1.0.0-1.4.3 back into deprecated ones and said
// nothing; only --dry-run showed it.
t.test('a rule that un-retires versions, or a sunset already past, is done only with --yes', async (t) => {
  const gw = await startReleaseDemo(t, await pgSchema(t))
  const rm = cli({ EVERGATE_ADMIN_URL: gw.adminUrl, EVERGATE_ADMIN_TOKEN: ADMIN_TOKEN })
  t.equal(await rm.run('versions', 'retire', '<1.5.0'), 0, rm.err.join('\n'))
  t.same(rm.err, [], 'a retire un-retires nothing: no warning')
  for (const version of ['1.0.0', '1.4.3', '1.4.3', '2.1.0']) t.equal((await call(gw.url, '/profile', { version })).status, version < '1.5' ? 426 : 404)
  rm.out.splice(0)

  t.equal(await rm.run('versions', 'deprecate', '<2.4.0'), 1)
  t.same(rm.out, [])
  t.match(rm.err[0], /^warning: deprecated <2\.4\.0 would un-retire 2 app version\(s\), \d+\.\d% of recent requests: 1\.4\.3 \(unknown\), 1\.0\.0 \(unknown\)$/)
  t.match(rm.err[1], /^nothing was changed: run it again with --yes/)
  t.equal((await gw.asAdmin('/rules')).json.rules.length, 1, 'no rule was made')
  rm.err.splice(0)
  t.equal(await rm.run('versions', 'deprecate', '<2.4.0', '--dry-run'), 0)
  t.match(rm.err, [/^warning: deprecated <2\.4\.0 would un-retire 2 app version/], 'the dry run says it too')
  t.ok(rm.out.some((l) => /^1\.0\.0\s+unknown\s+\d+\s+\S+\s+retired\s+deprecated$/.test(l)))
  rm.err.splice(0)
  t.equal(await rm.run('versions', 'deprecate', '<2.4.0', '--yes'), 0, 'meant: done')
  t.match(rm.err, [/^warning: deprecated <2\.4\.0 would un-retire/])
  t.match(rm.out.pop(), /^rule 2: <2\.4\.0 every platform -> deprecated$/)
  t.equal((await call(gw.url, '/profile', { version: '1.0.0' })).status, 200)

  rm.err.splice(0)
  t.equal(await rm.run('versions', 'deprecate', '>=2.4.0 <2.5.0', '--sunset', '2020-01-31'), 1)
  t.same(rm.err.slice(0, 1), ['warning: --sunset 2020-01-31 is in the past: the versions it deprecates are retired at once'])
  t.equal(await rm.run('versions', 'deprecate', '>=2.4.0 <2.5.0', '--sunset', '2020-01-31', '--yes'), 0)
})
