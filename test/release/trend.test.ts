import t from 'tap'
import { rangeTrend } from '../../src/release/trend.js'

const row = (day: string, platform: string, version: string, requests: number) => ({ day, platform, app_version: version, requests })

t.test('a range\'s share of each day, every day of the window there', async (t) => {
  const usage = [
    row('2026-11-20', 'ios', '1.2.0', 30), row('2026-11-20', 'ios', '3.0.0', 70),
    row('2026-11-22', 'ios', '1.2.0', 10), row('2026-11-22', 'android', '1.9.9', 10), row('2026-11-22', 'ios', '3.0.0', 80),
    row('2026-11-22', 'unknown', 'none', 100), row('2026-11-22', 'ios', '2.0.0-beta.1', 0), row('2026-11-19', 'ios', '1.0.0', 5)
  ]
  t.same(rangeTrend(usage, '<2.0.0', null, '2026-11-20', '2026-11-22'), [
    { day: '2026-11-20', total: 100, requests: 30, share: 0.3 },
    { day: '2026-11-21', total: 0, requests: 0, share: 0 },
    { day: '2026-11-22', total: 200, requests: 20, share: 0.1 }
  ], 'a day with no traffic is 0; a request naming no version is in no range; days outside are left out')
  t.same(rangeTrend(usage, '<2.0.0', 'ios', '2026-11-22', '2026-11-22'), [{ day: '2026-11-22', total: 90, requests: 10, share: 10 / 90 }], 'one platform')
  t.same(rangeTrend([row('2026-11-22', 'ios', '2.0.0-beta.1', 4), row('2026-11-22', 'ios', '2.0.0', 4)], '<2.0.0', null, '2026-11-22', '2026-11-22'),
    [{ day: '2026-11-22', total: 8, requests: 4, share: 0.5 }], 'a pre-release of 2.0.0 is below 2.0.0')
})
