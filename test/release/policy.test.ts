import t from 'tap'
import { Policy, type Rule } from '../../src/release/policy.js'

const CONTRACTS = ['1.0.0', '2.0.0', '2.3.0', '3.0.0']
let nextId = 1
function rule (fields: Partial<Rule> & Pick<Rule, 'range' | 'status'>): Rule {
  return {
    id: nextId++,
    platform: null,
    deprecationDate: null,
    sunsetDate: null,
    message: null,
    upgradeUrl: null,
    updatedAt: new Date(Date.UTC(2026, 0, nextId)),
    ...fields
  }
}

t.test('no rules: everything is supported', async (t) => {
  const policy = new Policy([], CONTRACTS)
  t.equal(policy.decide('1.0.0', 'ios').status, 'supported')
  t.equal(policy.decide(null, null).status, 'supported')
  t.equal(policy.minimumVersion('ios'), '1.0.0')
})

t.test('deprecated versions carry RFC 9745 / 8594 headers', async (t) => {
  const policy = new Policy([rule({
    range: '<2.0.0',
    status: 'deprecated',
    deprecationDate: new Date('2026-11-01T00:00:00Z'),
    sunsetDate: new Date('2099-01-31T00:00:00Z'),
    upgradeUrl: 'https://apps.apple.com/app/pulse'
  })], CONTRACTS)
  const decision = policy.decide('1.6.0', null)
  t.equal(decision.status, 'deprecated')
  t.same(decision.headers, {
    deprecation: `@${Date.UTC(2026, 10, 1) / 1000}`,
    sunset: 'Sat, 31 Jan 2099 00:00:00 GMT',
    link: '<https://apps.apple.com/app/pulse>; rel="deprecation", <https://apps.apple.com/app/pulse>; rel="sunset"'
  })
  t.equal(policy.decide('2.0.0', null).status, 'supported')
  t.equal(policy.decide('1.6.0', null), decision, 'decisions are cached')
})

t.test('a deprecation whose sunset has passed is a retirement, even from the cache', async (t) => {
  const sunset = new Date('2027-01-31T00:00:00Z')
  const policy = new Policy([rule({ range: '<2.0.0', status: 'deprecated', sunsetDate: sunset })], CONTRACTS)
  t.equal(policy.decide('1.6.0', null, sunset.getTime() - 1).status, 'deprecated')
  t.equal(policy.decide('1.6.0', null, sunset.getTime()).status, 'retired')
  t.same(policy.decide('1.6.0', null, sunset.getTime()).headers, {})
  t.equal(policy.minimumVersion(null, sunset.getTime()), '2.0.0')
})

t.test('overlapping rules: platform first, then the newest decision', async (t) => {
  const deprecateAll = rule({ range: '<2.0.0', status: 'deprecated' })
  const retireOld = rule({ range: '<1.5.0', status: 'retired' })
  const supportIosOld = rule({ range: '1.4.x', status: 'supported', platform: 'ios', updatedAt: new Date(Date.UTC(2020, 0, 1)) })
  const policy = new Policy([supportIosOld, deprecateAll, retireOld], CONTRACTS)
  t.equal(policy.decide('1.2.0', 'android').status, 'retired', 'the newer retire beats the older deprecate')
  t.equal(policy.decide('1.6.0', 'android').status, 'deprecated')
  t.equal(policy.decide('1.4.3', 'ios').status, 'supported', 'a platform rule beats any-platform rules, however old')
  t.equal(policy.decide('1.4.3', 'android').status, 'retired')
  t.equal(policy.decide('1.4.3', null).status, 'retired', 'no platform: only any-platform rules apply')
  t.equal(policy.minimumVersion('android'), '1.5.0')
  t.equal(policy.minimumVersion('ios'), '1.4.0', 'a platform exception lowers that platform\'s minimum')
  t.same(policy.rules.map((r) => r.id), [supportIosOld.id, retireOld.id, deprecateAll.id])

  const sameTime = new Date(Date.UTC(2026, 5, 1))
  const a = rule({ range: '*', status: 'deprecated', updatedAt: sameTime })
  const b = rule({ range: '*', status: 'supported', updatedAt: sameTime })
  t.equal(new Policy([b, a], CONTRACTS).decide('3.0.0', null).rule?.id, b.id, 'a tie goes to the higher id')
})

t.test('pre-releases and range edges', async (t) => {
  const policy = new Policy([rule({ range: '<=1.4.9', status: 'retired' }), rule({ range: '1.6.0 - 1.7.0', status: 'retired' })], ['1.0.0'])
  t.equal(policy.decide('1.5.0-beta.1', null).status, 'supported', 'pre-releases are matched like releases')
  t.equal(policy.decide('1.4.9', null).status, 'retired')
  t.equal(policy.minimumVersion(null), '1.7.1', 'the edges of every range are candidates')
})

t.test('a retired range with nothing above it leaves no minimum', async (t) => {
  t.equal(new Policy([rule({ range: '*', status: 'retired' })], ['1.0.0']).minimumVersion(null), null)
})

t.test('a rule with no upgrade URL gets the platform\'s store URL; one with its own keeps it', async (t) => {
  const stores = { ios: 'https://apps.apple.com/app/pulse', android: 'https://play.google.com/store/apps/details?id=pulse' }
  const policy = new Policy([
    rule({ range: '<1.5.0', status: 'retired' }),
    rule({ range: '<2.0.0', status: 'deprecated', deprecationDate: new Date('2026-11-01T00:00:00Z') }),
    rule({ range: '<1.0.0', status: 'retired', platform: 'android', upgradeUrl: 'https://pulse.example/android-legacy' })
  ], CONTRACTS, { storeUrls: stores })
  t.equal(policy.decide('1.2.0', 'ios').upgradeUrl, stores.ios)
  t.equal(policy.decide('1.2.0', 'android').upgradeUrl, stores.android, 'one rule for every platform, each its own store')
  t.equal(policy.decide('1.2.0', 'web').upgradeUrl, null, 'a platform with none')
  t.equal(policy.decide('1.2.0', null).upgradeUrl, null, 'an app that names no platform')
  t.equal(policy.decide('0.9.0', 'android').upgradeUrl, 'https://pulse.example/android-legacy', 'a rule\'s own URL wins')
  t.equal(policy.decide('1.6.0', 'android').headers.link, `<${stores.android}>; rel="deprecation"`)
  t.equal(policy.storeUrl('ios'), stores.ios)
  t.equal(policy.storeUrl('__proto__'), null)
})

t.test('no minimum version below the oldest contract, whatever a rule\'s range says', async (t) => {
  const rules = [rule({ range: '<=0.9.0', status: 'retired' }), rule({ range: '>=0.5.0', status: 'supported', platform: 'ios' })]
  t.equal(new Policy(rules, CONTRACTS).minimumVersion(null), '0.9.1', 'without a floor, a rule\'s edge')
  const floored = new Policy(rules, CONTRACTS, { floor: '1.0.0' })
  t.equal(floored.minimumVersion(null), '1.0.0')
  t.equal(floored.minimumVersion('ios'), '1.0.0')
  t.equal(new Policy([rule({ range: '<1.5.0', status: 'retired' })], CONTRACTS, { floor: '1.0.0' }).minimumVersion(null), '1.5.0')
})

t.test('the minimum version is kept per platform until a sunset it depends on passes', async (t) => {
  const sunset = new Date('2027-01-31T00:00:00Z')
  const policy = new Policy([
    rule({ range: '<2.0.0', status: 'deprecated', sunsetDate: sunset }),
    rule({ range: '<1.5.0', status: 'retired' }) // the newer rule
  ], CONTRACTS, { floor: '1.0.0' })
  const before = sunset.getTime() - 1
  t.equal(policy.minimumVersion(null, before), '1.5.0')
  t.equal(policy.minimumVersion('ios', before), '1.5.0')
  t.equal(policy.minimumVersion(null, sunset.getTime()), '2.0.0', 'once the sunset passes, <2.0.0 is retired')
  t.equal(policy.minimumVersion('ios', sunset.getTime() + 1000), '2.0.0', 'on every platform')
})
