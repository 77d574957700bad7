import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { request as undiciRequest } from 'undici'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { call, HEAD, rawHttp, startDemo, startGateway, urlOf } from '../helpers/gateway.js'
import { startNotesCore } from '../helpers/notes-core.js'
import bundle from '../fixtures/bundles/valid/index.js'

t.test('every response says which contract served it, and varies on the version', async (t) => {
  const { url } = await startDemo(t, { env: { EVERGATE_USER_AGENT_APPS: 'Pulse' } })
  const res = await call(url, '/articles/art_001', { version: '2.4.7' })
  t.equal(res.headers['x-contract-version'], '2.3.0')
  t.equal(res.headers.vary, 'x-app-version, user-agent')
  const error = await call(url, '/articles/art_999', { version: '2.4.7' })
  t.equal(error.headers['x-contract-version'], '2.3.0')
  t.equal(error.headers.vary, 'x-app-version, user-agent')
  const none = await call(url, '/articles/art_001')
  t.equal(none.headers['x-contract-version'], HEAD, 'no header: head')
  const ua = await call(url, '/profile', { headers: { 'user-agent': 'Pulse/1.3.0 (Android 14)' } })
  t.equal(ua.status, 200, 'User-Agent is the fallback')
  t.equal(ua.headers['x-contract-version'], '1.0.0')
  const { url: plain } = await startDemo(t)
  const unnamed = await call(plain, '/articles/art_001', { headers: { 'user-agent': 'Pulse/1.3.0 (Android 14)' } })
  t.equal(unnamed.headers['x-contract-version'], '3.0.0', 'no app names configured: no fallback')
  t.equal(unnamed.headers.vary, 'x-app-version', 'and no Vary on User-Agent')
})

t.test('HEAD answers wherever GET does, with GET\'s headers and no body', async (t) => {
  const { url } = await startDemo(t)
  for (const [version, path] of [[HEAD, '/articles'], ['1.0.0', '/articles'], ['1.0.0', '/profile'], ['2.3.0', '/users/me']]) {
    const get = await call(url, path, { version })
    const head = await undiciRequest(url + path, { method: 'HEAD', headers: { 'x-app-version': version } })
    t.equal(head.statusCode, 200, `${version} HEAD ${path}`)
    t.equal(await head.body.text(), '')
    t.equal(head.headers['content-length'], String(Buffer.byteLength(get.text)), 'the length GET sends')
    t.equal(head.headers['x-contract-version'], get.headers['x-contract-version'])
  }
  const health = await undiciRequest(`${url}/_evergate/health`, { method: 'HEAD' })
  t.equal(health.statusCode, 200)
  await health.body.dump()
})

t.test('the version header name and the missing-version policy are configuration', async (t) => {
  const { url } = await startDemo(t, {
    env: { EVERGATE_VERSION_HEADER: 'Pulse-Version', EVERGATE_MISSING_VERSION: 'reject', EVERGATE_USER_AGENT_FALLBACK: 'false' }
  })
  const res = await call(url, '/profile', { headers: { 'pulse-version': '1.0.0' } })
  t.equal(res.status, 200)
  t.equal(res.headers.vary, 'pulse-version')
  const missing = await call(url, '/users/me', { headers: { 'user-agent': 'Pulse/3.0.0' } })
  t.equal(missing.status, 400)
  t.same(missing.json, { error: { code: 'EVG_ERR_VERSION_REQUIRED', message: 'The pulse-version header is required' } })
})

t.test('what the core receives', async (t) => {
  const notes = await startNotesCore(t)
  const { url } = await startGateway(t, notes.url, { bundle, env: { EVERGATE_UPSTREAMS: `stats=${notes.url}` } })

  t.test('hop-by-hop headers are dropped, forwarding headers set, the request id passed on', async (t) => {
    const res = await call(url, '/notes?x=1&y=2', {
      version: '3.0.0',
      headers: { 'proxy-authorization': 'Basic eDp5', 'x-request-id': 'abc-123', 'x-forwarded-for': '10.1.1.1', authorization: 'Bearer t' }
    })
    t.equal(res.status, 200)
    t.equal(res.headers['x-request-id'], 'abc-123')
    const seen = notes.seen.at(-1)
    t.equal(seen?.url, '/notes?x=1&y=2', 'path and query untouched')
    t.equal(seen?.headers['x-request-id'], 'abc-123')
    t.equal(seen?.headers['x-forwarded-for'], '127.0.0.1', 'an untrusted client\'s list is not passed on')
    t.equal(seen?.headers['x-forwarded-proto'], 'http')
    t.match(seen?.headers['x-forwarded-host'], /^127\.0\.0\.1:\d+$/)
    t.equal(seen?.headers.authorization, 'Bearer t', 'end-to-end headers pass')
    t.equal(seen?.headers['x-app-version'], '3.0.0')
    t.equal(seen?.headers['proxy-authorization'], undefined)
    t.not(seen?.headers.host, new URL(url).host, 'the core is addressed by its own host')
  })

  t.test('headers named in Connection are hop-by-hop too', async (t) => {
    const reply = await rawHttp(url, 'GET /notes HTTP/1.1\r\nHost: x\r\nX-App-Version: 3.0.0\r\n' +
      'Connection: close, X-Secret-Hop\r\nX-Secret-Hop: no\r\nX-Kept: yes\r\n\r\n')
    t.match(reply, /^HTTP\/1\.1 200/)
    t.equal(notes.seen.at(-1)?.headers['x-secret-hop'], undefined)
    t.equal(notes.seen.at(-1)?.headers['x-kept'], 'yes')
  })

  t.test('an absolute-form target reaches the core as its path, without the client\'s authority', async (t) => {
    for (const target of ['http://internal.example/notes?x=1', 'HTTP://internal.example:9/notes?x=1']) {
      const reply = await rawHttp(url, `GET ${target} HTTP/1.1\r\nHost: x\r\nX-App-Version: 3.0.0\r\nConnection: close\r\n\r\n`)
      t.match(reply, /^HTTP\/1\.1 200/, target)
      t.equal(notes.seen.at(-1)?.url, '/notes?x=1', target)
    }
    const renamed = await rawHttp(url, 'GET http://internal.example/note/n1?x=1 HTTP/1.1\r\nHost: x\r\nX-App-Version: 1.0.0\r\nConnection: close\r\n\r\n')
    t.match(renamed, /^HTTP\/1\.1 200/)
    t.equal(notes.seen.at(-1)?.url, '/notes/n1?x=1', 'a path a change moves is rebuilt from the route')
  })

  t.test('a client\'s own X-Forwarded-Host never reaches the core', async (t) => {
    const reply = await rawHttp(url, 'GET /notes HTTP/1.0\r\nX-App-Version: 3.0.0\r\nX-Forwarded-Host: evil.example\r\n\r\n')
    t.match(reply, /^HTTP\/1\.1 200/)
    t.equal(notes.seen.at(-1)?.headers['x-forwarded-host'], undefined, 'no Host (HTTP/1.0): none')
    await call(url, '/notes', { version: '3.0.0', headers: { 'x-forwarded-host': 'evil.example' } })
    t.match(notes.seen.at(-1)?.headers['x-forwarded-host'], /^127\.0\.0\.1:\d+$/, 'with a Host: the Host')
  })

  t.test('a client\'s word on its own scheme and address is not taken from an untrusted peer', async (t) => {
    await call(url, '/notes', {
      version: '3.0.0',
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '10.1.1.1, 10.2.2.2', 'x-real-ip': '10.1.1.1', forwarded: 'for=10.1.1.1;proto=https' }
    })
    const seen = notes.seen.at(-1)?.headers
    t.equal(seen?.['x-forwarded-proto'], 'http')
    t.equal(seen?.['x-forwarded-for'], '127.0.0.1', 'the peer alone: the client\'s list could name anyone (issue 17, 8)')
    t.equal(seen?.['x-real-ip'], '127.0.0.1')
    t.equal(seen?.forwarded, undefined)
  })

  t.test('a request id that is not a sane token is replaced', async (t) => {
    const res = await call(url, '/notes', { version: '3.0.0', headers: { 'x-request-id': 'bad id\twith spaces' } })
    t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/)
    t.equal(notes.seen.at(-1)?.headers['x-request-id'], res.headers['x-request-id'])
  })

  t.test('a body no step touches is forwarded byte for byte', async (t) => {
    const raw = '{ "body" :  "spaced\\u00e9",   "tags": [] }'
    const res = await call(url, '/notes', { version: '3.0.0', method: 'POST', body: raw, headers: { 'content-type': 'application/json' } })
    t.equal(res.status, 201)
    t.equal(notes.seen.at(-1)?.body, raw)
  })

  t.test('head responses stream through untouched; old ones drop stale lengths', async (t) => {
    const head = await call(url, '/notes', { version: '3.0.0' })
    t.equal(head.headers['content-length'], String(Buffer.byteLength(head.text)))
    t.notOk('accept-encoding' in (notes.seen.at(-1)?.headers ?? {}) && notes.seen.at(-1)?.headers['accept-encoding'] === 'identity')
    const old = await call(url, '/notes', { version: '1.0.0', headers: { 'accept-encoding': 'gzip' } })
    t.same(old.json, [{ id: 'n1', text: 'first' }, { id: 'n2', text: 'hidden' }])
    t.equal(old.headers['content-length'], String(Buffer.byteLength(old.text)))
    t.equal(notes.seen.at(-1)?.headers['accept-encoding'], 'identity', 'a body the gateway reads comes uncompressed')
  })
})

t.test('Expect: 100-continue is answered by the gateway, not passed on, and costs no core connection', async (t) => {
  const notes = await startNotesCore(t)
  // One core connection: a request that cost it would leave every later one queued for ever.
  const { url } = await startGateway(t, notes.url, { bundle, env: { EVERGATE_UPSTREAMS: `stats=${notes.url}`, EVERGATE_UPSTREAM_CONNECTIONS: '1' } })
  const body = '{"body":"hi","tags":[]}'
  for (let i = 0; i < 3; i++) {
    const reply = await rawHttp(url, 'POST /notes HTTP/1.1\r\nHost: x\r\nX-App-Version: 3.0.0\r\nContent-Type: application/json\r\n' +
      `Expect: 100-continue\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
    t.match(reply, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /)
    t.equal(notes.seen.at(-1)?.headers.expect, undefined)
    t.equal(notes.seen.at(-1)?.body, body)
  }
  const after = await Promise.race([
    call(url, '/notes', { version: '3.0.0' }),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000).unref())
  ])
  t.equal(after?.status, 200, 'the one core connection still serves')
})

/** The notes gateway in front of a core that answers every request with this JSON and this Vary. */
async function gatewayBefore (t: Parameters<typeof startGateway>[0], vary: string | string[], json: string): Promise<string> {
  const core = createServer((_req, res) => {
    res.setHeader('vary', vary)
    res.setHeader('content-type', 'application/json')
    res.end(json)
  })
  await new Promise<void>((resolve) => core.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { core.closeAllConnections(); core.close(resolve) }))
  const coreUrl = `http://127.0.0.1:${(core.address() as AddressInfo).port}`
  return (await startGateway(t, coreUrl, { bundle, env: { EVERGATE_UPSTREAMS: `stats=${coreUrl}` } })).url
}

t.test('a Vary the core sends as several headers is kept whole', async (t) => {
  const url = await gatewayBefore(t, ['Accept-Encoding', 'Authorization'], '{"items":[]}')
  for (const version of ['3.0.0', '1.0.0']) {
    const res = await call(url, '/notes', { version })
    t.equal(res.status, 200)
    t.equal(res.headers.vary, 'Accept-Encoding, Authorization, x-app-version', version)
  }
})

t.test('an error a response step makes of the core\'s answer varies as that answer did', async (t) => {
  // The core's answer depends on the language asked for; 3.0.0's change hides a note tagged
  // "secret" from older apps with reject(404). That 404 was made from the core's answer too.
  const url = await gatewayBefore(t, 'Accept-Language', '{"id":"n2","body":"hidden","tags":["secret"]}')
  const hidden = await call(url, '/notes/n2', { version: '2.0.0' })
  t.equal(hidden.status, 404)
  t.equal(hidden.headers['x-evergate-error-code'], 'not_found')
  t.equal(hidden.headers.vary, 'Accept-Language, x-app-version', 'the core\'s Vary, then the gateway\'s')
  const shown = await call(url, '/notes/n2', { version: '3.0.0' })
  t.equal(shown.headers.vary, 'Accept-Language, x-app-version', 'as the answer it was made from')
  const gatewayMade = await call(url, '/nowhere', { version: '2.0.0' })
  t.equal(gatewayMade.headers.vary, 'x-app-version', 'an error of the gateway\'s own varies on the version alone')
})

t.test('one log line per request, with app version, platform and contract version', async (t) => {
  const { url: coreUrl } = await startNotesCore(t)
  const lines: Array<Record<string, unknown>> = []
  const stream = { write: (line: string) => { lines.push(JSON.parse(line)) } }
  const config = loadConfig({ CORE_URL: coreUrl, EVERGATE_RELEASE_MANAGEMENT: 'false', EVERGATE_UPSTREAMS: `stats=${coreUrl}` })
  const app = await buildApp({ config, bundle, logger: { level: 'info', stream } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  await call(urlOf(app), '/note/n1', { version: '1.4.0', headers: { 'x-app-platform': 'iOS', 'x-request-id': 'trace-1' } })
  const requestLines = lines.filter((l) => l.reqId === 'trace-1')
  t.equal(requestLines.length, 1)
  t.match(requestLines[0], { msg: 'request', method: 'GET', url: '/note/n1', statusCode: 200, appVersion: '1.4.0', platform: 'ios', contract: '1.0.0', responseTime: Number })
})

t.test('behind a trusted load balancer, the client\'s scheme and host as it saw them reach the core', async (t) => {
  const notes = await startNotesCore(t)
  for (const trust of ['127.0.0.1', 'loopback, 10.0.0.0/8', 'true']) {
    const { url } = await startGateway(t, notes.url, { bundle, env: { EVERGATE_UPSTREAMS: `stats=${notes.url}`, EVERGATE_TRUST_PROXY: trust } })
    // The load balancer (here, the test on 127.0.0.1) terminated TLS for pulse.example.
    await call(url, '/notes', {
      version: '3.0.0',
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.pulse.example', 'x-forwarded-for': '203.0.113.7' }
    })
    const seen = notes.seen.at(-1)?.headers
    t.equal(seen?.['x-forwarded-proto'], 'https', trust)
    t.equal(seen?.['x-forwarded-host'], 'api.pulse.example', trust)
    t.equal(seen?.['x-forwarded-for'], '203.0.113.7, 127.0.0.1', `${trust}: the client, then the load balancer`)
    t.equal(seen?.['x-real-ip'], '203.0.113.7', `${trust}: the client's address as the load balancer saw it`)
  }
})

t.test('a load balancer trusted elsewhere: a client that connects directly is not believed', async (t) => {
  const notes = await startNotesCore(t)
  const { url } = await startGateway(t, notes.url, { bundle, env: { EVERGATE_UPSTREAMS: `stats=${notes.url}`, EVERGATE_TRUST_PROXY: '10.0.0.0/8' } })
  await call(url, '/notes', {
    version: '3.0.0',
    headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', 'x-forwarded-for': '6.6.6.6' }
  })
  const seen = notes.seen.at(-1)?.headers
  t.equal(seen?.['x-forwarded-proto'], 'http')
  t.match(seen?.['x-forwarded-host'], /^127\.0\.0\.1:\d+$/)
  t.equal(seen?.['x-forwarded-for'], '127.0.0.1', 'its claim is dropped: the core would take its first entry for the client (issue 17, 8)')
  t.equal(seen?.['x-real-ip'], '127.0.0.1')
})
