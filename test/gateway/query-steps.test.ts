import Fastify from 'fastify'
import t from 'tap'
import { call, startGateway, urlOf } from '../helpers/gateway.js'
import bundle from '../fixtures/bundles/query/index.js'

// A request step on the query: the core gets head's parameters, encoded once, repeated keys kept.

t.test('query steps', async (t) => {
  const core = Fastify()
  core.get('/search', async (request) => ({ url: request.url, query: request.query }))
  core.get('/me', async (_request, reply) => reply.header('etag', '"1"').send({ id: 'u1' }))
  await core.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => core.close())
  const { url } = await startGateway(t, urlOf(core), { bundle })

  const old = await call(url, '/search?q=caf%C3%A9%20%26%20tea&count=5&tag=a&tag=b%2Fc', { version: '1.0.0' })
  t.equal(old.status, 200)
  t.same(old.json.query, { query: 'café & tea', limit: '5', tag: ['a', 'b/c'] }, 'head\'s names, the values as sent')
  t.equal(old.json.url, '/search?query=caf%C3%A9+%26+tea&limit=5&tag=a&tag=b%2Fc')

  const bare = await call(url, '/search?q=x', { version: '1.0.0' })
  t.equal(bare.json.url, '/search?query=x', 'a parameter the step left undefined is not sent')

  const head = await call(url, '/search?query=caf%C3%A9&limit=2', { version: '2.0.0' })
  t.equal(head.json.url, '/search?query=caf%C3%A9&limit=2', 'a head client\'s query goes byte for byte')

  const invalid = await call(url, '/search?count=2', { version: '1.0.0' })
  t.equal(invalid.status, 400, '1.0.0\'s own contract is checked before the step runs')

  const anonymous = await call(url, '/me', { version: '1.0.0' })
  t.equal(anonymous.status, 400, 'a header the contract requires is checked like the query')
  t.match(anonymous.json, { message: /authorization/ })
  const signedIn = await call(url, '/me', { version: '1.0.0', headers: { authorization: 'Bearer t' } })
  t.equal(signedIn.status, 200)
  t.equal(signedIn.headers.etag, '"1"')
})
