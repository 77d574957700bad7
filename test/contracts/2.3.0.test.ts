import t from 'tap'
import { contract } from '../../contracts/2.3.0.js'
import { call, startDemo } from '../helpers/gateway.js'
import { closed, violations } from '../helpers/contract.js'

// 2.3.0: paginated articles in timestamps and cents, but no podcasts and optional bookmark folders.
const VERSION = '2.3.0'
const routes = contract.routes
const conforms = (schema: Parameters<typeof violations>[0], value: unknown) => violations(closed(schema), value)

t.test('contract 2.3.0', async (t) => {
  const { url } = await startDemo(t)
  const as = (path: string, opts: Parameters<typeof call>[2] = {}) => call(url, path, { version: VERSION, ...opts })

  t.test('GET /articles pages through every article but the podcasts', async (t) => {
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await as(`/articles?limit=7${cursor === null ? '' : `&cursor=${cursor}`}`)
      t.equal(res.status, 200)
      t.same(conforms(routes['GET /articles'].responses[200], res.json), [])
      seen.push(...res.json.items.map((a: { id: string }) => a.id))
      cursor = res.json.next_cursor
    } while (cursor !== null)
    t.equal(seen.length, 20, '30 articles, 10 of them podcasts')
    t.equal(new Set(seen).size, 20)
  })

  t.test('articles carry timestamps and cents', async (t) => {
    const res = await as('/articles/art_002')
    t.equal(res.status, 200)
    t.same(conforms(routes['GET /articles/:id'].responses[200], res.json), [])
    t.same(res.json, { id: 'art_002', title: 'Watching #2', summary: 'Story 2 from Pulse (video).', kind: 'video', published_at: '2026-06-29T08:30:00.000Z', price_cents: 199, currency: 'GBP' })
    const podcast = await as('/articles/art_003')
    t.equal(podcast.status, 404)
    t.same(conforms(contract.error, podcast.json), [])
  })

  t.test('an invalid limit is a 400 naming the field', async (t) => {
    const res = await as('/articles?limit=500')
    t.equal(res.status, 400)
    t.same(conforms(contract.error, res.json), [])
    t.equal(res.json.error.code, 'EVG_ERR_VALIDATION')
    t.same(res.json.error.details, [{ field: 'querystring.limit', message: 'must be <= 50' }])
  })

  t.test('POST /bookmarks: the folder is optional, and kept when given', async (t) => {
    const saved = await as('/bookmarks', { method: 'POST', json: { article_id: 'art_001' } })
    t.equal(saved.status, 201)
    t.same(conforms(routes['POST /bookmarks'].responses[201], saved.json), [])
    t.equal(saved.json.folder, 'Saved')
    const named = await as('/bookmarks', { method: 'POST', json: { article_id: 'art_002', folder: 'Later' } })
    t.equal(named.json.folder, 'Later')
    const list = await as('/bookmarks')
    t.same(conforms(routes['GET /bookmarks'].responses[200], list.json), [])
    t.same(list.json.map((b: { folder: string }) => b.folder), ['Saved', 'Later'])
  })

  t.test('GET /users/me and PATCH /users/me are head\'s', async (t) => {
    const me = await as('/users/me')
    t.same(conforms(routes['GET /users/me'].responses[200], me.json), [])
    const patched = await as('/users/me', { method: 'PATCH', json: { avatar_url: 'https://img.pulse.example/a.png' } })
    t.same(conforms(routes['PATCH /users/me'].responses[200], patched.json), [])
    t.equal(patched.json.avatar_url, 'https://img.pulse.example/a.png')
  })
})
