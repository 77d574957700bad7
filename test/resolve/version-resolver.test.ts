import t from 'tap'
import { createVersionResolver, type VersionResolverOptions } from '../../src/resolve/version-resolver.js'

const base: VersionResolverOptions = {
  contracts: ['1.0.0', '2.0.0', '2.3.0', '3.0.0'],
  versionHeader: 'x-app-version',
  platformHeader: 'x-app-platform',
  platforms: ['ios', 'android'],
  missingVersion: 'head',
  userAgentApps: ['Pulse']
}

t.test('floor match: the newest contract version <= the app version', async (t) => {
  const resolve = createVersionResolver(base)
  const contractOf = (v: string) => resolve({ 'x-app-version': v }).contract
  t.equal(contractOf('1.0.0'), '1.0.0')
  t.equal(contractOf('1.9.9'), '1.0.0')
  t.equal(contractOf('2.0.0'), '2.0.0')
  t.equal(contractOf('2.4.7'), '2.3.0')
  t.equal(contractOf('3.0.0'), '3.0.0')
  t.equal(contractOf('7.1.0'), '3.0.0', 'newer than every contract: head')
  t.equal(contractOf('3.0.0-beta.1'), '2.3.0', 'a pre-release of 3.0.0 is older than 3.0.0')
})

t.test('older than the oldest contract: unsupported, in the oldest error shape', async (t) => {
  const client = createVersionResolver(base)({ 'x-app-version': '0.9.3' })
  t.equal(client.contract, null)
  t.equal(client.errorShape, '1.0.0')
  t.equal(client.error?.code, 'EVG_ERR_VERSION_UNSUPPORTED')
  t.equal(client.error?.statusCode, 426)
  t.match(client.error?.message, /0\.9\.3.*1\.0\.0/)
  const stores = createVersionResolver({ ...base, storeUrls: { ios: 'https://apps.apple.com/app/pulse' } })
  t.same((stores({ 'x-app-version': '0.9.3', 'x-app-platform': 'ios' }).error as { details?: unknown }).details,
    { upgrade_url: 'https://apps.apple.com/app/pulse', minimum_version: '1.0.0' }, 'where to update, as a retired build is told')
  t.same((stores({ 'x-app-version': '0.9.3', 'x-app-platform': 'android' }).error as { details?: unknown }).details,
    { upgrade_url: null, minimum_version: '1.0.0' }, 'a platform with no store URL')
  t.same((stores({ 'x-app-version': '0.9.3' }).error as { details?: unknown }).details,
    { upgrade_url: null, minimum_version: '1.0.0' }, 'an app that names no platform')
  let minimum: string | null = '1.5.0'
  const policy = createVersionResolver({ ...base, minimumVersion: (platform) => platform === 'ios' ? minimum : null })
  const cached = policy({ 'x-app-version': '0.9.3', 'x-app-platform': 'ios' })
  t.match((cached.error as { details?: unknown }).details, { minimum_version: '1.5.0' }, 'the policy\'s minimum')
  minimum = '2.0.0'
  t.equal(policy({ 'x-app-version': '0.9.3', 'x-app-platform': 'ios' }), cached, 'the resolution is cached')
  t.match((cached.error as { details?: unknown }).details, { minimum_version: '2.0.0' }, 'its minimum is the policy\'s now')
  t.match((policy({ 'x-app-version': '0.9.3', 'x-app-platform': 'android' }).error as { details?: unknown }).details,
    { minimum_version: '1.0.0' }, 'no minimum from the policy: the oldest contract')
})

t.test('garbage is a 400 that says which header', async (t) => {
  const client = createVersionResolver(base)({ 'x-app-version': 'latest' })
  t.equal(client.contract, null)
  t.equal(client.error?.code, 'EVG_ERR_VERSION_INVALID')
  t.equal(client.error?.statusCode, 400)
  t.match(client.error?.message, /x-app-version "latest"/)
})

t.test('no version: head by default, a set contract, or a 400', async (t) => {
  t.equal(createVersionResolver(base)({}).contract, '3.0.0')
  t.equal(createVersionResolver({ ...base, missingVersion: '2.0.0' })({}).contract, '2.0.0')
  const rejected = createVersionResolver({ ...base, missingVersion: 'reject' })({})
  t.equal(rejected.contract, null)
  t.equal(rejected.error?.code, 'EVG_ERR_VERSION_REQUIRED')
  t.throws(() => createVersionResolver({ ...base, missingVersion: '1.5.0' }), /neither head, reject nor a contract version/)
})

t.test('User-Agent is the fallback, and only a fallback', async (t) => {
  const resolve = createVersionResolver(base)
  t.equal(resolve({ 'user-agent': 'Pulse/1.4.0 (iPhone)' }).contract, '1.0.0')
  t.equal(resolve({ 'user-agent': 'Pulse/1.4.0', 'x-app-version': '2.3.1' }).contract, '2.3.0')
  t.equal(resolve({ 'user-agent': 'Mozilla/5.0' }).contract, '3.0.0', 'a browser counts as no version')
  const off = createVersionResolver({ ...base, userAgentApps: [] })
  t.equal(off({ 'user-agent': 'Pulse/1.4.0' }).contract, '3.0.0', 'no app names: no fallback')
  const reject = createVersionResolver({ ...base, missingVersion: 'reject' })
  for (const userAgent of ['okhttp/4.12.0', 'curl/7.88.1', 'Dalvik/2.1.0 (Linux; U; Android 14)', 'Dalvik/1.6.0', 'Pulse/451 CFNetwork/1410.0.3 Darwin/22.6.0']) {
    t.equal(reject({ 'user-agent': userAgent }).error?.code, 'EVG_ERR_VERSION_REQUIRED', `${userAgent}: no version sent`)
  }
  t.equal(reject({ 'user-agent': 'Dalvik/2.1.0 (Linux; U; Android 14) Pulse/2.4.1' }).contract, '2.3.0', 'the app\'s token, wherever it is')
})

t.test('platform is read alongside; repeated headers use the first', async (t) => {
  const resolve = createVersionResolver(base)
  const client = resolve({ 'x-app-version': ['2.0.1', '9.9.9'], 'x-app-platform': 'Android' })
  t.equal(client.contract, '2.0.0')
  t.equal(client.platform, 'android')
  t.equal(client.appVersion, '2.0.1')
  // What Node makes of the same header sent twice over HTTP.
  const joined = resolve({ 'x-app-version': '2.0.1, 9.9.9', 'x-app-platform': 'iOS, android' })
  t.equal(joined.appVersion, '2.0.1')
  t.equal(joined.platform, 'ios')
  t.equal(resolve({ 'x-app-platform': 'tizen' }).platform, 'other', 'unknown platforms are pooled')
  t.equal(resolve({ 'x-app-platform': '???' }).platform, null)
})

t.test('resolutions are cached, and the cache is bounded', async (t) => {
  const resolve = createVersionResolver({ ...base, cacheSize: 3 })
  const first = resolve({ 'x-app-version': '2.0.1' })
  t.equal(resolve({ 'x-app-version': '2.0.1' }), first, 'the same object: no work per request')
  for (let i = 0; i < 5; i++) resolve({ 'x-app-version': `junk-${i}` })
  t.not(resolve({ 'x-app-version': '2.0.1' }), first, 'a flood of junk evicts; nothing grows without bound')
  t.same(resolve({ 'x-app-version': '2.0.1' }), first)

  const small = createVersionResolver({ ...base, cacheSize: 2 })
  const kept = small({ 'x-app-version': '2.0.1' })
  const long = 'x'.repeat(15_000)
  t.match(small({ 'x-app-version': long }), { contract: null, error: { code: 'EVG_ERR_VERSION_INVALID' } })
  t.equal(small({ 'x-app-version': '2.0.1', 'x-app-platform': long }).platform, null, 'a long platform is none')
  t.equal(small({ 'x-app-version': '2.0.1' }), kept, 'and long values are not kept: nothing was evicted for them')
})
