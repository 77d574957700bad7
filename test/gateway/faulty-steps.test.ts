import t from 'tap'
import { call, startGateway } from '../helpers/gateway.js'
import { startNotesCore } from '../helpers/notes-core.js'
import bundle from '../fixtures/bundles/faulty/index.js'

// A bundle that loads but whose steps misbehave at request time: the client still gets an error in
// a JSON shape with a stable code, and the process goes on serving.

t.test('steps that misbehave at request time', async (t) => {
  const notes = await startNotesCore(t)
  const { url } = await startGateway(t, notes.url, { bundle, env: { EVERGATE_UPSTREAMS: `stats=${notes.url}` } })
  const healthy = async () => t.equal((await call(url, '/notes', { version: '2.0.0' })).status, 200, 'and the gateway still serves')

  t.test('a step that returns a promise fails this request only', async (t) => {
    const old = await call(url, '/notes?fault=promise', { version: '1.0.0' })
    t.equal(old.status, 500)
    t.same(old.json, { msg: 'Translating between this app version and the service failed' }, '1.0.0\'s shape')
    t.equal(old.headers['x-evergate-error-code'], 'EVG_ERR_ADAPTER_FAILED')
    const newer = await call(url, '/notes?fault=promise', { version: '2.0.0' })
    t.match(newer.json, { error: { code: 'EVG_ERR_ADAPTER_FAILED' } })
    await new Promise((resolve) => setTimeout(resolve, 50)) // where an unhandled rejection would land
    await healthy()
  })

  t.test('reject() with a status that is not an error is the step\'s fault', async (t) => {
    const res = await call(url, '/notes?fault=reject-200', { version: '2.0.0' })
    t.equal(res.status, 500)
    t.match(res.json, { error: { code: 'EVG_ERR_ADAPTER_FAILED' } })
  })

  t.test('an error the client\'s shape cannot carry is a 500 in head\'s shape, never Fastify\'s', async (t) => {
    const uncopyable = await call(url, '/notes?fault=uncopyable-details', { version: '1.0.0' })
    t.equal(uncopyable.status, 500)
    t.same(uncopyable.json, { error: { code: 'EVG_ERR_ADAPTER_FAILED', message: 'Translating between this app version and the service failed' } })
    t.equal(uncopyable.headers['x-evergate-error-code'], 'EVG_ERR_ADAPTER_FAILED')
    t.same((await call(url, '/notes?fault=uncopyable-details', { version: '2.0.0' })).json,
      { error: { code: 'conflict', message: 'details with a function' } }, 'a client whose shape needs no step gets the rejection')

    const broken = await call(url, '/unrenderable', { version: '1.0.0' })
    t.equal(broken.status, 500, 'the gateway\'s own 404 could not be put in 1.0.0\'s shape')
    t.same(broken.json, { error: { code: 'EVG_ERR_ADAPTER_FAILED', message: 'Translating between this app version and the service failed' } })
    t.notMatch(broken.text, /this errors step breaks|statusCode/, 'no internals')
    t.same((await call(url, '/elsewhere', { version: '1.0.0' })).json, { msg: 'No route GET /elsewhere' }, 'other errors render as before')

    const promised = await call(url, '/promised', { version: '1.0.0' })
    t.equal(promised.status, 500, 'an errors step that returns a promise fails the same way')
    t.same(promised.json, { error: { code: 'EVG_ERR_ADAPTER_FAILED', message: 'Translating between this app version and the service failed' } })
    await new Promise((resolve) => setTimeout(resolve, 50)) // where an unhandled rejection would land
    await healthy()

    const core = await call(url, '/note/unrenderable', { version: '1.0.0' })
    t.equal(core.status, 500, 'the core\'s 404 failed in the errors step')
    t.same(core.json, { msg: 'Translating between this app version and the service failed' }, 'and that failure is in 1.0.0\'s shape')
    await healthy()
  })
})
