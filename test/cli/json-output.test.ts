import t from 'tap'
import { cli } from '../helpers/cli.js'
import { ADMIN_TOKEN, call, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'

t.test('--json prints what the admin API answered, for scripts', async (t) => {
  const gw = await startReleaseDemo(t, await pgSchema(t))
  await call(gw.url, '/profile', { version: '1.2.0' })
  const rm = cli({ EVERGATE_ADMIN_URL: gw.adminUrl, EVERGATE_ADMIN_TOKEN: ADMIN_TOKEN })
  const json = async (...argv: string[]) => {
    rm.out.splice(0)
    t.equal(await rm.run(...argv, '--json'), 0, `${argv.join(' ')}: ${rm.err.join('\n')}`)
    return JSON.parse(rm.out.join('\n'))
  }
  t.match(await json('versions', 'retire', '<1.5.0', '--dry-run'), { days: 30, changes: [{ app_version: '1.2.0', from: 'supported', to: 'retired' }] })
  t.match(await json('versions', 'deprecate', '<2.0.0', '--sunset', '2099-01-31'), { id: 1, range: '<2.0.0', status: 'deprecated', sunset_date: /^2099-01-31T00:00:00/ })
  t.match(await json('versions', 'release', '3.4.0', '--platform', 'ios'), { id: 1, version: '3.4.0', platform: 'ios' })
  t.match(await json('versions', 'withdraw', '3.4.0', '--platform', 'ios'), { id: 1, withdrawn_at: String })
  t.match(await json('versions', 'list'), { rules: [{ id: 1 }], releases: [{ id: 1 }], versions: Array, contracts: ['1.0.0', '2.0.0', '2.3.0', '3.0.0'] })
  t.match(await json('versions', 'usage', '--days', '1'), { days: 1, versions: [{ app_version: '1.2.0', requests: 1 }] })
  t.match(await json('versions', 'routes'), { routes: [{ contract_version: '1.0.0', route: 'GET /profile' }] })
  t.match(await json('versions', 'trend', '<2.0.0', '--days', '1'), { trend: [{ requests: 1 }] })
  t.match(await json('versions', 'audit'), { audit: [{ action: 'withdraw' }, { action: 'create' }, { action: 'create' }] })
  t.match(await json('versions', 'delete-rule', '1'), { id: 1, range: '<2.0.0' })
})
