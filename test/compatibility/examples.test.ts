import t from 'tap'
import examples from '../../contracts/examples.js'
import { head } from '../../contracts/head.js'
import { contract as v1 } from '../../contracts/1.0.0.js'
import { buildPlans, loadBundle, type RouteKey } from '../../src/engine/index.js'
import { examplesFor, requestViolations } from '../../src/compatibility/examples.js'
import { defineExamples, overrideExamples, type Example, type ExampleSet } from '../../src/engine/index.js'
import bundle from '../../versions/index.js'
import { closed, violations } from '../helpers/contract.js'

const plans = buildPlans(await loadBundle(bundle))

t.test('head has examples of every route and every success status it declares', async (t) => {
  for (const [key, route] of Object.entries(head.routes)) {
    const list = examples.routes[key] ?? []
    t.ok(list.length > 0, `${key} has examples`)
    for (const status of Object.keys(route.responses).map(Number)) {
      t.ok(list.some((e) => e.response.status === status), `${key} has an example of ${status}`)
    }
  }
})

// One table, every version: the examples a version gets conform to its own contract.
for (const contract of plans.contracts) {
  t.test(`every example of ${contract.version} conforms to ${contract.version}'s contract`, async (t) => {
    const own = examplesFor(plans, examples, contract.version)
    t.same(Object.keys(own), contract.routes.map((r) => r.route), 'every route, in the contract\'s order')
    for (const plan of contract.routes) {
      t.ok(own[plan.route].length > 0, `${plan.route} has examples`)
      for (const { name, request, response } of own[plan.route]) {
        const label = `${contract.version} ${plan.route} "${name}"`
        const error = response.status >= 400
        // A success comes of a valid request; an error may be the answer to an invalid one.
        if (!error) t.same(requestViolations(plan.schema, request), [], `${label}: request`)
        const schema = error ? contract.contract.error : plan.schema.responses[response.status]
        t.ok(schema !== undefined, `${label}: ${response.status} is declared`)
        t.same(violations(closed(schema), response.body), [], `${label}: response ${response.status}`)
      }
    }
  })
}

t.test('older versions get head\'s examples through their chains', async (t) => {
  const find = (version: string, route: RouteKey, name: string) =>
    examplesFor(plans, examples, version)[route].find((e) => e.name === name) as Example
  t.same(find('1.0.0', 'GET /profile', 'the signed-in user').response, {
    status: 200, body: { id: 'usr_1', name: 'Ada Lovelace', email: 'ada@pulse.example', avatar: '', created_at: '2024-03-01T09:00:00.000Z' }
  }, 'a moved route, its body reshaped')
  t.same(find('1.0.0', 'PUT /profile', 'set an avatar').request, { body: { avatar: 'https://img.pulse.example/ada.png' } }, 'the version\'s own request')
  t.same(find('2.3.0', 'GET /articles/:id', 'a podcast').response, {
    status: 404, body: { error: { code: 'not_found', message: 'Article art_003 not found' } }
  }, 'ctx.reject() of a step')
  t.same(find('1.0.0', 'GET /articles/:id', 'a podcast').response, { status: 404, body: { message: 'Article art_003 not found', code: 404 } },
    'rejected, then in the flat 1.0.0 error shape')
  t.same(find('1.0.0', 'GET /articles/:id', 'an unknown article').response, { status: 404, body: { message: 'Article art_999 not found', code: 404 } })
  t.same(find('2.3.0', 'GET /articles', 'the first page').response.body, {
    items: [examples.routes['GET /articles'][0].response.body].flatMap((p: any) => p.items.slice(0, 2)), next_cursor: 'Mw'
  }, 'podcasts filtered out')
  t.same((find('2.0.0', 'GET /articles', 'the first page').response.body as unknown[]).length, 2, 'a bare array')
  t.notOk(examplesFor(plans, examples, '2.0.0')['GET /articles'].some((e) => e.name === 'a cursor the service never gave out'), 'null leaves an example out')
  t.same(find('2.3.0', 'GET /articles', 'a cursor the service never gave out').request, { query: { cursor: 'bogus' } }, 'head\'s request where it fits')
  t.same(find('2.3.0', 'POST /bookmarks', 'an empty folder name').response.status, 400, 'an invalid request, invalid for both, stays')
  t.equal(examples.routes['GET /users/me'][0].response.body, examples.routes['GET /users/me'][0].response.body)
  const before = JSON.stringify(examples)
  examplesFor(plans, examples, '1.0.0')
  t.equal(JSON.stringify(examples), before, 'head\'s examples are not changed by the steps')
})

t.test('what cannot be derived is refused, naming version, route and example', async (t) => {
  const routes = examples.routes as any
  const set = (overrides: ExampleSet['overrides']) => defineExamples(head, routes, overrides)
  const others = examples.overrides.filter((o) => o.version !== '1.0.0')
  const ownV1 = examples.overrides.find((o) => o.version === '1.0.0')?.routes as any
  /** The demo's overrides, with 1.0.0's `routes` on top of its own. */
  const withV1 = (routes: Record<string, unknown>) => set([...others, { version: '1.0.0', routes: { ...ownV1, ...routes } as any }])
  const noOverride = set(examples.overrides.filter((o) => o.version !== '2.0.0'))
  t.throws(() => examplesFor(plans, noOverride, '2.0.0'),
    /examples: 2\.0\.0 GET \/articles "the first page": head's request does not fit 2\.0\.0's contract; give 2\.0\.0 its own/)
  t.throws(() => examplesFor(plans, withV1({ 'PUT /profile': { ...ownV1['PUT /profile'], 'a new one': { request: { body: {} } } } }), '1.0.0'),
    /1\.0\.0 PUT \/profile "a new one": head has no such example, so 1\.0\.0 must give both request and response/)
  t.throws(() => examplesFor(plans, withV1({ 'GET /users/me': {} }), '1.0.0'), /GET \/users\/me is not a route of 1\.0\.0/)
  t.throws(() => examplesFor(plans, withV1({ 'GET /profile': { 'the signed in user': null } }), '1.0.0'),
    /1\.0\.0 GET \/profile "the signed in user": head has no such example to leave out/, 'a typo does not pass unseen')
  t.throws(() => set([...examples.overrides, overrideExamples(v1, {})]), /1\.0\.0 is overridden twice/)
  const broken = defineExamples(head, { ...routes, 'GET /articles': [{ name: 'no items', request: {}, response: { status: 200, body: { items: null } } }] })
  t.throws(() => examplesFor(plans, broken, '2.3.0'),
    /examples: 2\.3\.0 GET \/articles "no items": versions\/3\.0\.0\/bookmark-folders-and-podcasts\.ts failed on head's response/, 'a step that fails is named')
  t.throws(() => examplesFor(plans, examples, '0.9.0'), /no contract 0\.9\.0/)
  t.throws(() => examplesFor(plans, { ...examples, head: '2.3.0' }, '1.0.0'), /written for 2\.3\.0, but head is 3\.0\.0/)
  t.throws(() => defineExamples(head, { ...routes, 'GET /nope': [] }), /GET \/nope is not a route of head/)
  t.throws(() => defineExamples(head, { ...routes, 'GET /bookmarks': [routes['GET /bookmarks'][0], routes['GET /bookmarks'][0]] }), /two examples named "saved articles"/)

  const added = examplesFor(plans, set([...others, overrideExamples(v1, {
    ...ownV1,
    'GET /profile': { 'no avatar yet': { request: {}, response: { status: 200, body: { id: 'u', name: 'A', email: 'a@b.example', avatar: '', created_at: '2024-01-01T00:00:00Z' } } } }
  })]), '1.0.0')
  t.same(added['GET /profile'].map((e) => e.name), ['the signed-in user', 'no avatar yet'], 'a version adds its own example')
})

t.test('requestViolations names the part and a part the route lacks', async (t) => {
  t.same(requestViolations(head.routes['GET /bookmarks'], { query: { limit: 1 } }), [{ instancePath: '/query', message: 'is not in the contract' }])
  t.same(requestViolations(head.routes['GET /bookmarks'], { query: {} }), [], 'an empty query is no query')
  t.match(requestViolations(head.routes['POST /bookmarks'], { body: { article_id: 'a' } }), [{ instancePath: '/body', message: /folder/ }])
  t.match(requestViolations(head.routes['GET /articles/:id'], {}), [{ instancePath: '/params', message: /id/ }])
})
