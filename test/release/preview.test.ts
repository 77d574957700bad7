import t from 'tap'
import { Policy, type Rule } from '../../src/release/policy.js'
import { previewRule } from '../../src/release/preview.js'

const rule = (id: number, fields: Pick<Rule, 'range' | 'status'> & Partial<Rule>): Rule => ({
  id, platform: null, deprecationDate: null, sunsetDate: null, message: null, upgradeUrl: null, updatedAt: new Date(Date.UTC(2026, 0, id)), ...fields
})
const row = (platform: string, version: string, requests: number, contract = '1.0.0') =>
  ({ platform, app_version: version, contract_version: contract, requests, share: 0 })

t.test('a version counted under several contracts is one version; no version and no platform are judged as such', async (t) => {
  const current = new Policy([], ['1.0.0'])
  const usage = [row('ios', '1.2.0', 30), row('ios', '1.2.0', 10, '2.0.0'), row('unknown', '1.2.0', 20), row('unknown', 'none', 40)]
  const preview = previewRule(current, rule(1, { range: '<2.0.0', status: 'retired' }), usage)
  t.same(preview, {
    total: 100,
    affected: 60,
    share: 0.6,
    changes: [
      { app_version: '1.2.0', platform: 'ios', requests: 40, share: 0.4, from: 'supported', to: 'retired' },
      { app_version: '1.2.0', platform: 'unknown', requests: 20, share: 0.2, from: 'supported', to: 'retired' }
    ]
  }, 'requests that name no version are never retired by a rule')
  const ios = previewRule(current, rule(1, { range: '<2.0.0', status: 'retired', platform: 'ios' }), usage)
  t.equal(ios.affected, 40, 'an app that names no platform is not an iOS app')
})

t.test('a sunset already past retires in the preview as it will on the gateway', async (t) => {
  const past = new Date(Date.now() - 86_400_000)
  const preview = previewRule(new Policy([], ['1.0.0']), rule(1, { range: '<2.0.0', status: 'deprecated', sunsetDate: past }), [row('ios', '1.2.0', 5)])
  t.match(preview.changes, [{ to: 'retired' }])
  t.same(previewRule(new Policy([], ['1.0.0']), rule(1, { range: '*', status: 'retired' }), []), { total: 0, affected: 0, share: 0, changes: [] })
})
