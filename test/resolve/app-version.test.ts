import t from 'tap'
import semver from 'semver'
import { parseAppVersion, parsePlatform, userAgentReader } from '../../src/resolve/app-version.js'

t.test('parseAppVersion reads what real builds send', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['3.2.1', '3.2.1'],
    ['3.2', '3.2.0'],
    ['3', '3.0.0'],
    ['v3.2.1', '3.2.1'],
    ['V3.2.1', '3.2.1'],
    ['3.2.1 (451)', '3.2.1'],
    ['3.2.1(451)', '3.2.1'],
    ['  3.2.1  ', '3.2.1'],
    ['03.02.01', '3.2.1'],
    ['3.2.1-beta.2', '3.2.1-beta.2'],
    ['3.2.1+build.7', '3.2.1'],
    ['1.0.0-01', '1.0.0-1'],
    ['1.0.0-a.00', '1.0.0-a.0'],
    ['1.0.0-0', '1.0.0-0'],
    ['1.0.0-a-00', '1.0.0-a-00'],
    ['1.0.0-01a.002b', '1.0.0-01a.002b'],
    ['', null],
    ['garbage', null],
    ['3.x', null],
    ['3.2.1.4', null],
    ['-1.0.0', null],
    ['1.0.0; DROP TABLE', null],
    ['9'.repeat(7), null],
    [`1.0.0${' '.repeat(70)}`, null]
  ]
  for (const [raw, expected] of cases) t.equal(parseAppVersion(raw), expected, JSON.stringify(raw))
})

t.test('whatever parseAppVersion returns, semver can compare', async (t) => {
  // A version semver refuses would throw where the route is chosen, for every path: try every
  // short string over the characters that matter, and pre-releases of every shape up to length 4.
  const alphabet = ['0', '1', '9', '.', '-', 'a', '+', ' ']
  let tried = 0
  let parsed = 0
  const tails = ['']
  for (let length = 1; length <= 4; length++) {
    for (const tail of tails.filter((tail) => tail.length === length - 1)) {
      for (const char of alphabet) tails.push(tail + char)
    }
  }
  for (const head of ['1', '1.0', '1.0.0', '1.0.0-', 'v1.2.3-0']) {
    for (const tail of tails) {
      const version = parseAppVersion(head + tail)
      tried++
      if (version === null) continue
      parsed++
      if (semver.valid(version) !== version) t.fail(`${JSON.stringify(head + tail)} -> ${version}`)
    }
  }
  t.ok(parsed > 100, `${parsed} of ${tried} strings parsed, all valid semver`)
})

t.test('userAgentReader reads only the apps named, and never a build number', async (t) => {
  t.equal(userAgentReader([]), null, 'no names: nothing is read')
  const read = userAgentReader(['Pulse', 'Pulse-Android'])!
  t.equal(read('Pulse/3.2.1 (iPhone; iOS 17.0)'), '3.2.1')
  t.equal(read('Pulse/3.2.1'), '3.2.1')
  t.equal(read('pulse/2.4.7 (iPhone14,2; iOS 17.1)'), '2.4.7', 'product names are case-insensitive')
  t.equal(read('Pulse-Android/3.1 okhttp/4.12'), '3.1.0')
  t.equal(read('Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8) Pulse-Android/3.4.0'), '3.4.0', 'after the system\'s token')
  t.equal(read('Pulse/v2.0.0'), '2.0.0')
  for (const other of ['okhttp/4.12.0', 'curl/7.88.1', 'Dalvik/2.1.0 (Linux; U; Android 14)', 'Dalvik/1.6.0', 'Mozilla/5.0 (Macintosh)',
    'CFNetwork/1410.0.3 Darwin/22.6.0', 'MyPulse/1.2.0', 'Pulse-iOS/1.2.0', 'curl']) {
    t.equal(read(other), null, other)
  }
  t.equal(read('Pulse/451 CFNetwork/1410.0.3 Darwin/22.6.0'), null, 'iOS\'s default: a build number, not a version')
  t.equal(read('Pulse/abc'), null)
  t.equal(read('Pulse/1.2.3.4.5'), null)
  t.equal(userAgentReader(['Pulse.App'])!('PulseXApp/1.2.0'), null, 'a dot in a name is a dot')
})

t.test('parsePlatform keeps short identifiers, lower-cased', async (t) => {
  t.equal(parsePlatform('iOS'), 'ios')
  t.equal(parsePlatform(' android '), 'android')
  t.equal(parsePlatform(undefined), null)
  t.equal(parsePlatform(''), null)
  t.equal(parsePlatform('<script>'), null)
  t.equal(parsePlatform('x'.repeat(40)), null)
})
