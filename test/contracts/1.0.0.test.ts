import t from 'tap'
import { contract } from '../../contracts/1.0.0.js'
import { call, startDemo } from '../helpers/gateway.js'
import { closed, violations } from '../helpers/contract.js'

// The first release: what a 2024 build of Pulse sends and expects, answered by today's core.
const VERSION = '1.0.0'
const routes = contract.routes
const conforms = (schema: Parameters<typeof violations>[0], value: unknown) => violations(closed(schema), value)

t.test('contract 1.0.0', async (t) => {
  const { url, coreUrl } = await startDemo(t)
  const as = (path: string, opts: Parameters<typeof call>[2] = {}) => call(url, path, { version: VERSION, ...opts })

  t.test('GET /profile is served by head\'s GET /users/me, in the 1.0.0 shape', async (t) => {
    const res = await as('/profile')
    t.equal(res.status, 200)
    t.same(conforms(routes['GET /profile'].responses[200], res.json), [])
    t.same(res.json, { id: 'usr_1', name: 'Ada Lovelace', email: 'ada@pulse.example', avatar: '', created_at: '2024-03-01T09:00:00.000Z' })
    t.equal(res.headers['x-contract-version'], VERSION)
  })

  t.test('PUT /profile splits the name and maps "" to no avatar', async (t) => {
    const res = await as('/profile', { method: 'PUT', json: { name: 'Grace Brewster Hopper', avatar: 'https://img.pulse.example/g.png' } })
    t.equal(res.status, 200)
    t.same(conforms(routes['PUT /profile'].responses[200], res.json), [])
    t.equal(res.json.name, 'Grace Brewster Hopper')
    t.equal(res.json.avatar, 'https://img.pulse.example/g.png')
    const core = await call(coreUrl, '/users/me')
    t.match(core.json, { first_name: 'Grace', last_name: 'Brewster Hopper', avatar_url: 'https://img.pulse.example/g.png' })

    const cleared = await as('/profile', { method: 'PUT', json: { avatar: '' } })
    t.equal(cleared.json.avatar, '')
    t.equal((await call(coreUrl, '/users/me')).json.avatar_url, null)
    t.equal(cleared.json.name, 'Grace Brewster Hopper', 'a PUT without name keeps the name')
  })

  // Found by the chain properties: the 2.0.0 step split at the first space only, so a valid
  // 1.0.0 name could make a last_name or first_name head refuses, and the app got a 400.
  t.test('PUT /profile: a long name is split where both head parts fit (regression)', async (t) => {
    const name = `Ada ${Array(16).fill('Lovelace').join(' ')}`
    t.equal(name.length, 147)
    const res = await as('/profile', { method: 'PUT', json: { name } })
    t.equal(res.status, 200)
    t.same(conforms(routes['PUT /profile'].responses[200], res.json), [])
    t.equal(res.json.name, name, 'split at a space, the name comes back as it was sent')
    const core = (await call(coreUrl, '/users/me')).json
    t.ok(core.last_name.length <= 100 && core.first_name.length <= 100)
  })

  t.test('PUT /profile: one word longer than a head part is cut at 100 characters (regression)', async (t) => {
    const res = await as('/profile', { method: 'PUT', json: { name: 'x'.repeat(150) } })
    t.equal(res.status, 200)
    t.match((await call(coreUrl, '/users/me')).json, { first_name: 'x'.repeat(100), last_name: 'x'.repeat(50) })
    // Characters are code points, as validation counts them: 150 emoji are 300 UTF-16 units.
    const emoji = await as('/profile', { method: 'PUT', json: { name: '😀'.repeat(150) } })
    t.equal(emoji.status, 200)
    t.match((await call(coreUrl, '/users/me')).json, { first_name: '😀'.repeat(100), last_name: '😀'.repeat(50) })
  })

  t.test('PUT /profile: a name of only whitespace is kept, not refused (regression)', async (t) => {
    const res = await as('/profile', { method: 'PUT', json: { name: ' ' } })
    t.equal(res.status, 200)
    t.same(conforms(routes['PUT /profile'].responses[200], res.json), [])
    t.equal(res.json.name, ' ')
    t.match((await call(coreUrl, '/users/me')).json, { first_name: ' ', last_name: '' })
  })

  t.test('a bad PUT /profile is a 400 in the flat 1.0.0 error shape', async (t) => {
    const res = await as('/profile', { method: 'PUT', json: { name: 42 } })
    t.equal(res.status, 400)
    t.same(conforms(contract.error, res.json), [])
    t.equal(res.json.code, 400)
    t.match(res.json.message, /name/)
    t.equal(res.headers['x-evergate-error-code'], 'EVG_ERR_VALIDATION')
  })

  t.test('GET /articles is a bare array of the first page, without kind, podcasts or cents', async (t) => {
    const res = await as('/articles')
    t.equal(res.status, 200)
    t.same(conforms(routes['GET /articles'].responses[200], res.json), [])
    t.ok(Array.isArray(res.json))
    t.equal(res.json.length, 14, 'the first page of 20 holds 6 podcasts')
    t.same(res.json[0], { id: 'art_001', title: 'Reading #1', summary: 'Story 1 from Pulse (article).', published: '2026-06-30', price: 1.49 })
    t.equal(res.json.find((a: { id: string }) => a.id === 'art_004').price, 0, 'a free article costs 0')
  })

  t.test('GET /articles/:id in the 1.0.0 shape; a podcast does not exist for 1.0.0', async (t) => {
    const res = await as('/articles/art_002')
    t.equal(res.status, 200)
    t.same(conforms(routes['GET /articles/:id'].responses[200], res.json), [])
    t.same(res.json, { id: 'art_002', title: 'Watching #2', summary: 'Story 2 from Pulse (video).', published: '2026-06-29', price: 1.99 })

    for (const id of ['art_003', 'art_999']) {
      const missing = await as(`/articles/${id}`)
      t.equal(missing.status, 404, id)
      t.same(missing.json, { message: `Article ${id} not found`, code: 404 }, id)
    }
  })

  t.test('POST /bookmarks without a folder saves to "Saved"; GET /bookmarks lists it', async (t) => {
    const res = await as('/bookmarks', { method: 'POST', json: { article_id: 'art_001' } })
    t.equal(res.status, 201)
    t.same(conforms(routes['POST /bookmarks'].responses[201], res.json), [])
    t.match(res.json, { article_id: 'art_001', folder: 'Saved' })
    const list = await as('/bookmarks')
    t.same(conforms(routes['GET /bookmarks'].responses[200], list.json), [])
    t.ok(list.json.some((b: { id: string }) => b.id === res.json.id))

    const unknown = await as('/bookmarks', { method: 'POST', json: { article_id: 'art_999' } })
    t.equal(unknown.status, 404)
    t.same(unknown.json, { message: 'Article art_999 not found', code: 404 })
  })

  t.test('head\'s routes do not exist for 1.0.0', async (t) => {
    const res = await as('/users/me')
    t.equal(res.status, 404)
    t.same(conforms(contract.error, res.json), [])
    t.equal(res.json.code, 404)
  })
})
