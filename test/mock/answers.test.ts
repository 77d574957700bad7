import t from 'tap'
import examples from '../../contracts/examples.js'
import { examplesFor } from '../../src/compatibility/examples.js'
import { buildPlans, loadBundle } from '../../src/engine/index.js'
import bundle from '../../versions/index.js'
import { call, HEAD, VERSIONS, type CallOptions } from '../helpers/gateway.js'
import { breach, startDemoMock } from '../helpers/mock.js'

// `evergate mock` with no core anywhere: every answer comes from head's examples or schema, and
// reaches each app version through the real gateway. One mock serves the whole file.

const { url } = await startDemoMock(t)
const plans = buildPlans(await loadBundle(bundle))
const OLDEST = VERSIONS[0]

const as = (version: string, prefer?: string): CallOptions => ({ version, headers: prefer === undefined ? {} : { prefer } })

t.test('a 1.0.0 app gets its profile, valid against 1.0.0\'s frozen contract', async (t) => {
  const res = await call(url, '/profile', as('1.0.0'))
  t.equal(res.status, 200)
  t.equal(res.headers['x-contract-version'], '1.0.0')
  t.equal(breach('1.0.0', 'GET /profile', res.status, res.json), null)
  const [example] = examplesFor(plans, examples, '1.0.0')['GET /profile']
  t.same(res.json, example.response.body, 'head\'s example, pushed down the real chain: what the docs show a 1.0.0 app')
  t.match(res.headers.vary, /prefer/i, 'an answer that depends on Prefer says so to caches')
})

t.test('Prefer: code=404 is answered in each version\'s error shape', async (t) => {
  const old = await call(url, '/profile', as('1.0.0', 'code=404'))
  t.equal(old.status, 404)
  t.same(old.json, { message: 'Not Found', code: 404 }, '1.0.0\'s shape: the code is the status')
  t.equal(old.headers['x-evergate-error-code'], 'EVG_ERR_MOCK_STATUS', 'the code is in its header, whatever the shape')
  t.equal(breach('1.0.0', 'GET /profile', old.status, old.json), null)
  const now = await call(url, '/users/me', as(HEAD, 'code=404'))
  t.same(now.json, { error: { code: 'EVG_ERR_MOCK_STATUS', message: 'Not Found' } })
  const unnamed = await call(url, '/users/me', as(HEAD, 'code=599'))
  t.same([unnamed.status, unnamed.json.error.message], [599, 'Error 599'], 'a status with no reason phrase')
  t.equal((await call(url, '/articles/art_001', as('1.0.0', 'code=503'))).headers['x-evergate-error-code'], 'EVG_ERR_MOCK_STATUS')
  const ofExample = await call(url, '/articles/art_001', as('2.0.0', 'code=404'))
  t.same(ofExample.json, { error: { code: 'not_found', message: 'Article art_999 not found' } }, 'the route\'s own example of that status, when it has one')
  const success = await call(url, '/bookmarks', { ...as('2.3.0', 'code=201'), method: 'POST', json: { article_id: 'art_001' } })
  t.equal(success.status, 201, 'a success status the route declares')
})

t.test('Prefer: example=<name> picks that example, in every version', async (t) => {
  for (const version of VERSIONS) {
    const own = examplesFor(plans, examples, version)['GET /articles/:id']
    const res = await call(url, '/articles/art_001', as(version, 'example="a podcast"'))
    const expected = own.find((e) => e.name === 'a podcast')?.response
    t.same([res.status, res.json], [expected?.status, expected?.body], `${version}: as the docs show it`)
    t.equal(breach(version, 'GET /articles/:id', res.status, res.json), null, version)
    t.match(res.headers.vary, /prefer/i, `${version}: varies on Prefer, a step's 404 too`)
  }
  const unquoted = await call(url, '/articles/art_001', as(HEAD, 'example=an unknown article'))
  t.equal(unquoted.status, 404, 'a name with spaces, unquoted, as people type it')
  const both = await call(url, '/articles/art_001', as(HEAD, 'code=404, example="an unknown article"'))
  t.equal(both.status, 404, 'a code and an example together, Prism\'s way')
  const listed = await call(url, '/articles/art_003', as(HEAD, 'respond-async, example="an article"; handling=lenient'))
  t.equal(listed.json.id, 'art_001', 'preferences it does not know, and parameters, are ignored')
})

t.test('with no preference, the example about the resource asked for, else the first success', async (t) => {
  const podcast = await call(url, '/articles/art_003', as(HEAD))
  t.equal(podcast.json.kind, 'podcast', 'head\'s example of art_003')
  const hidden = await call(url, '/articles/art_003', as('2.3.0'))
  t.equal(hidden.status, 404, 'which older apps never see: the real chain rejects it')
  t.same(hidden.json, { error: { code: 'not_found', message: 'Article art_003 not found' } })
  const unknown = await call(url, '/articles/art_999', as(HEAD))
  t.equal(unknown.status, 404, 'the example of an unknown article')
  const other = await call(url, '/articles/art_042', as(HEAD))
  t.same([other.status, other.json.id], [200, 'art_001'], 'an id no example names: the first success')
  const page = await call(url, '/articles?cursor=bogus', as(HEAD))
  t.equal(page.status, 200, 'the query does not choose: the first page')
})

t.test('Prefer: dynamic=true generates head data, valid after the chain for every version', async (t) => {
  const routes = [['GET', '/articles', 'GET /articles'], ['GET', '/articles/art_1', 'GET /articles/:id'], ['GET', '/bookmarks', 'GET /bookmarks']] as const
  for (const version of VERSIONS) {
    for (const [method, path, route] of routes) {
      for (let i = 0; i < 5; i++) {
        const res = await call(url, path, { ...as(version, 'dynamic=true'), method })
        t.ok(res.status < 500, `${version} ${route}: answered (${res.status})`)
        t.equal(breach(version, route, res.status, res.json), null, `${version} ${route}: valid`)
      }
    }
  }
  const first = await call(url, '/users/me', as(HEAD, 'dynamic=true'))
  const second = await call(url, '/users/me', as(HEAD, 'dynamic=true'))
  t.not(first.text, second.text, 'made up afresh for each request')
  const error = await call(url, '/profile', as(OLDEST, 'code=409, dynamic=true'))
  t.equal(error.status, 409)
  t.equal(breach(OLDEST, 'GET /profile', error.status, error.json), null, 'an error generated from head\'s error schema, in 1.0.0\'s shape')
})

t.test('a preference the mock cannot meet is a 400 in the app\'s shape, with a stable code', async (t) => {
  const cases = [
    ['example=nope', 'EVG_ERR_MOCK_UNKNOWN_EXAMPLE', /^No example "nope" on this route: its examples are "the signed-in user" \(200\)$/],
    ['code=404, example="the signed-in user"', 'EVG_ERR_MOCK_UNKNOWN_EXAMPLE', /^No example "the signed-in user" answering 404/],
    ['code=201', 'EVG_ERR_MOCK_UNKNOWN_STATUS', /^This route answers 200, or an error \(400 to 599\): not 201$/],
    ['code=abc', 'EVG_ERR_MOCK_PREFER_INVALID', /^Prefer: code=abc is not an HTTP status$/],
    ['dynamic=maybe', 'EVG_ERR_MOCK_PREFER_INVALID', /dynamic=maybe is neither true nor false/],
    ['dynamic=true, example="the signed-in user"', 'EVG_ERR_MOCK_PREFER_INVALID', /two different answers/]
  ] as const
  for (const [prefer, code, message] of cases) {
    const old = await call(url, '/profile', as(OLDEST, prefer))
    t.equal(old.status, 400, prefer)
    t.equal(old.headers['x-evergate-error-code'], code, `${prefer}: the code, where 1.0.0's shape has no room for it`)
    t.match(old.json, { message, code: 400 }, prefer)
    const now = await call(url, '/users/me', as(HEAD, prefer))
    t.match(now.json, { error: { code, message } }, prefer)
  }
})

t.test('writes are validated by the gateway, answered from the examples, and change nothing', async (t) => {
  const put = await call(url, '/profile', { version: '1.0.0', method: 'PUT', json: { name: 'Grace Hopper' } })
  t.equal(put.status, 200)
  t.equal(breach('1.0.0', 'PUT /profile', put.status, put.json), null)
  t.equal(put.json.avatar, 'https://img.pulse.example/ada.png', 'the example\'s answer, not the request echoed')
  const invalid = await call(url, '/profile', { version: '1.0.0', method: 'PUT', json: { name: 42 } })
  t.same([invalid.status, invalid.json], [400, { message: 'body/name must be string', code: 400 }], 'refused by the gateway, as ever')
  const saved = await call(url, '/bookmarks', { version: '2.0.0', method: 'POST', json: { article_id: 'art_002' } })
  t.equal(saved.status, 201)
  t.equal(breach('2.0.0', 'POST /bookmarks', saved.status, saved.json), null)
  const after = await call(url, '/profile', { version: '1.0.0' })
  t.equal(after.json.name, 'Ada Lovelace', 'nothing was stored')
  const head = await call(url, '/profile', { version: '1.0.0', method: 'HEAD' as 'GET' })
  t.same([head.status, head.text], [200, ''], 'HEAD, as the gateway serves it')
})
