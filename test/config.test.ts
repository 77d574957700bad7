import t from 'tap'
import { loadConfig } from '../src/config.js'

t.test('defaults', async (t) => {
  const config = loadConfig({})
  t.equal(config.port, 8080)
  t.equal(config.versionHeader, 'x-app-version')
  t.equal(config.missingVersion, 'head')
  t.same(config.userAgentApps, [], 'no app names: no User-Agent fallback')
  t.same(config.upstream.origins, { core: 'http://127.0.0.1:8090' })
  t.equal(config.release?.usageRetentionDays, 400)
  t.equal(config.trustProxy, false, 'no load balancer is trusted until named')
})

t.test('the User-Agent fallback reads the apps named', async (t) => {
  t.same(loadConfig({ EVERGATE_USER_AGENT_APPS: ' Pulse, Pulse-Android ,' }).userAgentApps, ['Pulse', 'Pulse-Android'])
  t.same(loadConfig({ EVERGATE_USER_AGENT_APPS: 'Pulse', EVERGATE_USER_AGENT_FALLBACK: 'false' }).userAgentApps, [], 'off, names kept')
  t.same(loadConfig({ EVERGATE_USER_AGENT_APPS: 'Pulse', EVERGATE_USER_AGENT_FALLBACK: 'true' }).userAgentApps, ['Pulse'])
  t.throws(() => loadConfig({ EVERGATE_USER_AGENT_FALLBACK: 'true' }), /set EVERGATE_USER_AGENT_APPS/,
    'true once read any product token: with no names it says what to set, not nothing')
  t.throws(() => loadConfig({ EVERGATE_USER_AGENT_APPS: 'Pulse/3' }), /"Pulse\/3" is not a User-Agent product name/)
})

t.test('the load balancers to trust', async (t) => {
  t.equal(loadConfig({ EVERGATE_TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ EVERGATE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback,::ffff:10.0.0.0/104' }).trustProxy,
    '10.0.0.0/8,127.0.0.1,::1,fd00::/8,loopback,::ffff:10.0.0.0/104')
  t.throws(() => loadConfig({ EVERGATE_TRUST_PROXY: '1' }), /not a number of hops/, 'a hop count trusts whoever connects directly')
  t.throws(() => loadConfig({ EVERGATE_TRUST_PROXY: '::ffff:10.0.0.0/8' }), /matches no IPv4 address/)
  for (const bad of ['10.0.0.0/33', '10.0.0.0/0', 'lb.internal', 'loopback/8']) {
    t.throws(() => loadConfig({ EVERGATE_TRUST_PROXY: bad }), /^EVERGATE_TRUST_PROXY: invalid (IP address|range on address)/, bad)
  }
})

t.test('several core services', async (t) => {
  const config = loadConfig({ CORE_URL: 'http://core:9000', EVERGATE_UPSTREAMS: 'search=http://search:9001, media=http://media:9002/' })
  t.same(config.upstream.origins, { core: 'http://core:9000', search: 'http://search:9001', media: 'http://media:9002/' })
  t.equal(loadConfig({ EVERGATE_VERSION_HEADER: 'X-Build' }).versionHeader, 'x-build', 'header names are matched lower-case')
})

t.test('bad values stop the start with a message naming the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/)
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/)
  t.throws(() => loadConfig({ CORE_URL: 'not a url' }), /CORE_URL: "not a url" is not a URL/)
  t.throws(() => loadConfig({ EVERGATE_UPSTREAMS: 'search' }), /EVERGATE_UPSTREAMS: "search" is not name=url/)
  t.throws(() => loadConfig({ EVERGATE_STORE_URLS: 'ios' }), /EVERGATE_STORE_URLS: "ios" is not platform=http\(s\) URL/)
  t.throws(() => loadConfig({ EVERGATE_STORE_URLS: 'ios=itms-apps://apps.apple.com/app/pulse' }), /is not platform=http\(s\) URL/, 'a link every client can open')
  t.throws(() => loadConfig({ EVERGATE_STORE_URLS: 'iphone=https://apps.apple.com/app/pulse' }), /"iphone" is not in EVERGATE_PLATFORMS \(ios, android, web\) or other/)
  t.throws(() => loadConfig({ EVERGATE_PLATFORMS: 'ios,Unknown' }), /"unknown" names the apps that send no platform/)
  t.throws(() => loadConfig({ EVERGATE_UPSTREAMS: 'search=nope' }), /not name=url/)
  t.throws(() => loadConfig({ CORE_URL: 'http://core:8090/api' }), /CORE_URL: "http:\/\/core:8090\/api" must be an origin/, 'a path would be dropped')
  t.throws(() => loadConfig({ EVERGATE_UPSTREAMS: 'search=http://search/v2' }), /EVERGATE_UPSTREAMS search: .* must be an origin/)
  t.throws(() => loadConfig({ CORE_URL: 'ftp://core' }), /not an http\(s\) URL/)
  t.throws(() => loadConfig({ EVERGATE_USAGE_RETENTION_DAYS: '7' }), /EVERGATE_USAGE_RETENTION_DAYS/, 'fewer days than decide the versions in use')
  t.equal(loadConfig({ CORE_URL: 'http://core:8090/' }).upstream.origins.core, 'http://core:8090/', 'a bare trailing slash is an origin')
})

t.test('store URLs per platform', async (t) => {
  const config = loadConfig({ EVERGATE_STORE_URLS: ' iOS=https://apps.apple.com/app/pulse?x=1,other=https://pulse.example/get ' })
  t.same(config.storeUrls, { ios: 'https://apps.apple.com/app/pulse?x=1', other: 'https://pulse.example/get' })
  t.same(loadConfig({}).storeUrls, {}, 'none by default')
  t.same(loadConfig({ EVERGATE_STORE_URLS: 'ios=https://apps.example/my app,android=https://play.example/x\ny' }).storeUrls,
    { ios: 'https://apps.example/my%20app', android: 'https://play.example/xy' }, 'as the URL parser reads it: safe in a Link header')
  t.throws(() => loadConfig({ EVERGATE_STORE_URLS: 'ios=https://a.example,ios=https://b.example' }), /EVERGATE_STORE_URLS: ios is given twice/)
  t.same(loadConfig({ EVERGATE_PLATFORMS: 'ios,huawei', EVERGATE_STORE_URLS: 'huawei=https://appgallery.example/pulse' }).storeUrls,
    { huawei: 'https://appgallery.example/pulse' }, 'a platform of the team\'s own')
})
