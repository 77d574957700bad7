import t from 'tap'
import { call, rawHttp, startCore, startReleaseDemo } from './helpers/gateway.js'
import { pgSchema } from './helpers/database.js'

/** One sample of a Prometheus text exposition: its value, or undefined when the series is absent. */
function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

t.test('the gateway\'s metrics, scraped on the admin port', async (t) => {
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
    const profile = 'contract="1.0.0",route="GET /profile",status="200"'
    t.equal(sample(text, `${series}_count{${profile}}`), 3)
    t.equal(sample(text, `${series}_bucket{${profile},le="+Inf"}`), 3)
    const sum = sample(text, `${series}_sum{${profile}}`) as number
    t.ok(sum > 0 && sum < 3, 'the seconds they took')
    t.equal(sample(text, `${series}_count{contract="3.0.0",route="GET /articles/:id",status="404"}`), 1)
    t.match(text, `# TYPE ${series} histogram`)
    // Buckets are cumulative, from the smallest to +Inf.
    const buckets = text.split('\n').filter((l) => l.startsWith(`${series}_bucket{${profile},`))
    const bounds = buckets.map((l) => /le="([^"]+)"/.exec(l)?.[1])
    t.equal(bounds.at(-1), '+Inf')
    t.same(bounds.slice(0, -1).map(Number), [...bounds.slice(0, -1).map(Number)].sort((a, b) => a - b), 'ascending bounds')
    const counts = buckets.map((l) => Number(l.split(' ').at(-1)))
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
    const refused = (reason: string) => sample(text, `evergate_refused_requests_total{reason="${reason}"}`)
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
    t.equal(sample(await scrape(), 'evergate_failed_requests_total{reason="EVG_ERR_UPSTREAM_UNREACHABLE"}'), 1)
    t.equal(sample(await scrape(), 'evergate_failed_requests_total{reason="EVG_ERR_UPSTREAM_UNREACHABLE"}'), 1, 'counted once, however often scraped')
  })
})

t.test('the release policy\'s state follows a rule change', async (t) => {
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
        out[`${platform} ${status}`] = sample(text, `evergate_release_versions{platform="${platform}",status="${status}"}`)
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
