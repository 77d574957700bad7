import Fastify from 'fastify'
import t from 'tap'
import { call, startGateway, urlOf } from '../helpers/gateway.js'
import bundle from '../fixtures/bundles/statuses/index.js'

// Changes that give older apps another status than head's: 201 answered as 200 (the body
// untouched), 204 as 200 with a body a step makes, 200 as 204 with the body left out, and an
// older version's step for the status its clients get.

t.test('status changes', async (t) => {
  const core = Fastify()
  // Bytes no serialiser would write: they arrive as they left only if nobody parsed them.
  core.post<{ Body: { body: string } }>('/notes', async (request, reply) => request.body.body === ''
    ? reply.code(422).send({ error: { code: 'empty_note', message: 'A note needs a body' } })
    : reply.code(201).header('location', '/notes/n1').type('application/json').send('{ "id" : "n1", "body" : "hi" }'))
  core.delete<{ Params: { id: string } }>('/notes/:id', async (request, reply) => request.params.id === 'n1'
    ? reply.code(204).send()
    : reply.code(404).send({ error: { code: 'not_found', message: `Note ${request.params.id} not found` } }))
  core.post<{ Params: { id: string } }>('/notes/:id/archive', async (request) => ({ id: request.params.id, archived_at: '2026-11-24T10:00:00Z' }))
  core.post<{ Params: { id: string } }>('/notes/:id/pin', async (request) => ({ id: request.params.id, pinned_at: '2026-11-24T11:00:00Z' }))
  await core.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => core.close())
  const { url } = await startGateway(t, urlOf(core), { bundle })

  t.test('a head client gets the core\'s statuses', async (t) => {
    const created = await call(url, '/notes', { method: 'POST', version: '3.0.0', json: { body: 'hi' } })
    t.equal(created.status, 201)
    t.equal((await call(url, '/notes/n1', { method: 'DELETE', version: '3.0.0' })).status, 204)
    t.equal((await call(url, '/notes/n1/archive', { method: 'POST', version: '3.0.0' })).status, 200)
  })

  t.test('201 as 200: the body streams as the core sent it', async (t) => {
    const res = await call(url, '/notes', { method: 'POST', version: '2.0.0', json: { body: 'hi' } })
    t.equal(res.status, 200)
    t.equal(res.text, '{ "id" : "n1", "body" : "hi" }', 'not parsed, not serialised')
    t.equal(res.headers.location, '/notes/n1', 'the core\'s headers as they were')
    t.equal(res.headers['x-contract-version'], '2.0.0')
  })

  t.test('an older version\'s steps run on the status its clients get', async (t) => {
    const res = await call(url, '/notes', { method: 'POST', version: '1.0.0', json: { text: 'hi' } })
    t.equal(res.status, 200)
    t.same(res.json, { id: 'n1', text: 'hi' }, '2.0.0\'s step for 200 translated head\'s 201')
    t.equal(res.headers['x-seen-status'], '200', 'ctx.status is the status the step is given')
  })

  t.test('204 as 200: a step makes the body', async (t) => {
    for (const version of ['2.0.0', '1.0.0']) {
      const res = await call(url, '/notes/n1', { method: 'DELETE', version })
      t.equal(res.status, 200, version)
      t.same(res.json, { deleted: true, id: 'n1' })
      t.match(res.headers['content-type'], /^application\/json/)
      t.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)))
    }
  })

  t.test('a status no change names keeps its own', async (t) => {
    const res = await call(url, '/notes/n9', { method: 'DELETE', version: '2.0.0' })
    t.equal(res.status, 404)
    t.same(res.json, { error: { code: 'not_found', message: 'Note n9 not found' } })
  })

  t.test('200 as 204: the body is left out', async (t) => {
    const res = await call(url, '/notes/n1/archive', { method: 'POST', version: '2.0.0' })
    t.equal(res.status, 204)
    t.equal(res.text, '')
    t.notOk('content-type' in res.headers, 'nothing describes a body that is not there')
    t.notOk('content-length' in res.headers)
    // The connection to the core is still good: the next call on it is answered.
    t.equal((await call(url, '/notes/n1/archive', { method: 'POST', version: '2.0.0' })).status, 204)
  })

  t.test('200 as 204, then 204 as 200: the older step makes its body from none', async (t) => {
    const res = await call(url, '/notes/n1/archive', { method: 'POST', version: '1.0.0' })
    t.equal(res.status, 200)
    t.same(res.json, { archived: true }, 'the step was given undefined, not the core\'s body')
  })

  t.test('200 as 204 through a step: a value moves to a header, no body goes', async (t) => {
    const res = await call(url, '/notes/n1/pin', { method: 'POST', version: '2.0.0' })
    t.equal(res.status, 204)
    t.equal(res.text, '')
    t.equal(res.headers['x-pinned-at'], '2026-11-24T11:00:00Z')
    t.notOk('content-type' in res.headers)
    t.notOk('content-length' in res.headers)
  })

  t.test('an error status renumbered for older apps, the core\'s and the gateway\'s own', async (t) => {
    const head = await call(url, '/notes', { method: 'POST', version: '3.0.0', json: { body: '' } })
    t.equal(head.status, 422)
    const v2 = await call(url, '/notes', { method: 'POST', version: '2.0.0', json: { body: '' } })
    t.equal(v2.status, 400)
    t.same(v2.json, { error: { code: 'empty_note', message: 'A note needs a body' } })
    const v1 = await call(url, '/notes', { method: 'POST', version: '1.0.0', json: { text: '' } })
    t.equal(v1.status, 400)
    t.same(v1.json, { message: 'A note needs a body', status: 400 }, 'the older errors step is given the status its clients get')

    const unreadable = { method: 'POST' as const, body: 'hi', headers: { 'content-type': 'text/plain' } }
    t.equal((await call(url, '/notes', { ...unreadable, version: '3.0.0' })).status, 415)
    const own = await call(url, '/notes', { ...unreadable, version: '1.0.0' })
    t.equal(own.status, 400, 'the gateway\'s own error too')
    t.equal(own.headers['x-evergate-error-code'], 'EVG_ERR_UNSUPPORTED_MEDIA_TYPE', 'its code is the same')
    t.equal(own.json.status, 400)
  })
})
