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

  t.test('a step whose result cannot be sent as JSON fails this request only, in the app\'s shape', async (t) => {
    const res = await call(url, '/notes?fault=unserializable', { version: '2.0.0' })
    t.equal(res.status, 500)
    t.match(res.json, { error: { code: /^EVG_ERR_/ } })
    t.equal(res.headers.vary, 'x-app-version', 'the answer\'s Vary, once')
    await healthy()
  })

  t.test('headers a step sets that Node could not send fail this request only, never half sent', async (t) => {
    for (const fault of ['response-header-value', 'response-header-number', 'response-header-sparse', 'request-header-name', 'request-headers-not-object']) {
      const res = await call(url, `/notes?fault=${fault}`, { version: '2.0.0' })
      t.equal(res.status, 500, fault)
      t.match(res.json, { error: { code: 'EVG_ERR_ADAPTER_FAILED' } }, fault)
      t.notOk('set-cookie' in res.headers, 'no header smuggled')
    }
    await healthy()
  })

  t.test('a headers step that fails on a streamed body stops the core sending it', async (t) => {
    const res = await call(url, '/stats', { version: '2.0.0' })
    t.equal(res.status, 500)
    t.match(res.json, { error: { code: 'EVG_ERR_ADAPTER_FAILED' } })
    await notes.hungUp() // the core's endless body: it never ends unless the gateway hangs up
    await healthy()
  })

  t.test('the headers that frame a message stay the gateway\'s', async (t) => {
    const res = await call(url, '/notes?fault=framing-headers', { version: '2.0.0' })
    t.equal(res.status, 200)
    t.same(res.json, { items: [{ id: 'n1', body: 'first' }, { id: 'n2', body: 'hidden' }] })
    t.equal(res.headers['content-length'], String(Buffer.byteLength(res.text)))
    t.notOk('transfer-encoding' in res.headers)
    t.equal(res.headers.connection, 'keep-alive')
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
