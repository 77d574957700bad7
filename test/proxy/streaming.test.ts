import { once } from 'node:events'
import { connect } from 'node:net'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { call, HEAD, rawHttp, startGateway } from '../helpers/gateway.js'

// Bodies the gateway does not read: small ones are sent whole, large or open-ended ones stream,
// at the client's pace, and stop at the core when the client leaves.

type Handler = (req: IncomingMessage, res: ServerResponse) => void

async function core (t: { teardown (fn: () => unknown): void }, handler: Handler): Promise<string> {
  const server: Server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const articlesPage = (n: number) => JSON.stringify({
  items: Array.from({ length: n }, (_, i) => ({ id: `art_${i}`, title: 'x'.repeat(100) })),
  next_cursor: null
})

t.test('a small body with a length is read whole before the client is answered', async (t) => {
  const body = articlesPage(3)
  const url = await core(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), etag: '"v1"' })
    res.write(body.slice(0, 10))
    setTimeout(() => res.end(body.slice(10)), 300)
  })
  const { url: gateway } = await startGateway(t, url)
  const started = Date.now()
  const req = httpRequest(`${gateway}/articles`, { headers: { 'x-app-version': HEAD } })
  req.end()
  const [res] = await once(req, 'response') as [IncomingMessage]
  t.ok(Date.now() - started >= 250, 'the headers came once the whole body had')
  let text = ''
  for await (const chunk of res) text += String(chunk)
  t.equal(res.statusCode, 200)
  t.equal(text, body)
  t.equal(res.headers['content-length'], String(Buffer.byteLength(body)))
  t.equal(res.headers['content-type'], 'application/json')
  t.equal(res.headers.etag, '"v1"', 'the core\'s own headers pass')
})

t.test('what Fastify would add to a Buffer, the gateway does not', async (t) => {
  const url = await core(t, (req, res) => {
    if (req.url === '/articles?kind=untyped') res.writeHead(200, { 'content-length': '5' }).end('hello')
    else if (req.url === '/articles?kind=empty') res.writeHead(200, { 'content-length': '0' }).end()
    else res.writeHead(304, { etag: '"v1"' }).end()
  })
  const { url: gateway } = await startGateway(t, url)
  const untyped = await call(gateway, '/articles?kind=untyped')
  t.equal(untyped.text, 'hello')
  t.equal(untyped.headers['content-type'], undefined, 'no type the core did not send')
  t.equal(untyped.headers['content-length'], '5')
  const empty = await call(gateway, '/articles?kind=empty')
  t.equal(empty.status, 200)
  t.equal(empty.headers['content-type'], undefined)
  t.equal(empty.headers['content-length'], '0')
  const notModified = await call(gateway, '/articles', { headers: { 'if-none-match': '"v1"' } })
  t.equal(notModified.status, 304)
  t.equal(notModified.headers.etag, '"v1"')
  t.equal(notModified.headers['content-type'], undefined)
  t.equal(notModified.headers['content-length'], undefined, 'no length either')
})

t.test('1xx answers before the real one are not taken for it', async (t) => {
  const page = JSON.stringify({ items: [], next_cursor: null })
  const url = await core(t, (_req, res) => {
    res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' })
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(page), 20)
  })
  const { url: gateway } = await startGateway(t, url)
  for (let i = 0; i < 3; i++) {
    const head = await call(gateway, '/articles')
    t.equal(head.status, 200)
    t.equal(head.text, page)
    const translated = await call(gateway, '/articles', { version: '2.3.0' })
    t.equal(translated.status, 200)
    t.same(translated.json, { items: [], next_cursor: null })
  }
})

t.test('JSON after a byte order mark is still JSON', async (t) => {
  const page = JSON.stringify({ items: [], next_cursor: null })
  const url = await core(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('\uFEFF' + page)
  })
  const { url: gateway } = await startGateway(t, url)
  const res = await call(gateway, '/articles', { version: '2.0.0' })
  t.equal(res.status, 200)
  t.same(res.json, [])
})

t.test('a large body, and one of unknown length, stream through byte for byte', async (t) => {
  const large = articlesPage(2000)
  t.ok(Buffer.byteLength(large) > 64 * 1024)
  const url = await core(t, (req, res) => {
    if (req.url?.includes('cursor') === true) {
      // No Content-Length: chunked, as a core that writes as it goes would send it.
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(large.slice(0, 1000))
      setTimeout(() => res.end(large.slice(1000)), 20)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(large) }).end(large)
  })
  const { url: gateway } = await startGateway(t, url)
  const sized = await call(gateway, '/articles')
  t.equal(sized.status, 200)
  t.equal(sized.text, large)
  t.equal(sized.headers['content-length'], String(Buffer.byteLength(large)))
  const open = await call(gateway, '/articles?cursor=abc')
  t.equal(open.status, 200)
  t.equal(open.text, large)
  t.equal(open.headers['transfer-encoding'], 'chunked')
})

t.test('a client that leaves mid-body stops the core\'s body too', async (t) => {
  let coreClosed: () => void
  const closed = new Promise<void>((resolve) => { coreClosed = resolve })
  const url = await core(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    // An endless body, written only as fast as the gateway takes it.
    const chunk = Buffer.alloc(16 * 1024, 'a')
    const pump = () => { while (res.write(chunk)); }
    res.on('drain', pump)
    res.on('close', () => coreClosed())
    pump()
  })
  const { url: gateway } = await startGateway(t, url)
  const req = httpRequest(`${gateway}/articles`, { headers: { 'x-app-version': HEAD } })
  req.end()
  const [res] = await once(req, 'response') as [IncomingMessage]
  t.equal(res.statusCode, 200)
  await once(res, 'data')
  res.destroy()
  await closed
  t.pass('the core saw its response closed once the client had gone')
})

t.test('a slow client holds the core back instead of filling the gateway\'s memory', async (t) => {
  let written = 0
  let stalled: () => void
  const backpressure = new Promise<void>((resolve) => { stalled = resolve })
  const url = await core(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const pump = () => {
      while (written < 256 * 1024 * 1024) {
        written += chunk.length
        if (!res.write(chunk)) return stalled()
      }
      res.end()
    }
    res.on('drain', pump)
    pump()
  })
  const { url: gateway } = await startGateway(t, url)
  const req = httpRequest(`${gateway}/articles`, { headers: { 'x-app-version': HEAD } })
  req.end()
  const [res] = await once(req, 'response') as [IncomingMessage]
  res.pause()
  await backpressure
  // The client reads nothing: the core stays blocked once the buffers on the way are full.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const blocked = written
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(written, blocked, 'the core wrote nothing more while the client read nothing')
  t.ok(written < 64 * 1024 * 1024, `${written} bytes in buffers, not the whole 256 MB`)
  res.destroy()
})

t.test('a HEAD on a streamed body stops the core\'s body instead of draining it', async (t) => {
  // Server-sent events: a heartbeat every 20 ms, never an end (and so never a body timeout).
  let closed = () => {}
  const coreClosed = new Promise<string>((resolve) => { closed = () => resolve('closed') })
  const url = await core(t, (req, res) => {
    t.equal(req.method, 'GET', 'the core is asked with a GET')
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const beat = setInterval(() => res.write(': heartbeat\n\n'), 20)
    res.on('close', () => { clearInterval(beat); closed() })
  })
  const { url: gateway } = await startGateway(t, url)
  const req = httpRequest(`${gateway}/articles`, { method: 'HEAD', headers: { 'x-app-version': HEAD } })
  req.end()
  const [res] = await once(req, 'response') as [IncomingMessage]
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/event-stream')
  res.resume()
  const within = new Promise<string>((resolve) => setTimeout(() => resolve('still streaming'), 2000).unref())
  t.equal(await Promise.race([coreClosed, within]), 'closed', 'the core\'s stream ended with the HEAD')
})

t.test('a client that leaves before its answer stops the core\'s work on it', async (t) => {
  // The core takes its time: it sends nothing, or the headers and half of a body it announced.
  const arrived: Array<() => void> = []
  const closed: Array<() => void> = []
  const url = await core(t, (req, res) => {
    if (req.url?.includes('answer') === true) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"next_cursor":null}')
    res.on('close', () => { if (!res.writableFinished) closed.shift()?.() })
    if (req.url?.includes('half') === true) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' })
      res.write('{"items":[')
    }
    arrived.shift()?.()
  })
  const { url: gateway } = await startGateway(t, url)

  const cases = [
    { name: 'waiting for the headers, a body that passes through', version: HEAD, path: '/articles' },
    { name: 'waiting for the headers, a body to translate', version: '1.0.0', path: '/articles' },
    { name: 'collecting a body', version: HEAD, path: '/articles?cursor=half' }
  ]
  for (const { name, version, path } of cases) {
    const atCore = new Promise<void>((resolve) => { arrived.push(resolve) })
    const coreClosed = new Promise<string>((resolve) => { closed.push(() => resolve('closed')) })
    const req = httpRequest(gateway + path, { headers: { 'x-app-version': version } })
    req.on('error', () => {})
    req.end()
    await atCore
    // Really gone: a reset. A FIN alone may be a half-close, still waiting for its answer (see half-close.test.ts).
    req.socket?.resetAndDestroy()
    // The gateway's own timeout for core headers is far longer: only the client leaving can do this.
    const within = new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 2000).unref())
    t.equal(await Promise.race([coreClosed, within]), 'closed', `${name}: the core's request ended with the client's`)
  }

  const after = await call(gateway, '/articles?cursor=answer')
  t.equal(after.status, 200, 'the gateway answers the next client as before')
})

t.test('a client that leaves while its request waits for a core connection is never sent to the core', async (t) => {
  const seen: string[] = []
  let release = () => {}
  let firstArrived = () => {}
  const arrived = new Promise<void>((resolve) => { firstArrived = resolve })
  const url = await core(t, (req, res) => {
    seen.push(req.url ?? '')
    const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"items":[],"next_cursor":null}')
    if (req.url?.includes('held') === true) {
      release = answer
      return firstArrived()
    }
    answer()
  })
  // One connection to the core: while it is held, every other request queues in the gateway.
  const { url: gateway } = await startGateway(t, url, { env: { EVERGATE_UPSTREAM_CONNECTIONS: '1' } })
  const held = call(gateway, '/articles?cursor=held')
  await arrived
  const req = httpRequest(`${gateway}/articles?cursor=gone`, { headers: { 'x-app-version': HEAD } })
  req.on('error', () => {})
  req.end()
  await new Promise((resolve) => setTimeout(resolve, 200))
  req.socket?.resetAndDestroy()
  await new Promise((resolve) => setTimeout(resolve, 100))
  release()
  t.equal((await held).status, 200)
  t.equal((await call(gateway, '/articles?cursor=next')).status, 200, 'the connection serves the next client')
  t.same(seen, ['/articles?cursor=held', '/articles?cursor=next'], 'the request of the client that left never reached the core')
})

t.test('the request timeout is about the request: a long answer to it is not cut', async (t) => {
  const url = await core(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    let sent = 0
    const tick = setInterval(() => {
      res.write(`data: ${sent}\n\n`)
      if (++sent === 6) { clearInterval(tick); res.end() }
    }, 150)
  })
  const { url: gateway } = await startGateway(t, url, { env: { EVERGATE_REQUEST_TIMEOUT_MS: '300' } })
  // A GET with a body, which nothing reads: the request is over once its bytes are in.
  const reply = await rawHttp(gateway, `GET /articles HTTP/1.1\r\nHost: x\r\nX-App-Version: ${HEAD}\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}`)
  t.match(reply, /^HTTP\/1\.1 200 /)
  t.equal(reply.match(/data: \d/g)?.length, 6, 'all six events, over 900 ms')
  t.match(reply, /\r\n0\r\n\r\n$/, 'and the end of the chunked body')
})

t.test('bytes that are not HTTP behind a streaming answer do not end up inside it', async (t) => {
  const url = await core(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: 0\n\n')
    setTimeout(() => res.end('data: 1\n\n'), 400)
  })
  const { url: gateway } = await startGateway(t, url)
  const { port } = new URL(gateway)
  const received = await new Promise<string>((resolve, reject) => {
    let data = ''
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET /articles HTTP/1.1\r\nHost: x\r\nX-App-Version: ${HEAD}\r\n\r\n`)
      setTimeout(() => socket.write('xxxxxxxxxx\r\n\r\n'), 150)
    })
    socket.on('data', (chunk) => { data += String(chunk) })
    socket.on('error', reject)
    socket.on('close', () => resolve(data))
  })
  t.match(received, /^HTTP\/1\.1 200 /)
  t.notMatch(received.slice(10), /HTTP\/1\.1 400/, 'no error response written into the body')
})
