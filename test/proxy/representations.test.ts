import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { call, HEAD, startGateway } from '../helpers/gateway.js'

// A translated body is not the core's representation: its validators and byte-level headers must
// not claim it is, and what the client sends back about it must reach the core in the core's terms.

const page = JSON.stringify({
  items: [{
    id: 'art_1',
    title: 'Hello',
    summary: 'A first article',
    kind: 'article',
    published_at: '2024-03-01T10:00:00Z',
    price_cents: 250,
    currency: 'GBP'
  }],
  next_cursor: null
})

/** A core with an entity tag and a digest on every answer, honouring If-None-Match; it records what reached it. */
async function taggingCore (t: { teardown (fn: () => unknown): void }) {
  const seen: IncomingHttpHeaders[] = []
  const server: Server = createServer((req, res) => {
    seen.push(req.headers)
    const headers = { etag: '"v1"', 'content-digest': 'sha-256=:abc=:', 'accept-ranges': 'bytes', vary: 'accept-encoding' }
    const match = req.headers['if-none-match']?.split(/\s*,\s*/) ?? []
    if (match.includes('"v1"') || match.includes('W/"v1"')) return res.writeHead(304, headers).end()
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(page) }).end(page)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

t.test('a translated body carries its own entity tag and none of the core\'s byte-level headers', async (t) => {
  const core = await taggingCore(t)
  const { url } = await startGateway(t, core.url)

  const old = await call(url, '/articles', { version: '1.0.0' })
  t.equal(old.status, 200)
  t.same(old.json, [{ id: 'art_1', title: 'Hello', summary: 'A first article', published: '2024-03-01', price: 2.5 }])
  t.equal(old.headers.etag, '"v1;contract=1.0.0"', 'the tag names the variant')
  t.equal(old.headers['content-digest'], undefined, 'a digest of the core\'s bytes is not one of these')
  t.equal(old.headers['accept-ranges'], undefined, 'ranges of a translated body are not served')

  const head = await call(url, '/articles', { version: HEAD })
  t.equal(head.text, page, 'the head client gets the core\'s bytes')
  t.equal(head.headers.etag, '"v1"', 'and the core\'s tag')
  t.equal(head.headers['content-digest'], 'sha-256=:abc=:')
  t.equal(head.headers['accept-ranges'], 'bytes')
})

t.test('the tag a client got revalidates at the core, and the 304 names the variant again', async (t) => {
  const core = await taggingCore(t)
  const { url } = await startGateway(t, core.url)

  const strong = await call(url, '/articles', { version: '1.0.0', headers: { 'if-none-match': '"v1;contract=1.0.0"' } })
  t.equal(strong.status, 304)
  t.equal(core.seen.at(-1)?.['if-none-match'], '"v1"', 'the core got its own tag')
  t.equal(strong.headers.etag, '"v1;contract=1.0.0"')
  t.equal(strong.headers['content-digest'], undefined, 'a cache copies a 304\'s headers onto the body it holds')
  t.equal(strong.headers['accept-ranges'], undefined)

  const list = await call(url, '/articles', { version: '1.0.0', headers: { 'if-none-match': '"old;contract=1.0.0", W/"v1;contract=1.0.0"' } })
  t.equal(list.status, 304, 'a weak tag in a list is found too')
  t.equal(core.seen.at(-1)?.['if-none-match'], '"old", W/"v1"')

  for (const tag of ['"v1;contract=2.3.0"', '"v1"', 'W/"v1"']) {
    const other = await call(url, '/articles', { version: '1.0.0', headers: { 'if-none-match': tag } })
    t.equal(other.status, 200, `${tag} names another variant than 1.0.0's: it never matches`)
    t.equal(core.seen.at(-1)?.['if-none-match'], undefined, 'and the core is asked without it')
    t.equal(other.headers.etag, '"v1;contract=1.0.0"')
  }
  const mixed = await call(url, '/articles', { version: '1.0.0', headers: { 'if-none-match': '"v1", "v2;contract=1.0.0"' } })
  t.equal(core.seen.at(-1)?.['if-none-match'], '"v2"', 'only the tags of its own variant reach the core')
  t.equal(mixed.status, 200)
  await call(url, '/articles', { version: '1.0.0', headers: { 'if-none-match': '*' } })
  t.equal(core.seen.at(-1)?.['if-none-match'], '*', 'any representation at all is any')

  const head = await call(url, '/articles', { version: HEAD, headers: { 'if-none-match': '"v1"' } })
  t.equal(head.status, 304)
  t.equal(head.headers.etag, '"v1"', 'an untranslated 304 keeps the core\'s tag')
})

t.test('If-Match on a write reaches the core as the core\'s tag, and a tag of another variant meets none', async (t) => {
  const core = await taggingCore(t)
  const { url } = await startGateway(t, core.url)
  const write = (tag: string) => call(url, '/profile', { method: 'PUT', version: '1.0.0', headers: { 'if-match': tag }, json: { name: 'Ada Lovelace' } })
  await write('"v1;contract=1.0.0"')
  t.equal(core.seen.at(-1)?.['if-match'], '"v1"')
  await write('"v1"')
  t.equal(core.seen.at(-1)?.['if-match'], '"evergate:matches-nothing"', 'the core refuses it as it refuses any stale tag')
  await write('*')
  t.equal(core.seen.at(-1)?.['if-match'], '*')
})

t.test('a tag the core wrote malformed is not passed on as the translated body\'s', async (t) => {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { etag: 'v1-unquoted', 'content-type': 'application/json' }).end(page)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  const { url } = await startGateway(t, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  t.equal((await call(url, '/articles', { version: '1.0.0' })).headers.etag, undefined)
  t.equal((await call(url, '/articles', { version: HEAD })).headers.etag, 'v1-unquoted', 'the core\'s own bytes keep it')
})

t.test('a byte range is asked of the core only when the client gets the core\'s bytes', async (t) => {
  const core = await taggingCore(t)
  const { url } = await startGateway(t, core.url)
  const ranged = { range: 'bytes=0-9', 'if-range': '"v1"' }

  const old = await call(url, '/articles', { version: '1.0.0', headers: ranged })
  t.equal(old.status, 200)
  t.equal(core.seen.at(-1)?.range, undefined, 'a range of the core\'s bytes is not one of the translated body')
  t.equal(core.seen.at(-1)?.['if-range'], undefined)

  await call(url, '/articles', { version: HEAD, headers: ranged })
  t.equal(core.seen.at(-1)?.range, 'bytes=0-9', 'the head client\'s range is the core\'s to answer')
  t.equal(core.seen.at(-1)?.['if-range'], '"v1"')
})

t.test('a 304 with the Content-Length of the body it stands for is answered, not failed', async (t) => {
  // RFC 9110 8.6 allows it (ASP.NET Core sends it); undici takes the missing bytes for a broken body.
  // The length of a small body (read whole when it comes) and of a large one (streamed when it comes).
  const server: Server = createServer((req, res) => {
    res.writeHead(304, { etag: '"v1"', 'content-length': req.url?.includes('large') === true ? '10485760' : '1234' }).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  const { url } = await startGateway(t, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  for (const [version, path] of [[HEAD, '/articles'], ['1.0.0', '/articles'], [HEAD, '/articles?cursor=large'], ['1.0.0', '/articles?cursor=large']]) {
    const res = await call(url, path, { version, headers: { 'if-none-match': version === '1.0.0' ? '"v1;contract=1.0.0"' : '"v1"' } })
    t.equal(res.status, 304, `${version} ${path}`)
    t.equal(res.headers.etag, version === '1.0.0' ? '"v1;contract=1.0.0"' : '"v1"')
    t.equal(res.text, '')
  }
})
