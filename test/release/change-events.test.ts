import t from 'tap'
import { buildAdmin } from '../../src/admin/app.js'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createMetrics } from '../../src/metrics.js'
import bundle from '../../versions/index.js'
import { pgSchema } from '../helpers/database.js'
import { ADMIN_TOKEN, call, startCore, urlOf } from '../helpers/gateway.js'

t.test('rule and release changes are logged as events, with who made them', async (t) => {
  const { url: coreUrl } = await startCore(t)
  const metrics = createMetrics()
  const config = loadConfig({ CORE_URL: coreUrl, LOG_LEVEL: 'silent', EVERGATE_USAGE_FLUSH_MS: '60000', ...await pgSchema(t) })
  const app = await buildApp({ config, bundle, logger: false, metrics })
  const lines: Array<Record<string, any>> = []
  const admin = await buildAdmin({
    release: app.release, metrics, token: ADMIN_TOKEN, logger: { level: 'info', stream: { write: (line: string) => { lines.push(JSON.parse(line)) } } }
  })
  await admin.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await admin.close(); await app.close() })
  const adminUrl = urlOf(admin)
  // The CLI signs its calls with the user and host it runs as (X-Evergate-Actor).
  const asCli = (path: string, method: 'POST' | 'PATCH' | 'DELETE', json?: unknown) =>
    call(adminUrl, path, { method, json, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-evergate-actor': 'ada@laptop' } })
  // The page sends the release manager's name as the Basic user name.
  const asPage = (path: string, method: 'POST' | 'DELETE', json?: unknown) =>
    call(adminUrl, path, { method, json, headers: { authorization: `Basic ${Buffer.from(`grace:${ADMIN_TOKEN}`).toString('base64')}` } })

  const rule = (await asCli('/rules', 'POST', { range: '<1.5.0', status: 'retired' })).json
  t.equal((await asCli(`/rules/${rule.id as number}`, 'PATCH', { message: 'Please update' })).status, 200)
  const release = (await asPage('/releases', 'POST', { version: '3.4.0', platform: 'ios' })).json
  t.equal((await asPage(`/releases/${release.id as number}`, 'DELETE')).status, 200)
  t.equal((await asCli(`/rules/${rule.id as number}`, 'DELETE')).status, 200)
  t.equal((await asCli('/rules/999', 'DELETE')).status, 404, 'a change that is not made is no event')

  const events = lines.filter((l) => l.event !== undefined)
  t.same(events.map((e) => [e.event, e.actor]), [
    ['rule created', 'ada@laptop'],
    ['rule updated', 'ada@laptop'],
    ['release announced', 'grace'],
    ['release withdrawn', 'grace'],
    ['rule deleted', 'ada@laptop']
  ])
  t.match(events[0], { level: 30, msg: 'rule created by ada@laptop', rule: { id: rule.id, range: '<1.5.0', status: 'retired', platform: null } })
  t.match(events[1].rule, { message: 'Please update' })
  t.match(events[2], { release: { version: '3.4.0', platform: 'ios', created_by: 'grace' } })
  t.match(events[3].release, { withdrawn_by: 'grace' })
})
