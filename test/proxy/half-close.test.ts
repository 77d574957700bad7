import { connect } from 'node:net'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { startDemo, startGateway } from '../helpers/gateway.js'

// Issue 17, defect 2: a client that half-closes its connection once its request is sent (a
// FIN, `shutdown(SHUT_WR)`) still reads the answer. The gateway took the FIN for the client
// leaving, stopped the core exchange and answered nothing.

/** Sends `bytes`, ends the write side, and returns everything read until the gateway closes. */
async function halfClose (base: string, bytes: string): Promise<string> {
  const { port } = new URL(base)
  return await new Promise((resolve, reject) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true }, () => socket.end(bytes))
    let data = ''
    socket.on('data', (chunk) => { data += chunk.toString() })
    socket.on('error', reject)
    socket.on('close', () => resolve(data))
  })
}

t.test('a request followed by a half-close is answered, then the connection closes', async (t) => {
  const { url } = await startDemo(t)
  const head = await halfClose(url, 'GET /users/me HTTP/1.1\r\nHost: x\r\nX-App-Version: 3.0.0\r\n\r\n')
  t.match(head, /^HTTP\/1\.1 200 [^]*\r\n\r\n\{"id":"usr_1"/, 'proxied as it is')
  const v1 = await halfClose(url, 'GET /profile HTTP/1.1\r\nHost: x\r\nX-App-Version: 1.0.0\r\n\r\n')
  t.match(v1, /^HTTP\/1\.1 200 [^]*"name":"Ada Lovelace"/, 'translated')
  const body = '{"article_id":"art_001","folder":"Read later"}'
  const post = await halfClose(url, 'POST /bookmarks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${body.length}\r\n\r\n${body}`)
  t.match(post, /^HTTP\/1\.1 201 /, 'with a body')
})

t.test('a half-closed client waits for a slow core and is still answered', async (t) => {
  const core = createServer((_req, res) => {
    const body = '{"items":[],"next_cursor":null}'
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body), 200)
  })
  await new Promise<void>((resolve) => core.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { core.closeAllConnections(); core.close(resolve) }))
  const { url } = await startGateway(t, `http://127.0.0.1:${(core.address() as AddressInfo).port}`)
  const reply = await halfClose(url, 'GET /articles HTTP/1.1\r\nHost: x\r\nX-App-Version: 3.0.0\r\n\r\n')
  t.match(reply, /^HTTP\/1\.1 200 [^]*\{"items":\[\],"next_cursor":null\}$/)
})
