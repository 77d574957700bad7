import t from 'tap'
import { call, rawHttp, startDemo } from '../helpers/gateway.js'

// Whatever a client sends, it gets a clear 4xx in its own contract's error shape, and the
// gateway keeps serving everyone else.

t.test('bad input', async (t) => {
  const { url } = await startDemo(t, { env: { EVERGATE_BODY_LIMIT: '1024' } })

  t.test('broken JSON', async (t) => {
    const v1 = await call(url, '/profile', { version: '1.0.0', method: 'PUT', body: '{"name": ', headers: { 'content-type': 'application/json' } })
    t.equal(v1.status, 400)
    t.match(v1.json, { code: 400, message: /not valid JSON/ })
    t.equal(v1.headers['x-evergate-error-code'], 'EVG_ERR_INVALID_JSON')
    const head = await call(url, '/bookmarks', { method: 'POST', body: '[1,', headers: { 'content-type': 'application/json' } })
    t.match(head.json, { error: { code: 'EVG_ERR_INVALID_JSON' } })
    const empty = await call(url, '/bookmarks', { method: 'POST', body: '', headers: { 'content-type': 'application/json' } })
    t.equal(empty.status, 400)
  })

  t.test('prototype poisoning is refused, not forwarded', async (t) => {
    const res = await call(url, '/bookmarks', { method: 'POST', body: '{"article_id":"art_001","folder":"x","__proto__":{"admin":true}}', headers: { 'content-type': 'application/json' } })
    t.equal(res.status, 400)
    t.equal(res.json.error.code, 'EVG_ERR_INVALID_JSON')
  })

  t.test('wrong types, missing and unknown fields name the field', async (t) => {
    const wrong = await call(url, '/users/me', { method: 'PATCH', json: { first_name: 7 } })
    t.equal(wrong.status, 400)
    t.same(wrong.json.error.details, [{ field: 'body.first_name', message: 'must be string' }])
    const extra = await call(url, '/users/me', { method: 'PATCH', json: { admin: true } })
    t.same(extra.json.error.details, [{ field: 'body.admin', message: 'must NOT have additional properties' }])
    const notObject = await call(url, '/bookmarks', { method: 'POST', json: 'art_001' })
    t.equal(notObject.status, 400)
    t.equal(notObject.json.error.code, 'EVG_ERR_VALIDATION')
    const noBody = await call(url, '/bookmarks', { method: 'POST' })
    t.equal(noBody.status, 400)
    t.equal(noBody.json.error.code, 'EVG_ERR_VALIDATION')
  })

  t.test('an oversized body is a 413', async (t) => {
    const res = await call(url, '/profile', { version: '1.0.0', method: 'PUT', json: { name: 'x'.repeat(2000) } })
    t.equal(res.status, 413)
    t.same(res.json, { message: 'The request body is larger than 1024 bytes', code: 413 })
  })

  t.test('a body that is not JSON is a 415', async (t) => {
    const res = await call(url, '/bookmarks', { method: 'POST', body: 'article_id=art_001', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    t.equal(res.status, 415)
    t.equal(res.json.error.code, 'EVG_ERR_UNSUPPORTED_MEDIA_TYPE')
  })

  t.test('junk and too-old version headers', async (t) => {
    const junk = await call(url, '/articles', { version: 'banana' })
    t.equal(junk.status, 400)
    t.equal(junk.json.error.code, 'EVG_ERR_VERSION_INVALID')
    const huge = await call(url, '/articles', { version: '1'.repeat(5000) })
    t.equal(huge.status, 400)
    t.ok(huge.text.length < 400, 'the junk is not echoed back whole')
    const old = await call(url, '/profile', { version: '0.9.0' })
    t.equal(old.status, 426)
    t.same(old.json, {
      message: 'App version 0.9.0 is no longer supported (the oldest supported is 1.0.0): please update the app',
      code: 426,
      minimum_version: '1.0.0'
    }, 'the answer a retired build gets (in 1.0.0\'s shape, which leaves out a null upgrade URL)')
    // Pre-releases strict semver refuses (a leading zero) once threw where every route is chosen.
    const zero = await call(url, '/profile', { version: '2.0.0-01' })
    t.equal(zero.status, 200)
    t.equal(zero.headers['x-contract-version'], '1.0.0', 'read as 2.0.0-1, a pre-release of 2.0.0')
    const twice = await rawHttp(url, 'GET /profile HTTP/1.1\r\nHost: x\r\nX-App-Version: 1.2.0\r\nX-App-Version: 9.9.9\r\nConnection: close\r\n\r\n')
    t.match(twice, /^HTTP\/1\.1 200 [^]*x-contract-version: 1\.0\.0/i, 'a header sent twice: the first wins')
    const health = await call(url, '/_evergate/health', { version: '1.0.0-a.00' })
    t.equal(health.status, 200, 'and the gateway is still up')
  })

  t.test('unknown routes are a 404 in the client\'s shape', async (t) => {
    const v1 = await call(url, '/nope?x=1', { version: '1.0.0' })
    t.equal(v1.status, 404)
    t.same(v1.json, { message: 'No route GET /nope', code: 404 })
    t.equal(v1.headers['x-contract-version'], '1.0.0')
    const head = await call(url, '/articles', { method: 'DELETE' })
    t.same(head.json, { error: { code: 'EVG_ERR_ROUTE_NOT_FOUND', message: 'No route DELETE /articles' } })
  })

  t.test('URLs the router refuses are answered in the client\'s shape, without echoing them', async (t) => {
    const v1 = await call(url, '/articles/%ff', { version: '1.0.0' })
    t.equal(v1.status, 400)
    t.same(v1.json, { message: 'The request URL is not valid (a malformed percent-encoding)', code: 400 })
    t.equal(v1.headers['x-evergate-error-code'], 'EVG_ERR_BAD_URL')
    t.equal(v1.headers['x-contract-version'], '1.0.0')
    t.match(v1.headers.vary, /x-app-version/)
    const long = await call(url, `/articles/${'a'.repeat(101)}`)
    t.equal(long.status, 414)
    t.same(long.json, { error: { code: 'EVG_ERR_PATH_PARAM_TOO_LONG', message: 'A path parameter is longer than 100 characters' } })
    const junk = await call(url, '/articles/%ff', { version: 'banana' })
    t.equal(junk.status, 400)
    t.equal(junk.json.error.code, 'EVG_ERR_BAD_URL', 'an unreadable version gets the default shape')
  })

  t.test('a malformed request line does not take the gateway down', async (t) => {
    const reply = await rawHttp(url, 'GET /\u0000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    t.match(reply, /^HTTP\/1\.1 400/)
    t.equal((await call(url, '/users/me')).status, 200, 'still serving')
  })
})

t.test('what Node\'s HTTP parser refuses is JSON too, with a stable code', async (t) => {
  const { url } = await startDemo(t, { env: { EVERGATE_REQUEST_TIMEOUT_MS: '300', EVERGATE_MISSING_VERSION: '1.0.0' } })
  const bodyOf = (reply: string) => JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))

  const huge = await rawHttp(url, `GET /articles HTTP/1.1\r\nHost: x\r\nX-Junk: ${'x'.repeat(20_000)}\r\n\r\n`)
  t.match(huge, /^HTTP\/1\.1 431 /)
  t.match(huge, /\r\nx-evergate-error-code: EVG_ERR_HEADERS_TOO_LARGE\r\n/i)
  t.same(bodyOf(huge), { message: 'The request headers are too large', code: 431 }, 'in the shape of a request with no version (here 1.0.0)')

  const malformed = await rawHttp(url, 'POST /bookmarks HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}')
  t.match(malformed, /^HTTP\/1\.1 400 /)
  t.same(bodyOf(malformed), { message: 'The request is not valid HTTP', code: 400 })

  const slowHeaders = await rawHttp(url, 'GET /articles HTTP/1.1\r\nHost: x\r\n')
  t.match(slowHeaders, /^HTTP\/1\.1 408 /, 'headers that do not all come')
  t.same(bodyOf(slowHeaders), { message: 'The request was not received in time', code: 408 })

  // A body announced and never sent: before, the connection (and any shutdown) waited for ever.
  const started = Date.now()
  const stalled = await rawHttp(url, 'POST /bookmarks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{')
  t.match(stalled, /^HTTP\/1\.1 408 /, 'a body that does not all come')
  t.same(bodyOf(stalled), { message: 'The request was not received in time', code: 408 })
  t.ok(Date.now() - started < 5000, `answered after the timeout (${Date.now() - started} ms)`)

  t.equal((await call(url, '/articles', { version: '3.0.0' })).status, 200, 'and everyone else is served')
})

// Issue 17, defects 3 and 4: what Node answered itself had an empty body, or the shape of a
// request that names no version although its headers had been read whole.
t.test('what Node would answer itself is JSON in the shape of the version the headers name', async (t) => {
  const { url } = await startDemo(t, { env: { EVERGATE_REQUEST_TIMEOUT_MS: '300' } })
  const split = (reply: string) => {
    const end = reply.indexOf('\r\n\r\n')
    return { head: reply.slice(0, end + 2), body: JSON.parse(reply.slice(end + 4)) }
  }

  const stalled = split(await rawHttp(url, 'PUT /profile HTTP/1.1\r\nHost: x\r\nX-App-Version: 1.0.0\r\n' +
    'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{'))
  t.match(stalled.head, /^HTTP\/1\.1 408 [^]*\r\nx-evergate-error-code: EVG_ERR_REQUEST_TIMEOUT\r\n/i)
  t.same(stalled.body, { message: 'The request was not received in time', code: 408 }, 'a body that stalls after 1.0.0\'s headers')
  const headless = split(await rawHttp(url, 'PUT /profile HTTP/1.1\r\nHost: x\r\nX-App-Version: 1.0.0\r\n'))
  t.same(headless.body, { error: { code: 'EVG_ERR_REQUEST_TIMEOUT', message: 'The request was not received in time' } },
    'headers that never end name no version: head\'s shape')

  const fancy = split(await rawHttp(url, 'GET /users/me HTTP/1.1\r\nHost: x\r\nExpect: fancy\r\nConnection: close\r\n\r\n'))
  t.match(fancy.head, /^HTTP\/1\.1 417 [^]*\r\nx-evergate-error-code: EVG_ERR_EXPECTATION_FAILED\r\n/i)
  t.same(fancy.body, { error: { code: 'EVG_ERR_EXPECTATION_FAILED', message: 'The only Expect the gateway meets is 100-continue' } })
  const fancyV1 = split(await rawHttp(url, 'GET /profile HTTP/1.1\r\nHost: x\r\nX-App-Version: 1.0.0\r\nExpect: fancy\r\nConnection: close\r\n\r\n'))
  t.same(fancyV1.body, { message: 'The only Expect the gateway meets is 100-continue', code: 417 })

  const hostless = split(await rawHttp(url, 'GET /users/me HTTP/1.1\r\n\r\n'))
  t.match(hostless.head, /^HTTP\/1\.1 400 [^]*\r\nconnection: close\r\n/i)
  t.match(hostless.head, /\r\nx-evergate-error-code: EVG_ERR_HOST_REQUIRED\r\n/i)
  t.same(hostless.body, { error: { code: 'EVG_ERR_HOST_REQUIRED', message: 'An HTTP/1.1 request must have a Host header' } })
  const hostlessV1 = split(await rawHttp(url, 'GET /profile HTTP/1.1\r\nX-App-Version: 1.0.0\r\n\r\n'))
  t.same(hostlessV1.body, { message: 'An HTTP/1.1 request must have a Host header', code: 400 })
  t.match(await rawHttp(url, 'GET /users/me HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 /, 'HTTP/1.0 needs no Host')

  const tunnel = split(await rawHttp(url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'))
  t.match(tunnel.head, /^HTTP\/1\.1 405 [^]*\r\nconnection: close\r\n/i, 'answered, and the connection closed')
  t.match(tunnel.head, /\r\nx-evergate-error-code: EVG_ERR_CONNECT_NOT_SUPPORTED\r\n/i)
  t.match(tunnel.head, /\r\nallow: \r\n/i, 'no method is allowed on an authority')
  t.same(tunnel.body, { error: { code: 'EVG_ERR_CONNECT_NOT_SUPPORTED', message: 'CONNECT is not supported: the gateway is not a forward proxy' } })

  t.equal((await call(url, '/users/me')).status, 200, 'and everyone else is served')
})
