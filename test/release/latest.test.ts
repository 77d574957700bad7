import t from 'tap'
import { LatestVersions, type AnnouncedRelease } from '../../src/release/latest.js'

const CONTRACTS = ['1.0.0', '2.0.0', '2.3.0', '3.0.0']
const NOW = Date.parse('2026-11-24T12:00:00Z')
const release = (version: string, platform: string | null, releasedAt = '2026-11-01T00:00:00Z', withdrawn = false): AnnouncedRelease =>
  ({ version, platform, releasedAt: new Date(releasedAt), withdrawn })

t.test('with nothing announced, the newest release in use, else the newest contract', async (t) => {
  const latest = new LatestVersions([], new Map([['ios', ['3.0.0', '3.1.0']], ['android', ['2.9.0']]]), CONTRACTS)
  t.same(latest.of('ios', NOW), { version: '3.1.0', source: 'in use' })
  t.same(latest.of('android', NOW), { version: '3.0.0', source: 'contract' }, 'a version in use older than head is not the latest')
  t.same(latest.of('web', NOW), { version: '3.0.0', source: 'contract' })
  t.same(latest.of(null, NOW), { version: '3.0.0', source: 'contract' })
})

t.test('an announced release decides for its platform, newer or older than what is in use', async (t) => {
  const inUse = new Map([['ios', ['3.1.0', '3.4.1']], ['android', ['3.1.0']]])
  const latest = new LatestVersions([release('3.4.0', 'ios'), release('3.2.0', 'android')], inUse, CONTRACTS)
  t.same(latest.of('ios', NOW), { version: '3.4.0', source: 'announced' }, '3.4.1 is in use but was never announced (or was withdrawn)')
  t.same(latest.of('android', NOW), { version: '3.2.0', source: 'announced' })
  t.same(latest.of('web', NOW), { version: '3.0.0', source: 'contract' }, 'another platform\'s release is not this one\'s')
})

t.test('a release for every platform counts on each; the newer of the two wins', async (t) => {
  const latest = new LatestVersions([release('3.5.0', null), release('3.6.0', 'ios'), release('3.4.0', 'android')], new Map(), CONTRACTS)
  t.same(latest.of('ios', NOW), { version: '3.6.0', source: 'announced' })
  t.same(latest.of('android', NOW), { version: '3.5.0', source: 'announced' })
  t.same(latest.of('web', NOW), { version: '3.5.0', source: 'announced' })
  t.same(latest.of(null, NOW), { version: '3.5.0', source: 'announced' }, 'an app that names no platform')
})

t.test('a release dated later is not the latest until then', async (t) => {
  const releases = [release('3.4.0', 'ios', '2026-11-01T00:00:00Z'), release('3.5.0', 'ios', '2026-11-26T09:00:00Z')]
  const latest = new LatestVersions(releases, new Map(), CONTRACTS)
  t.equal(latest.of('ios', NOW).version, '3.4.0')
  t.equal(latest.of('ios', Date.parse('2026-11-26T08:59:59Z')).version, '3.4.0')
  t.equal(latest.of('ios', Date.parse('2026-11-26T09:00:00Z')).version, '3.5.0', 'out on the minute')
  const onlyLater = new LatestVersions([release('3.5.0', 'ios', '2026-11-26T09:00:00Z')], new Map([['ios', ['3.1.0']]]), CONTRACTS)
  t.same(onlyLater.of('ios', NOW), { version: '3.1.0', source: 'in use' }, 'with none out yet, what is in use stands')
})

t.test('versions are compared as semver, not as text', async (t) => {
  const latest = new LatestVersions([release('3.9.0', 'ios'), release('3.10.0', 'ios'), release('3.2.0', 'ios')], new Map(), CONTRACTS)
  t.equal(latest.of('ios', NOW).version, '3.10.0')
  const unsorted = new LatestVersions([], new Map(), ['3.0.0', '1.0.0', '10.0.0'])
  t.equal(unsorted.of(null, NOW).version, '10.0.0')
})

t.test('a withdrawn release is never the latest, announced or in use', async (t) => {
  const inUse = new Map([['ios', ['3.1.0', '3.4.0']], ['android', ['3.1.0', '3.4.0']]])
  const pulled = release('3.4.0', 'ios', '2026-11-01T00:00:00Z', true)
  const onIos = new LatestVersions([release('3.2.0', 'ios'), pulled], inUse, CONTRACTS)
  t.same(onIos.of('ios', NOW), { version: '3.2.0', source: 'announced' }, 'the one before')
  const alone = new LatestVersions([pulled], inUse, CONTRACTS)
  t.same(alone.of('ios', NOW), { version: '3.1.0', source: 'in use' }, 'its users\' traffic does not bring it back')
  t.same(alone.of('android', NOW), { version: '3.4.0', source: 'in use' }, 'on its own platform only')
  const everywhere = new LatestVersions([release('3.4.0', null, '2026-11-01T00:00:00Z', true)], inUse, CONTRACTS)
  t.same(everywhere.of('android', NOW), { version: '3.1.0', source: 'in use' }, 'withdrawn for every platform')
  const again = new LatestVersions([pulled, release('3.4.0', 'ios', '2026-11-20T00:00:00Z')], inUse, CONTRACTS)
  t.same(again.of('ios', NOW), { version: '3.4.0', source: 'announced' }, 'announced again, it is back')
})
