import { once } from 'node:events'
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { UpstreamError } from '../../src/errors.js'
import { ResponseTooLargeError, upstreamFailure } from '../../src/proxy/errors.js'
import { call, HEAD, startGateway } from '../helpers/gateway.js'

// Real faults from a real (misbehaving) core: refused, silent, resetting, babbling.

async function faultyCore (t: { teardown (fn: () => unknown): void }, behave: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(behave)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('a core that refuses connections: 502, in the client\'s shape', async (t) => {
  const closed = await faultyCore(t, () => {})
  const { url } = await startGateway(t, closed.replace(/:\d+$/, ':1'))
  const v1 = await call(url, '/profile', { version: '1.0.0' })
  t.equal(v1.status, 502)
  t.same(v1.json, { message: 'The core service cannot be reached', code: 502 })
  t.equal(v1.headers['x-evergate-error-code'], 'EVG_ERR_UPSTREAM_UNREACHABLE')
  const head = await call(url, '/users/me')
  t.same(head.json, { error: { code: 'EVG_ERR_UPSTREAM_UNREACHABLE', message: 'The core service cannot be reached' } })
})

t.test('a core that never answers: 504 after the headers timeout, not a hang', async (t) => {
  const silent = await faultyCore(t, () => {})
  const { url } = await startGateway(t, silent, { env: { EVERGATE_HEADERS_TIMEOUT_MS: '200' } })
  const started = Date.now()
  const res = await call(url, '/users/me', { version: '2.0.0' })
  t.equal(res.status, 504)
  t.equal(res.json.error.code, 'EVG_ERR_UPSTREAM_TIMEOUT')
  t.ok(Date.now() - started < 5000)
})

t.test('a core that drops the connection: 503', async (t) => {
  let attempts = 0
  const resetting = await faultyCore(t, (req) => {
    attempts++
    req.socket.destroy()
  })
  const { url } = await startGateway(t, resetting)
  const res = await call(url, '/profile', { version: '1.0.0' })
  t.equal(res.status, 503)
  t.same(res.json, { message: 'The core service dropped the connection', code: 503 })
  t.equal(attempts, 2, 'a read is tried once more, not again and again')
})

t.test('a connection the core drops before answering: a read goes again, a write does not', async (t) => {
  // Each first request on a connection is dropped unanswered, as a core does with a keep-alive
  // connection it has just timed out while the gateway reuses it.
  const seen: string[] = []
  const dropping = await faultyCore(t, (req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''}`)
    if (seen.filter((s) => s === `${req.method ?? ''} ${req.url ?? ''}`).length === 1) return req.socket.destroy()
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"next_cursor":null}')
  })
  const { url } = await startGateway(t, dropping)
  const read = await call(url, '/articles?cursor=a')
  t.equal(read.status, 200, 'GET: answered from the second try')
  t.same(read.json, { items: [], next_cursor: null })
  const write = await call(url, '/bookmarks', { method: 'POST', json: { article_id: 'art_001', folder: 'Reading' } })
  t.equal(write.status, 503, 'POST: the core may have acted on it, so it is not sent twice')
  t.same(seen, ['GET /articles?cursor=a', 'GET /articles?cursor=a', 'POST /bookmarks'])
})

t.test('a core that answers with something that is not JSON', async (t) => {
  const babbling = await faultyCore(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>maintenance</h1>')
  })
  const { url } = await startGateway(t, babbling)
  const old = await call(url, '/profile', { version: '1.0.0' })
  t.equal(old.status, 502, 'a body that must be translated and cannot be is a bad gateway')
  t.equal(old.headers['x-evergate-error-code'], 'EVG_ERR_UPSTREAM_BAD_RESPONSE')
  const head = await call(url, '/users/me')
  t.equal(head.status, 200, 'head streams whatever the core says')
  t.equal(head.text, '<h1>maintenance</h1>')
})

t.test('a status no client can be sent (600 and up): 502, and the core\'s body is not left waiting', async (t) => {
  let stopped: Promise<unknown> | undefined
  const odd = await faultyCore(t, (req, res) => {
    if (req.url === '/articles') {
      // A streamed body that never ends: it must be stopped, not read into the void.
      stopped = once(res, 'close')
      res.writeHead(799, { 'content-type': 'application/json' })
      res.write('[')
      return
    }
    res.writeHead(700, { 'content-type': 'application/json' }).end('{}')
  })
  const { url } = await startGateway(t, odd)
  for (const [version, path] of [[HEAD, '/users/me'], ['1.0.0', '/profile'], [HEAD, '/articles']]) {
    const res = await call(url, path, { version })
    t.equal(res.status, 502, `${version} ${path}`)
    t.equal(res.headers['x-evergate-error-code'], 'EVG_ERR_UPSTREAM_BAD_RESPONSE')
    t.equal(res.headers['x-contract-version'], version)
  }
  // Left alone, undici's body timeout would close it 15 s later.
  const state = await Promise.race([stopped?.then(() => 'closed') ?? 'not asked', new Promise((resolve) => setTimeout(resolve, 3000, 'open'))])
  t.equal(state, 'closed', 'the gateway closed the streamed body\'s connection')
  t.equal((await call(url, '/users/me')).status, 502, 'and the gateway goes on answering')
})

t.test('an error with no body (a bare 401) reaches every version as it is, not as a 502', async (t) => {
  const bare = await faultyCore(t, (_req, res) => { res.writeHead(401, { 'www-authenticate': 'Bearer' }).end() })
  const { url } = await startGateway(t, bare)
  for (const [version, path] of [['1.0.0', '/profile'], ['2.0.0', '/users/me'], [HEAD, '/users/me']]) {
    const res = await call(url, path, { version })
    t.equal(res.status, 401, version)
    t.equal(res.text, '', `${version}: nothing to translate`)
    t.equal(res.headers['www-authenticate'], 'Bearer')
    t.equal(res.headers['x-contract-version'], version)
  }
})

t.test('JSON labelled as something else is translated and sent as JSON', async (t) => {
  const mislabelling = await faultyCore(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
      .end('{"id":"usr_1","first_name":"Ada","last_name":"Lovelace","avatar_url":null,"email":"ada@example.com"}')
  })
  const { url } = await startGateway(t, mislabelling)
  const old = await call(url, '/profile', { version: '1.0.0' })
  t.equal(old.status, 200)
  t.equal(old.headers['content-type'], 'application/json; charset=utf-8')
  t.match(old.json, { id: 'usr_1', name: 'Ada Lovelace', avatar: '' })
})

t.test('a core answer a change cannot translate: 500 that names no internals', async (t) => {
  const wrong = await faultyCore(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"unexpected":true}')
  })
  const { url } = await startGateway(t, wrong)
  const res = await call(url, '/articles', { version: '2.0.0' })
  t.equal(res.status, 500)
  t.same(res.json, { error: { code: 'EVG_ERR_ADAPTER_FAILED', message: 'Translating between this app version and the service failed' } })
})

function dyingCore (t: Parameters<typeof faultyCore>[0], length: number): Promise<string> {
  let calls = 0
  return faultyCore(t, (_req, res) => {
    calls++
    if (calls === 1) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(length) })
      res.write('{"items":[')
      setTimeout(() => res.socket?.destroy(), 20)
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"next_cursor":null}')
    }
  })
}

t.test('a core that dies mid-way through a small body: 503 in the client\'s shape, the gateway lives on', async (t) => {
  // A small body is read whole before the client is answered, so there is still time to say why.
  const { url } = await startGateway(t, await dyingCore(t, 1000))
  const cut = await call(url, '/articles')
  t.equal(cut.status, 503)
  t.same(cut.json, { error: { code: 'EVG_ERR_UPSTREAM_RESET', message: 'The core service dropped the connection' } })
  const next = await call(url, '/articles')
  t.equal(next.status, 200)
  const translated = await call(url, '/articles', { version: '2.3.0' })
  t.equal(translated.status, 200)
})

t.test('a core that dies mid-way through a large streamed body: the client connection is cut', async (t) => {
  let headersSeen: () => void
  const seen = new Promise<void>((resolve) => { headersSeen = resolve })
  let calls = 0
  const url = await faultyCore(t, (_req, res) => {
    calls++
    if (calls > 1) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"next_cursor":null}')
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000000' })
    res.write('{"items":[')
    // Dies once the client has the headers: the answer was already under way, and streaming.
    seen.then(() => res.socket?.destroy(), () => {})
  })
  const { url: gateway } = await startGateway(t, url)
  const req = httpRequest(`${gateway}/articles`, { headers: { 'x-app-version': HEAD } })
  req.end()
  const [res] = await once(req, 'response') as [IncomingMessage]
  t.equal(res.statusCode, 200)
  headersSeen!()
  await t.rejects(async () => { for await (const _ of res); }, 'the streamed response is aborted, not completed with junk')
  const next = await call(gateway, '/articles')
  t.equal(next.status, 200)
})

t.test('a core answer too large to translate: 502 in the client\'s shape, not a gateway out of memory', async (t) => {
  const article = (i: number) => ({
    id: `art_${i}`, title: 'x'.repeat(200), summary: 'y'.repeat(200), kind: 'article',
    published_at: '2026-06-30T08:30:00.000Z', price_cents: 149, currency: 'GBP'
  })
  const page = (n: number) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => article(i)), next_cursor: null })
  const small = page(10)
  const big = page(500) // ~250 KB
  const url = await faultyCore(t, (req, res) => {
    const body = req.url?.includes('small') === true ? small : big
    if (req.url?.includes('announced') === true) {
      // Its length says too large; the rest of the body never comes. Only the length can tell.
      return res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) }).write(big.slice(0, 1024))
    }
    if (req.url?.includes('chunked') === true) {
      // No length: the gateway only finds out as the bytes arrive.
      res.writeHead(200, { 'content-type': 'application/json' })
      for (let i = 0; i < body.length; i += 16 * 1024) res.write(body.slice(i, i + 16 * 1024))
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body)
  })
  const { url: gateway } = await startGateway(t, url, { env: { EVERGATE_TRANSLATE_LIMIT: String(100 * 1024) } })

  for (const how of ['length', 'chunked']) {
    const v1 = await call(gateway, `/articles?cursor=${how}`, { version: '1.0.0' })
    t.equal(v1.status, 502, `${how}: a bad gateway`)
    t.same(v1.json, { message: 'The core service sent a response too large to translate', code: 502 }, `${how}: 1.0.0's shape`)
    t.equal(v1.headers['x-evergate-error-code'], 'EVG_ERR_UPSTREAM_TOO_LARGE')
    const v23 = await call(gateway, `/articles?cursor=${how}`, { version: '2.3.0' })
    t.equal(v23.status, 502)
    t.same(v23.json, { error: { code: 'EVG_ERR_UPSTREAM_TOO_LARGE', message: 'The core service sent a response too large to translate' } }, `${how}: 2.3.0's shape`)
    const head = await call(gateway, `/articles?cursor=${how}`)
    t.equal(head.status, 200, `${how}: head reads nothing, so any size streams through`)
    t.equal(head.text, big)
    const under = await call(gateway, `/articles?cursor=small-${how}`, { version: '1.0.0' })
    t.equal(under.status, 200, `${how}: under the limit, translated as ever`)
    t.equal(under.json.length, 10)
  }
  const announced = await call(gateway, '/articles?cursor=announced', { version: '1.0.0' })
  t.equal(announced.headers['x-evergate-error-code'], 'EVG_ERR_UPSTREAM_TOO_LARGE', 'a length over the limit fails at the headers')
})

t.test('failures map onto the hierarchy', async (t) => {
  const cases: Array<[object, string, number]> = [
    [{ code: 'ECONNREFUSED' }, 'EVG_ERR_UPSTREAM_UNREACHABLE', 502],
    [{ code: 'UND_ERR_CONNECT_TIMEOUT' }, 'EVG_ERR_UPSTREAM_TIMEOUT', 504],
    [{ code: 'UND_ERR_BODY_TIMEOUT' }, 'EVG_ERR_UPSTREAM_TIMEOUT', 504],
    [{ cause: { code: 'ENOTFOUND' } }, 'EVG_ERR_UPSTREAM_UNREACHABLE', 502],
    [{ code: 'UND_ERR_SOCKET' }, 'EVG_ERR_UPSTREAM_RESET', 503],
    [new ResponseTooLargeError(1024), 'EVG_ERR_UPSTREAM_TOO_LARGE', 502],
    [{}, 'EVG_ERR_UPSTREAM_RESET', 503]
  ]
  for (const [cause, code, status] of cases) {
    const err = upstreamFailure(cause, 'core') as Error & { code: string, statusCode: number }
    t.equal(err.code, code)
    t.equal(err.statusCode, status)
    t.ok(err instanceof UpstreamError, `${code} is an UpstreamError`)
    t.equal(err.cause, cause)
  }
})
