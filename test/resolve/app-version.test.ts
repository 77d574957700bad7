import t from 'tap'
import { appVersionFromUserAgent, parseAppVersion, parsePlatform } from '../../src/resolve/app-version.js'

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

t.test('appVersionFromUserAgent reads Name/x.y.z, but not a browser', async (t) => {
  t.equal(appVersionFromUserAgent('Pulse/2.4.7 (iPhone14,2; iOS 17.1)'), '2.4.7')
  t.equal(appVersionFromUserAgent('Pulse-Android/3.1 okhttp/4.12'), '3.1.0')
  t.equal(appVersionFromUserAgent('Pulse/v2.0.0'), '2.0.0')
  t.equal(appVersionFromUserAgent('Mozilla/5.0 (Macintosh)'), null)
  t.equal(appVersionFromUserAgent('curl'), null)
  t.equal(appVersionFromUserAgent('Pulse/abc'), null)
  t.equal(appVersionFromUserAgent('Pulse/1.2.3.4.5'), null)
})

t.test('parsePlatform keeps short identifiers, lower-cased', async (t) => {
  t.equal(parsePlatform('iOS'), 'ios')
  t.equal(parsePlatform(' android '), 'android')
  t.equal(parsePlatform(undefined), null)
  t.equal(parsePlatform(''), null)
  t.equal(parsePlatform('<script>'), null)
  t.equal(parsePlatform('x'.repeat(40)), null)
})
