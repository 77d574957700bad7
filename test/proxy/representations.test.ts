import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { call, startGateway } from '../helpers/gateway.js'

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

  const head = await call(url, '/articles', { version: '3.0.0' })
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

  const list = await call(url, '/articles', { version: '1.0.0', headers: { 'if-none-match': '"old", W/"v1;contract=1.0.0"' } })
  t.equal(list.status, 304, 'a weak tag in a list is found too')
  t.equal(core.seen.at(-1)?.['if-none-match'], '"old", W/"v1"')

  const otherVariant = await call(url, '/articles', { version: '1.0.0', headers: { 'if-none-match': '"v1;contract=2.3.0"' } })
  t.equal(otherVariant.status, 200, 'a tag of another contract version\'s variant never matches this one')
  t.equal(core.seen.at(-1)?.['if-none-match'], '"v1;contract=2.3.0"')
  t.equal(otherVariant.headers.etag, '"v1;contract=1.0.0"')

  const head = await call(url, '/articles', { version: '3.0.0', headers: { 'if-none-match': '"v1"' } })
  t.equal(head.status, 304)
  t.equal(head.headers.etag, '"v1"', 'an untranslated 304 keeps the core\'s tag')
})

t.test('If-Match on a write reaches the core as the core\'s tag', async (t) => {
  const core = await taggingCore(t)
  const { url } = await startGateway(t, core.url)
  await call(url, '/profile', { method: 'PUT', version: '1.0.0', headers: { 'if-match': '"v1;contract=1.0.0"' }, json: { name: 'Ada Lovelace' } })
  const seen = core.seen.at(-1)
  t.equal(seen?.['if-match'], '"v1"')
})

t.test('a byte range is asked of the core only when the client gets the core\'s bytes', async (t) => {
  const core = await taggingCore(t)
  const { url } = await startGateway(t, core.url)
  const ranged = { range: 'bytes=0-9', 'if-range': '"v1"' }

  const old = await call(url, '/articles', { version: '1.0.0', headers: ranged })
  t.equal(old.status, 200)
  t.equal(core.seen.at(-1)?.range, undefined, 'a range of the core\'s bytes is not one of the translated body')
  t.equal(core.seen.at(-1)?.['if-range'], undefined)

  await call(url, '/articles', { version: '3.0.0', headers: ranged })
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
  for (const [version, path] of [['3.0.0', '/articles'], ['1.0.0', '/articles'], ['3.0.0', '/articles?cursor=large'], ['1.0.0', '/articles?cursor=large']]) {
    const res = await call(url, path, { version, headers: { 'if-none-match': '"v1"' } })
    t.equal(res.status, 304, `${version} ${path}`)
    t.equal(res.headers.etag, version === '1.0.0' ? '"v1;contract=1.0.0"' : '"v1"')
    t.equal(res.text, '')
  }
})
