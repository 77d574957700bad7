import Fastify from 'fastify'
import t from 'tap'
import { call, startGateway, urlOf } from '../helpers/gateway.js'
import bundle from '../fixtures/bundles/moved-to-headers/index.js'

// Request steps that move a value out of the query or the body into a header for the core
// (ctx.coreHeaders): the core speaks head and echoes what reached it.

t.test('values moved from the request into headers', async (t) => {
  let calls = 0
  const core = Fastify()
  const echo = (request: { url: string, headers: unknown, body?: unknown }) => {
    calls++
    return { url: request.url, headers: request.headers, body: request.body ?? null }
  }
  core.get('/search', async (request) => echo(request))
  core.post('/orders', async (request, reply) => reply.code(201).send(echo(request)))
  await core.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => core.close())
  const { url } = await startGateway(t, urlOf(core), { bundle })

  t.test('a query parameter becomes a header', async (t) => {
    const res = await call(url, '/search?query=tea&api_key=k-123', { version: '1.0.0', headers: { 'x-api-key': 'from-client' } })
    t.equal(res.status, 200)
    t.equal(res.json.url, '/search?query=tea', 'gone from the query')
    t.equal(res.json.headers['x-api-key'], 'k-123', 'the step\'s value over the client\'s header of that name')
    t.equal(res.json.headers['x-api-key-seen'], 'true', 'the headers step ran after, on what the query step left')

    const none = await call(url, '/search?query=tea', { version: '1.0.0', headers: { 'x-api-key': 'from-client' } })
    t.equal(none.json.headers['x-api-key'], 'from-client', 'a step that sets nothing leaves the client\'s headers as they were')
  })

  t.test('a body field becomes a header, and the body goes without it', async (t) => {
    const res = await call(url, '/orders', { method: 'POST', version: '1.0.0', json: { item: 'tea', idempotency_key: 'order-1' } })
    t.equal(res.status, 201)
    t.same(res.json.body, { item: 'tea' })
    t.equal(res.json.headers['idempotency-key'], 'order-1')
    t.equal(res.json.headers['content-length'], String(Buffer.byteLength('{"item":"tea"}')), 'the length is of the body sent')

    const head = await call(url, '/orders', { method: 'POST', version: '2.0.0', json: { item: 'tea' }, headers: { 'idempotency-key': 'order-2' } })
    t.equal(head.json.headers['idempotency-key'], 'order-2', 'a head client sends it itself')
  })

  t.test('a header a step got wrong is the step\'s fault, and the core is never asked', async (t) => {
    const before = calls
    const res = await call(url, '/orders', { method: 'POST', version: '1.0.0', json: { item: 'tea', note: 'line\r\nset-cookie: x=1' } })
    t.equal(res.status, 500)
    t.equal(res.headers['x-evergate-error-code'], 'EVG_ERR_ADAPTER_FAILED')
    t.equal(calls, before)

    const next = await call(url, '/orders', { method: 'POST', version: '1.0.0', json: { item: 'tea', idempotency_key: 'order-3' }, headers: { 'x-api-key': 'k' } })
    t.equal(next.status, 201, 'and the next request is served as usual')
  })
})
