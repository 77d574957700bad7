import t from 'tap'
import { contract } from '../../contracts/2.0.0.js'
import { call, startDemo } from '../helpers/gateway.js'
import { closed, violations } from '../helpers/contract.js'
import change from '../../versions/2.3.0/paginated-articles-with-timestamps-and-cents.js'

// 2.0.0: the profile at /users/me and nested errors, but articles still a bare array of days and pounds.
const VERSION = '2.0.0'
const routes = contract.routes
const conforms = (schema: Parameters<typeof violations>[0], value: unknown) => violations(closed(schema), value)

t.test('contract 2.0.0', async (t) => {
  const { url } = await startDemo(t)
  const as = (path: string, opts: Parameters<typeof call>[2] = {}) => call(url, path, { version: '2.2.9', ...opts })

  t.test('app 2.2.9 is served by contract 2.0.0 (floor match)', async (t) => {
    const res = await as('/users/me')
    t.equal(res.headers['x-contract-version'], VERSION)
    t.equal(res.status, 200)
    t.same(conforms(routes['GET /users/me'].responses[200], res.json), [])
    t.same(res.json, { id: 'usr_1', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@pulse.example', avatar_url: null, created_at: '2024-03-01T09:00:00.000Z' })
  })

  t.test('PATCH /users/me passes through unchanged', async (t) => {
    const res = await as('/users/me', { method: 'PATCH', json: { last_name: 'King' } })
    t.equal(res.status, 200)
    t.same(conforms(routes['PATCH /users/me'].responses[200], res.json), [])
    t.equal(res.json.last_name, 'King')
  })

  t.test('GET /articles is a bare array with kind, days and pounds, no podcasts', async (t) => {
    const res = await as('/articles')
    t.equal(res.status, 200)
    t.same(conforms(routes['GET /articles'].responses[200], res.json), [])
    t.equal(res.json.length, 14)
    t.same(res.json[1], { id: 'art_002', title: 'Watching #2', summary: 'Story 2 from Pulse (video).', kind: 'video', published: '2026-06-29', price: 1.99 })
    t.notOk(res.json.some((a: { kind: string }) => a.kind === 'podcast'))
  })

  t.test('GET /articles/:id; a podcast is a 404 in the nested error shape', async (t) => {
    const res = await as('/articles/art_001')
    t.same(conforms(routes['GET /articles/:id'].responses[200], res.json), [])
    t.equal(res.json.kind, 'article')
    const podcast = await as('/articles/art_006')
    t.equal(podcast.status, 404)
    t.same(conforms(contract.error, podcast.json), [])
    t.same(podcast.json, { error: { code: 'not_found', message: 'Article art_006 not found' } })
  })

  t.test('POST /bookmarks without a folder saves to "Saved"', async (t) => {
    const res = await as('/bookmarks', { method: 'POST', json: { article_id: 'art_002' } })
    t.equal(res.status, 201)
    t.same(conforms(routes['POST /bookmarks'].responses[201], res.json), [])
    t.equal(res.json.folder, 'Saved')
    const list = await as('/bookmarks')
    t.same(conforms(routes['GET /bookmarks'].responses[200], list.json), [])
    t.equal(list.json.length, 1)
  })

  t.test('the 1.0.0 profile route is gone for 2.x builds', async (t) => {
    const res = await as('/profile')
    t.equal(res.status, 404)
    t.same(conforms(contract.error, res.json), [])
    t.equal(res.json.error.code, 'EVG_ERR_ROUTE_NOT_FOUND')
  })
})

t.test('a core timestamp with an offset becomes its UTC day (the step, in process)', async (t) => {
  const step = change.routes.find((r) => r.from === 'GET /articles/:id')?.response.get(200)
  if (step === undefined) throw new Error('no step for GET /articles/:id')
  const article = { id: 'art_1', title: 'T', summary: 'S', kind: 'article', price_cents: 250, currency: 'GBP' }
  t.same(step({ ...article, published_at: '2026-06-30T01:30:00+02:00' }, {}),
    { id: 'art_1', title: 'T', summary: 'S', kind: 'article', published: '2026-06-29', price: 2.5 })
  t.same(step({ ...article, published_at: '2026-06-30T23:30:00.000Z' }, {}).published, '2026-06-30', 'UTC is read as it is')
  // Found by the chain properties: the format allows a leap second, which Date cannot read, so
  // the step threw and 1.0.0 and 2.0.0 apps got a 500 for the article.
  t.same(step({ ...article, published_at: '2016-12-31T18:59:60-05:00' }, {}).published, '2016-12-31', 'a leap second with an offset (regression)')
  t.same(step({ ...article, published_at: '2017-01-01T00:59:60.5+01:00' }, {}).published, '2016-12-31', 'across midnight (regression)')
})
