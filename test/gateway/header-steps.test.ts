import Fastify from 'fastify'
import t from 'tap'
import { call, startGateway, startReleaseDemo, urlOf } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'
import bundle from '../fixtures/bundles/headers/index.js'

// Changes that move values between headers, and between headers and bodies: a token header
// renamed (up), rate-limit headers renamed (down), a count that 1.0.0 apps read from a header,
// an error code they read from a header too. The core speaks head and records what reached it.

async function startCore (t: { teardown (fn: () => unknown): void }) {
  const seen: Array<Record<string, string | string[] | undefined>> = []
  const core = Fastify()
  core.addHook('onRequest', async (request, reply) => {
    seen.push({ ...request.headers })
    reply.header('ratelimit-remaining', '41')
  })
  core.get('/notes', async () => ({ items: [{ id: 'n1', body: 'first', tags: [] }, { id: 'n2', body: 'second', tags: ['x'] }] }))
  core.get<{ Params: { id: string } }>('/notes/:id', async (request, reply) => request.params.id === 'n1'
    ? { id: 'n1', body: 'first', tags: [] }
    : reply.code(404).send({ error: { code: 'not_found', message: `Note ${request.params.id} not found` } }))
  core.post('/notes', async (_request, reply) => reply.code(201).send({ id: 'n3', body: 'new', tags: [] }))
  // Bytes no serialiser would write: they arrive as they left only if nobody parsed them.
  core.get('/stats', async (_request, reply) => reply.type('application/json').send('{ "count" : 2 }'))
  await core.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => core.close())
  return { url: urlOf(core), seen }
}

t.test('header steps', async (t) => {
  const core = await startCore(t)
  const { url } = await startGateway(t, core.url, { bundle, env: { EVERGATE_UPSTREAMS: `stats=${core.url}` } })

  t.test('request headers go up, oldest change first, before the gateway adds its own', async (t) => {
    const res = await call(url, '/notes', {
      method: 'POST',
      version: '1.0.0',
      json: { text: 'new' },
      headers: { 'x-auth-token': 't0k', 'x-idempotency-token': 'k-1', 'x-forwarded-host': 'evil.example' }
    })
    t.equal(res.status, 201)
    t.same(res.json, { id: 'n3', text: 'new' })
    const got = core.seen.at(-1) ?? {}
    t.equal(got.authorization, 'Bearer t0k', '3.0.0 made the token a bearer token')
    t.equal(got['idempotency-key'], 'k-1', '2.0.0 renamed the idempotency header first')
    t.notOk('x-auth-token' in got)
    t.notOk('x-idempotency-token' in got)
    t.equal(got['x-forwarded-host'], new URL(url).host, 'what the gateway sets is still its own')

    await call(url, '/notes', { method: 'POST', version: '1.0.0', json: { text: 'new' } })
    t.notOk('idempotency-key' in (core.seen.at(-1) ?? {}), 'a header set to undefined is left out')
    t.notOk('authorization' in (core.seen.at(-1) ?? {}))

    await call(url, '/notes', { version: '3.0.0', headers: { 'x-auth-token': 't0k' } })
    t.equal(core.seen.at(-1)?.['x-auth-token'], 't0k', 'head clients are not translated')
    t.notOk('authorization' in (core.seen.at(-1) ?? {}))
  })

  t.test('response headers come down with the body, in version order', async (t) => {
    const res = await call(url, '/notes', { version: '1.0.0' })
    t.equal(res.status, 200)
    t.same(res.json, [{ id: 'n1', text: 'first' }, { id: 'n2', text: 'second' }])
    t.equal(res.headers['x-total-count'], '2', 'a 2.0.0 body step moved the count into a header')
    t.equal(res.headers['x-ratelimit-remaining'], '41', '3.0.0 renamed the rate-limit header')
    t.notOk('ratelimit-remaining' in res.headers)
    t.equal(res.headers['x-contract-version'], '1.0.0')
    t.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)), 'the length is the gateway\'s')

    const v2 = await call(url, '/notes', { version: '2.0.0' })
    t.same(v2.json, { items: [{ id: 'n1', body: 'first' }, { id: 'n2', body: 'second' }] })
    t.equal(v2.headers['x-ratelimit-remaining'], '41')
    t.notOk('x-total-count' in v2.headers, 'only 1.0.0 has the count header')

    const head = await call(url, '/notes', { version: '3.0.0' })
    t.equal(head.headers['ratelimit-remaining'], '41', 'head gets the core\'s headers')
  })

  t.test('a route whose only steps are on headers streams its body unparsed', async (t) => {
    const res = await call(url, '/stats', { version: '2.0.0' })
    t.equal(res.status, 200)
    t.equal(res.text, '{ "count" : 2 }', 'the core\'s bytes')
    t.equal(res.headers['x-ratelimit-remaining'], '41')
    t.notOk('ratelimit-remaining' in res.headers)
    t.notOk(res.headers.etag?.toString().includes('contract='), 'the body is the core\'s representation')
  })

  t.test('headers steps run on errors too; errors steps may set headers', async (t) => {
    const v2 = await call(url, '/notes/n9', { version: '2.0.0' })
    t.equal(v2.status, 404)
    t.same(v2.json, { error: { code: 'not_found', message: 'Note n9 not found' } })
    t.equal(v2.headers['x-ratelimit-remaining'], '41', 'the route\'s headers step, on a 404')

    const v1 = await call(url, '/note/n9', { version: '1.0.0' })
    t.equal(v1.status, 404)
    t.same(v1.json, { msg: 'Note n9 not found' })
    t.equal(v1.headers['x-error-code'], 'not_found', 'the errors step set it')
    t.equal(v1.headers['x-ratelimit-remaining'], '41')

    const own = await call(url, '/nowhere', { version: '1.0.0' })
    t.equal(own.status, 404)
    t.same(own.json, { msg: 'No route GET /nowhere' })
    t.equal(own.headers['x-error-code'], 'EVG_ERR_ROUTE_NOT_FOUND', 'on the gateway\'s own errors too')
    t.equal(own.headers['x-evergate-error-code'], 'EVG_ERR_ROUTE_NOT_FOUND')
  })

  t.test('a deprecated app keeps the policy\'s Deprecation, Sunset and Link whatever a step adds', async (t) => {
    const env = { ...await pgSchema(t), EVERGATE_UPSTREAMS: `stats=${core.url}` }
    const release = await startReleaseDemo(t, env, core.url, bundle)
    const rule = await release.asAdmin('/rules', {
      method: 'POST',
      json: { range: '<2.0.0', status: 'deprecated', sunset_date: '2099-01-01', upgrade_url: 'https://notes.example/update' }
    })
    t.equal(rule.status, 201)
    const policyLinks = '<https://notes.example/update>; rel="deprecation", <https://notes.example/update>; rel="sunset"'
    const answers = {
      'the core\'s 404': await call(release.url, '/note/n9', { version: '1.0.0' }),
      'the gateway\'s own 400': await call(release.url, '/notes', { method: 'POST', version: '1.0.0', json: { words: 'no text' } })
    }
    for (const [what, res] of Object.entries(answers)) {
      t.equal(res.headers['x-error-code'] === undefined, false, `${what}: the errors step ran`)
      t.equal(res.headers.link, `<https://notes.example/errors>; rel="help", ${policyLinks}`, `${what}: the step's link, then the policy's`)
      t.match(res.headers.deprecation, /^@\d+$/, what)
      t.equal(res.headers.sunset, 'Thu, 01 Jan 2099 00:00:00 GMT', what)
    }
  })
})
