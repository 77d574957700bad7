import { Counter, Histogram, Registry } from 'prom-client'
import { test } from 'tap'
import { BoundCounter, BoundHistogram } from '../src/metrics.js'
import { pgSchema } from './helpers/database.js'
import { call, rawHttp, startCore, startReleaseDemo } from './helpers/gateway.js'

// The request path's histograms count as plain numbers; Prometheus must not see the difference.
test('a bound histogram renders exactly as prom-client\'s own, for the same observations', async (t) => {
  const buckets = [0.001, 0.01, 0.1, 1]
  const ours = new Registry()
  const theirs = new Registry()
  const bound = new BoundHistogram({ name: 'x_seconds', help: 'Some time', labelNames: ['contract', 'direction'], buckets, registers: [ours] })
  const reference = new Histogram({ name: 'x_seconds', help: 'Some time', labelNames: ['contract', 'direction'], buckets, registers: [theirs] })
  const seen = [0.0005, 0.001, 0.002, 0.05, 0.5, 1, 3, 0.0001]
  const up = bound.labels({ contract: '1.0.0', direction: 'request' })
  const down = bound.labels({ direction: 'response', contract: '1.0.0' })
  for (const [i, value] of seen.entries()) {
    (i % 2 === 0 ? up : down).observe(value)
    reference.labels(i % 2 === 0 ? { contract: '1.0.0', direction: 'request' } : { contract: '1.0.0', direction: 'response' }).observe(value)
  }
  t.equal(await ours.metrics(), await theirs.metrics())
  t.equal(bound.labels({ direction: 'request', contract: '1.0.0' }) !== up, true, 'a timer per ask')
  bound.labels({ direction: 'request', contract: '1.0.0' }).observe(0.2)
  reference.labels({ contract: '1.0.0', direction: 'request' }).observe(0.2)
  t.equal(await ours.metrics(), await theirs.metrics(), 'the same label set, asked again in another order, is the same series')
})

test('a series bound but never observed is not rendered, as prom-client leaves it out', async (t) => {
  const registry = new Registry()
  const bound = new BoundHistogram({ name: 'y_seconds', help: 'Other time', labelNames: ['upstream'], buckets: [1], registers: [registry] })
  bound.labels({ upstream: 'core' })
  t.equal(await registry.metrics(), '# HELP y_seconds Other time\n# TYPE y_seconds histogram\n')
})

/**
 * One sample of a Prometheus text exposition: the value of the series `name{labels}` (its labels in
 * any order, and no others), or undefined when it is absent.
 */
function sample (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const got = (match[2] ?? '').match(/[a-z_]+="[^"]*"/g)?.sort().join(',') ?? ''
    if (got === wanted) return Number(match[3])
  }
  return undefined
}

test('the gateway\'s metrics, scraped on the admin port', async (t) => {
  const { core, url: coreUrl } = await startCore(t)
  const { url, asAdmin } = await startReleaseDemo(t, { ...await pgSchema(t), EVERGATE_BODY_LIMIT: '64' }, coreUrl)
  const scrape = async () => {
    const res = await asAdmin('/metrics')
    t.equal(res.status, 200)
    return res.text
  }

  t.test('Node\'s process metrics', async (t) => {
    const text = await scrape()
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_active_handles_total']) {
      t.match(text, new RegExp(`^${name} \\d`, 'm'), name)
    }
  })

  t.test('request duration, by contract version, route and status', async (t) => {
    for (let i = 0; i < 3; i++) t.equal((await call(url, '/profile', { version: '1.0.0' })).status, 200)
    t.equal((await call(url, '/articles/none', { version: '3.0.0' })).status, 404, 'the core\'s own 404')
    const text = await scrape()
    const series = 'evergate_request_duration_seconds'
    const profile = { contract: '1.0.0', route: 'GET /profile', status: '200' }
    t.equal(sample(text, `${series}_count`, profile), 3)
    t.equal(sample(text, `${series}_bucket`, { ...profile, le: '+Inf' }), 3)
    const sum = sample(text, `${series}_sum`, profile) as number
    t.ok(sum > 0 && sum < 3, 'the seconds they took')
    t.equal(sample(text, `${series}_count`, { contract: '3.0.0', route: 'GET /articles/:id', status: '404' }), 1)
    t.match(text, `# TYPE ${series} histogram`)
    // Buckets are cumulative, from the smallest to +Inf.
    const bounds = ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '15', '+Inf']
    const counts = bounds.map((le) => sample(text, `${series}_bucket`, { ...profile, le }) as number)
    t.ok(counts.every((n) => Number.isInteger(n)), 'every bucket')
    t.same(counts, [...counts].sort((a, b) => a - b), 'cumulative counts')
  })

  t.test('requests the gateway refused or failed, by error code', async (t) => {
    t.equal((await call(url, '/profile', { version: '0.9.0' })).status, 426, 'older than every contract')
    t.equal((await call(url, '/profile', { version: 'nine' })).status, 400, 'not a version')
    t.equal((await call(url, '/profile', { version: 'nine' })).status, 400)
    t.equal((await call(url, '/bookmarks', { method: 'POST', version: '3.0.0', json: { article_id: 'art_001' } })).status, 400, 'no folder')
    t.equal((await call(url, '/bookmarks', { method: 'POST', version: '3.0.0', json: { article_id: 'art_001', folder: 'x'.repeat(100) } })).status, 413)
    t.match(await rawHttp(url, 'GET /profile HTTP/1.1\r\nHost: x\r\nX-App-Version: 1.0.0\r\nExpect: fancy\r\n\r\n'), /^HTTP\/1.1 417/, 'answered by Node\'s server, not a route')
    await asAdmin('/rules', { method: 'POST', json: { range: '<1.5.0', status: 'retired' } })
    t.equal((await call(url, '/profile', { version: '1.2.0' })).status, 426, 'retired')
    const text = await scrape()
    const refused = (reason: string) => sample(text, 'evergate_refused_requests_total', { reason })
    t.equal(refused('EVG_ERR_VERSION_UNSUPPORTED'), 1)
    t.equal(refused('EVG_ERR_VERSION_INVALID'), 2)
    t.equal(refused('EVG_ERR_VALIDATION'), 1)
    t.equal(refused('EVG_ERR_BODY_TOO_LARGE'), 1)
    t.equal(refused('EVG_ERR_EXPECTATION_FAILED'), 1)
    t.equal(refused('EVG_ERR_APP_RETIRED'), 1)
    t.equal(refused('EVG_ERR_UPSTREAM_UNREACHABLE'), undefined, 'a failure is not a refusal')

    // The core goes away: every request fails, and says why.
    await core.close()
    t.equal((await call(url, '/profile', { version: '1.6.0' })).status, 502)
    const unreachable = { reason: 'EVG_ERR_UPSTREAM_UNREACHABLE' }
    t.equal(sample(await scrape(), 'evergate_failed_requests_total', unreachable), 1)
    t.equal(sample(await scrape(), 'evergate_failed_requests_total', unreachable), 1, 'counted once, however often scraped')
  })
})

test('the release policy\'s state follows a rule change', async (t) => {
  const { url, asAdmin } = await startReleaseDemo(t, await pgSchema(t))
  for (const [version, platform] of [['1.6.0', 'android'], ['1.2.0', 'android'], ['3.0.0', 'ios'], ['2.3.0', 'ios']]) {
    t.equal((await call(url, '/articles', { version, headers: { 'x-app-platform': platform } })).status, 200)
  }
  t.equal((await call(url, '/articles', { version: '1.6.0' })).status, 200, 'an app that names no platform')
  // Writes the counts: the versions in use are worked out from them at the next change.
  t.equal((await asAdmin('/usage')).status, 200)
  const versions = async () => {
    const text = (await asAdmin('/metrics')).text
    const out: Record<string, number | undefined> = {}
    for (const platform of ['android', 'ios', 'unknown']) {
      for (const status of ['supported', 'deprecated', 'retired']) {
        out[`${platform} ${status}`] = sample(text, 'evergate_release_versions', { platform, status })
      }
    }
    return { rules: sample(text, 'evergate_release_rules'), ...out }
  }

  t.equal((await asAdmin('/rules', { method: 'POST', json: { range: '<2.0.0', status: 'deprecated' } })).status, 201)
  t.same(await versions(), {
    rules: 1,
    'android supported': 0, 'android deprecated': 2, 'android retired': 0,
    'ios supported': 2, 'ios deprecated': 0, 'ios retired': 0,
    'unknown supported': 0, 'unknown deprecated': 1, 'unknown retired': 0
  })
  t.equal((await asAdmin('/rules', { method: 'POST', json: { range: '<1.5.0', status: 'retired', platform: 'android' } })).status, 201)
  t.match(await versions(), { rules: 2, 'android deprecated': 1, 'android retired': 1, 'unknown deprecated': 1, 'unknown retired': 0 })
})

test('a bound counter renders exactly as prom-client\'s own, for the same counts', async (t) => {
  const ours = new Registry()
  const theirs = new Registry()
  const bound = new BoundCounter({ name: 'z_total', help: 'Some count', labelNames: ['contract', 'status'], registers: [ours] })
  const reference = new Counter({ name: 'z_total', help: 'Some count', labelNames: ['contract', 'status'], registers: [theirs] })
  const ok = bound.labels({ contract: '1.0.0', status: '200' })
  const missing = bound.labels({ status: '404', contract: '1.0.0' })
  bound.labels({ contract: '2.0.0', status: '200' })
  for (let i = 0; i < 3; i++) ok.inc()
  missing.inc()
  reference.inc({ contract: '1.0.0', status: '200' }, 3)
  reference.inc({ contract: '1.0.0', status: '404' })
  t.equal(await ours.metrics(), await theirs.metrics(), 'a series bound but never counted is left out, as prom-client leaves it out')
  bound.labels({ status: '200', contract: '1.0.0' }).inc()
  reference.inc({ contract: '1.0.0', status: '200' })
  t.equal(await ours.metrics(), await theirs.metrics(), 'the same label set, asked again in another order, is the same series')
})
