import { Type } from '@sinclair/typebox'
import t from 'tap'
import { SchemaChecker } from '../../src/compatibility/schema-checker.js'
import { defineBundle, defineContract } from '../../src/engine/index.js'
import statusesBundle from '../fixtures/bundles/statuses/index.js'
import { v2 } from '../fixtures/bundles/statuses/contracts.js'
import { call } from '../helpers/gateway.js'
import { startDemoMock } from '../helpers/mock.js'

// A deployment with no examples, whose statuses changed between versions (201 -> 200, 204 -> 200,
// 200 -> 204): every answer is generated, and an app asks for a status as its version knows it.

const schemas = new SchemaChecker()

t.test('with no examples, every answer is generated from head and translated down', async (t) => {
  const { url } = await startDemoMock(t, { source: statusesBundle })
  const created = await call(url, '/notes', { version: '2.0.0', method: 'POST', json: { body: 'hi' } })
  t.equal(created.status, 200, 'head\'s 201, as 2.0.0 apps get it')
  t.equal(schemas.check(v2.routes['POST /notes'].responses[200], created.json, { closed: true }), null, 'a generated note')
  const deleted = await call(url, '/notes/n1', { version: '2.0.0', method: 'DELETE' })
  t.same([deleted.status, deleted.json], [200, { deleted: true, id: 'n1' }], 'head\'s 204, given the body 2.0.0 apps expect')
  const gone = await call(url, '/notes/n1', { version: '3.0.0', method: 'DELETE' })
  t.same([gone.status, gone.text], [204, ''], 'head\'s own 204 has no body')
  const archived = await call(url, '/notes/n1/archive', { version: '3.0.0', method: 'POST' })
  t.equal(archived.status, 200)
  t.match(archived.json, { id: String, archived_at: String })

  // Prefer: code= names the status the app knows; head's own is taken too.
  for (const [version, code, path, method, answered] of [
    ['2.0.0', '200', '/notes', 'POST', 200],
    ['2.0.0', '201', '/notes', 'POST', 200],
    ['2.0.0', '204', '/notes/n1/archive', 'POST', 204],
    ['3.0.0', '201', '/notes', 'POST', 201]
  ] as const) {
    const res = await call(url, path, { version, method, json: method === 'POST' && path === '/notes' ? { body: 'hi' } : undefined, headers: { prefer: `code=${code}` } })
    t.equal(res.status, answered, `${version} ${method} ${path} code=${code}`)
  }
  const unknown = await call(url, '/notes/n1', { version: '1.0.0', method: 'DELETE', headers: { prefer: 'code=202' } })
  t.same([unknown.status, unknown.json], [400, { message: 'This route answers 204 or 200, or an error (400 to 599): not 202', status: 400 }], 'in 1.0.0\'s error shape')
  const named = await call(url, '/notes/n1', { version: '3.0.0', method: 'DELETE', headers: { prefer: 'example=x' } })
  t.same(named.json.error, { code: 'EVG_ERR_MOCK_UNKNOWN_EXAMPLE', message: 'No example "x" on this route: it has none' })
})

t.test('a schema the generator cannot honour is a 500 in the app\'s shape, not a made-up value', async (t) => {
  const head = defineContract({
    version: '1.0.0',
    error: Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) }),
    formatError: ({ code, message }) => ({ error: { code, message } }),
    routes: { 'GET /files/:id': { params: Type.Object({ id: Type.String() }), responses: { 200: Type.String({ contentEncoding: 'base64' }) } } }
  })
  const { url } = await startDemoMock(t, { source: defineBundle({ contracts: [head], changesDir: t.testdir({}) }) })
  const res = await call(url, '/files/f1')
  t.equal(res.status, 500)
  t.same(res.json, { error: { code: 'EVG_ERR_INTERNAL', message: 'The mock failed to answer' } })
})
