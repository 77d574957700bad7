import t from 'tap'
import { pgSchema } from '../helpers/database.js'
import { clearOfMidnight } from '../helpers/clock.js'
import { startReleaseDemo } from '../helpers/gateway.js'

// The page's stacked charts: each day's requests by app version and by contract version.

t.test('each day\'s requests, the busiest versions by name and the rest as one', async (t) => {
  await clearOfMidnight()
  const { asAdmin, app } = await startReleaseDemo(t, await pgSchema(t))
  const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10)
  const row = (ago: number, platform: string, version: string, contract: string, count: number) =>
    ({ day: day(ago), platform, app_version: version, contract_version: contract, route: 'GET /profile', status_class: '2xx', count })
  await app.release.repository.addUsage([
    row(2, 'ios', '3.1.0', '3.0.0', 50), row(2, 'android', '3.1.0', '3.0.0', 10), row(2, 'ios', '1.2.0', '1.0.0', 30),
    row(1, 'ios', '2.4.0', '2.3.0', 10), row(1, 'ios', '1.2.0', '1.0.0', 5), row(9, 'ios', '1.0.0', '1.0.0', 99)
  ])
  app.release.usage.record('web', '1.1.0', '1.0.0', 'GET /profile', 200) // today, still in memory

  const { json } = await asAdmin('/usage/daily?days=3&top=2')
  t.same(json.dates, [day(2), day(1), day(0)], 'every day, oldest first; older days are left out')
  t.same(json.totals, [90, 15, 1])
  t.same(json.versions, [
    { name: '3.1.0', requests: [60, 0, 0], share: 60 / 106 },
    { name: '1.2.0', requests: [30, 5, 0], share: 35 / 106 },
    { name: null, requests: [0, 10, 1], share: 11 / 106 }
  ], 'platforms summed; the rest last, as one')
  t.same(json.contracts.map((c: { name: string }) => c.name), ['3.0.0', '1.0.0', '2.3.0'], 'busiest first')
  t.same(json.contracts[1].requests, [30, 5, 1])
  t.match(json, { days: 3, retention_days: 400 })

  t.equal((await asAdmin('/usage/daily?top=21')).status, 400, 'no more than 20 by name')
  const empty = await asAdmin('/usage/daily?days=1&top=1')
  t.same(empty.json.versions, [{ name: '1.1.0', requests: [1], share: 1 }])
})
