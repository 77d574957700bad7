import t from 'tap'
import { rangeTrend, versionsInRange } from '../../src/release/trend.js'

t.test('the versions in a range: pre-releases by semver, and a request naming none in no range', async (t) => {
  t.same(versionsInRange('<2.0.0', ['1.2.0', '3.0.0', 'none', '2.0.0-beta.1', '2.0.0', '1.9.9']), ['1.2.0', '2.0.0-beta.1', '1.9.9'])
  t.same(versionsInRange('*', ['none']), [])
})

t.test('every day of the window, those with no traffic at 0', async (t) => {
  const daily = [
    { day: '2026-11-19', total: 5, requests: 5 },
    { day: '2026-11-20', total: 100, requests: 30 },
    { day: '2026-11-22', total: 200, requests: 20 }
  ]
  t.same(rangeTrend(daily, '2026-11-20', '2026-11-22'), [
    { day: '2026-11-20', total: 100, requests: 30, share: 0.3 },
    { day: '2026-11-21', total: 0, requests: 0, share: 0 },
    { day: '2026-11-22', total: 200, requests: 20, share: 0.1 }
  ], 'days outside the window are left out')
  t.equal(rangeTrend([], '2026-10-25', '2026-11-24').length, 31, 'across a month\'s end (and a DST change where there is one: days are UTC)')
})
