import t from 'tap'
import semver from 'semver'
import { head as contract } from '../../contracts/head.js'
import { call, startDemo } from '../helpers/gateway.js'
import { closed, violations } from '../helpers/contract.js'

// Head: the gateway adds nothing but its headers, and still checks the contract. The suite is
// named for head, not its number: when head moves on, `evergate contracts new` gives the old head
// a suite of its own, and this one goes on testing whatever head is.
const VERSION = contract.version
const routes = contract.routes
const conforms = (schema: Parameters<typeof violations>[0], value: unknown) => violations(closed(schema), value)

t.test(`contract ${VERSION} (head)`, async (t) => {
  const { url, coreUrl } = await startDemo(t)
  const as = (path: string, opts: Parameters<typeof call>[2] = {}) => call(url, path, { version: semver.inc(VERSION, 'minor') as string, ...opts })

  t.test('an app newer than every contract is served head', async (t) => {
    const res = await as('/articles')
    t.equal(res.headers['x-contract-version'], VERSION)
    t.same(conforms(routes['GET /articles'].responses[200], res.json), [])
    t.equal(res.json.items.length, 20)
    t.ok(res.json.items.some((a: { kind: string }) => a.kind === 'podcast'))
    t.same(res.json, (await call(coreUrl, '/articles')).json, 'the body is the core\'s, untouched')
  })

  t.test('GET /articles/:id shows podcasts', async (t) => {
    const res = await as('/articles/art_003')
    t.equal(res.status, 200)
    t.same(conforms(routes['GET /articles/:id'].responses[200], res.json), [])
    t.equal(res.json.kind, 'podcast')
  })

  t.test('POST /bookmarks needs a folder', async (t) => {
    const missing = await as('/bookmarks', { method: 'POST', json: { article_id: 'art_001' } })
    t.equal(missing.status, 400)
    t.same(conforms(contract.error, missing.json), [])
    t.same(missing.json.error.details, [{ field: 'body.folder', message: "must have required property 'folder'" }])
    const res = await as('/bookmarks', { method: 'POST', json: { article_id: 'art_003', folder: 'Listen' } })
    t.equal(res.status, 201)
    t.same(conforms(routes['POST /bookmarks'].responses[201], res.json), [])
    const list = await as('/bookmarks')
    t.same(conforms(routes['GET /bookmarks'].responses[200], list.json), [])
    t.equal(list.json[0].folder, 'Listen')
  })

  t.test('users/me, both ways', async (t) => {
    const patched = await as('/users/me', { method: 'PATCH', json: { first_name: 'Augusta' } })
    t.equal(patched.status, 200)
    t.same(conforms(routes['PATCH /users/me'].responses[200], patched.json), [])
    const me = await as('/users/me')
    t.same(conforms(routes['GET /users/me'].responses[200], me.json), [])
    t.equal(me.json.first_name, 'Augusta')
  })
})
