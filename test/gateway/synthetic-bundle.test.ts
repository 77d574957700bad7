import Fastify from 'fastify'
import t from 'tap'
import bundle from '../fixtures/bundles/valid/index.js'
import { call, startGateway, urlOf } from '../helpers/gateway.js'
import { startNotesCore } from '../helpers/notes-core.js'

// Every kind of change the engine knows, through a real gateway, on the fixture "Notes" bundle.

t.test('the fixture bundle, end to end', async (t) => {
  const notes = await startNotesCore(t)
  const stats = Fastify()
  stats.get('/stats', async () => ({ count: 2 }))
  await stats.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => stats.close())
  const { url } = await startGateway(t, notes.url, { bundle, env: { EVERGATE_UPSTREAMS: `stats=${urlOf(stats)}` } })
  const as = (version: string, path: string, opts: Parameters<typeof call>[2] = {}) => call(url, path, { version, ...opts })

  t.test('a moved route with a params step is rebuilt on the new path', async (t) => {
    const res = await as('1.2.0', '/note/N1')
    t.equal(res.status, 200)
    t.same(res.json, { id: 'n1', text: 'first' })
    t.equal(notes.seen.at(-1)?.url, '/notes/n1')
  })

  t.test('a response step may turn a record into a 404 in the client\'s shape', async (t) => {
    t.same((await as('1.2.0', '/note/n2')).json, { msg: 'Note n2 not found' })
    t.same((await as('1.2.0', '/note/N2')).json, { msg: 'Note N2 not found' },
      'steps read the request as the client sent it, though an earlier step changed its params in place')
    t.equal(notes.seen.at(-1)?.url, '/notes/n2')
    const v2 = await as('2.0.0', '/notes/n2')
    t.equal(v2.status, 404)
    t.same(v2.json, { error: { code: 'not_found', message: 'Note n2 not found' } })
    t.same((await as('3.0.0', '/notes/n2')).json.tags, ['secret'])
  })

  t.test('request bodies run the chain up, once serialised', async (t) => {
    const res = await as('1.0.0', '/notes', { method: 'POST', json: { text: 'hello' } })
    t.equal(res.status, 201)
    t.same(res.json, { id: 'n3', text: 'hello' })
    const forwarded = notes.seen.at(-1)
    t.same(JSON.parse(forwarded?.body ?? ''), { body: 'hello', tags: [] })
    t.equal(forwarded?.headers['content-length'], String(Buffer.byteLength(forwarded?.body ?? '')))
  })

  t.test('a removed route answers 410 in the client\'s shape', async (t) => {
    const res = await as('1.0.0', '/legacy')
    t.equal(res.status, 410)
    t.same(res.json, { msg: 'Legacy was retired: use GET /notes' })
    t.equal(res.headers['x-evergate-error-code'], 'EVG_ERR_ROUTE_GONE')
  })

  t.test('an added route does not exist for older clients; it goes to its own core service', async (t) => {
    t.equal((await as('1.0.0', '/stats')).status, 404)
    const res = await as('2.0.0', '/stats')
    t.equal(res.status, 200)
    t.same(res.json, { count: 2 })
  })

  t.test('the gateway refuses to start when a route\'s core service has no URL', async (t) => {
    await t.rejects(startGateway(t, notes.url, { bundle }), /served by the "stats" core service, but no URL is configured/)
  })
})
