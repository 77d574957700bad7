import t from 'tap'
import { banner } from '../../demo/banner.js'
import { cli } from '../helpers/cli.js'
import { ADMIN_TOKEN, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'

// Issue 17: the banner's CLI hints failed when ADMIN_PORT was not the default.
t.test('the hints npm start prints work on whatever port the admin API is on', async (t) => {
  const gw = await startReleaseDemo(t, await pgSchema(t))
  t.not(new URL(gw.adminUrl).port, '8081')
  const text = banner({ coreUrl: gw.coreUrl, address: gw.url, adminAddress: gw.adminUrl, token: ADMIN_TOKEN, database: 'PostgreSQL' })
  const lines = text.split('\n').map((l) => l.trim())
  const exported = lines.find((l) => l.startsWith('export '))
  t.ok(exported)
  const env = Object.fromEntries(exported!.slice('export '.length).split(' ').map((pair) => pair.split('=')))
  t.same(env, { EVERGATE_ADMIN_URL: gw.adminUrl, EVERGATE_ADMIN_TOKEN: ADMIN_TOKEN })
  const commands = lines.filter((l) => l.startsWith('npx evergate '))
  t.ok(commands.length >= 3)
  for (const command of commands) {
    const argv = [...command.slice('npx evergate '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2])
    const c = cli(env)
    t.equal(await c.run(...argv), 0, `${command}: ${c.err.join('\n')}`)
    t.same(c.err, [], `${command}: no warning`)
  }
  t.match(banner({ coreUrl: 'x', address: 'y', adminAddress: null, token: 't', database: 'z' }), /The admin API is off/)
})
