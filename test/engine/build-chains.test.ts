import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { buildPlans, defineChange, defineContract, deriveContract, loadBundle, type ContractPlan, type RouteKey } from '../../src/engine/index.js'
import { renderError } from '../../src/gateway/render-error.js'
import { contracts } from '../fixtures/contracts.js'

const changesDir = fileURLToPath(new URL('../fixtures/bundles/valid', import.meta.url))
const plans = buildPlans(await loadBundle({ contracts, changesDir }))
const contract = (v: string) => plans.contracts.find((c) => c.version === v) as ContractPlan
const route = (v: string, key: RouteKey) => {
  const plan = contract(v).routes.find((r) => r.route === key)
  if (plan === undefined) throw new Error(`no ${key} in ${v}`)
  return plan
}
type Steps = ReadonlyArray<{ source: string, headers?: boolean }>
const sources = (chain: Steps | { steps: Steps } | null) => chain === null
  ? null
  : ('steps' in chain ? chain.steps : chain).map((s) => s.source.split('/')[2] + (s.headers === true ? ' (headers)' : ''))
const noCtx = { status: 200, request: {}, headers: {}, reject: () => { throw new Error('reject') } }

t.test('a route of the oldest version runs every later change', async (t) => {
  const notes = route('1.0.0', 'GET /notes')
  t.same(notes.target, { route: 'GET /notes', method: 'GET', url: '/notes', upstream: 'core' })
  t.same(sources(notes.responseChain(200)), ['note-tags.ts', 'notes-body-and-envelope.ts'], 'responses newest first')
  t.same(sources(notes.responseChain(500)), ['notes-body-and-envelope.ts'], 'errors take the error-shape step')
  t.equal(notes.responseChain(204), null, 'a status with no step streams')
  t.ok(notes.touchesResponse)

  const post = route('1.0.0', 'POST /notes')
  t.same(sources(post.request.body), ['notes-body-and-envelope.ts', 'note-tags.ts'], 'requests oldest first')
  let body: unknown = { text: 'hi' }
  for (const step of post.request.body) body = step.run(body, {})
  t.same(body, { body: 'hi', tags: [] }, 'the chain composes 1.0.0 -> 3.0.0')
})

t.test('moves follow the route through its new name', async (t) => {
  const note = route('1.0.0', 'GET /note/:id')
  t.same(note.target, { route: 'GET /notes/:id', method: 'GET', url: '/notes/:id', upstream: 'core' })
  t.same(sources(note.request.params), ['notes-body-and-envelope.ts'])
  t.same(sources(note.responseChain(200)), ['note-tags.ts', 'notes-body-and-envelope.ts'])
})

t.test('removed routes have no target and say why; head routes keep their upstream', async (t) => {
  const legacy = route('1.0.0', 'GET /legacy')
  t.equal(legacy.target, null)
  t.equal(legacy.goneMessage, 'Legacy was retired: use GET /notes')
  t.equal(route('2.0.0', 'GET /stats').target?.upstream, 'stats')
})

t.test('head has no steps at all: everything streams', async (t) => {
  for (const plan of contract('3.0.0').routes) {
    t.same(plan.request, { params: [], query: [], body: [], headers: [] }, plan.route)
    t.equal(plan.responseChain(200), null)
    t.equal(plan.responseChain(404), null)
    t.equal(plan.touchesResponse, false)
  }
  const stats = route('2.0.0', 'GET /stats')
  t.equal(stats.responseChain(200), null, 'no-op steps are dropped')
  t.equal(stats.touchesResponse, false, '2.0.0 shares head\'s error shape')
})

t.test('gateway errors render in each version\'s error shape', async (t) => {
  const error = { statusCode: 404, code: 'EVG_ERR_ROUTE_NOT_FOUND', message: 'No route' }
  t.same(renderError(plans, contract('3.0.0'), error, null).body, { error: { code: 'EVG_ERR_ROUTE_NOT_FOUND', message: 'No route' } })
  t.same(renderError(plans, contract('2.0.0'), error, null).body, { error: { code: 'EVG_ERR_ROUTE_NOT_FOUND', message: 'No route' } })
  t.same(renderError(plans, contract('1.0.0'), error, null), { status: 404, body: { msg: 'No route' } })
})

t.test('a step may reject the response', async (t) => {
  const [tags] = route('2.0.0', 'GET /notes/:id').responseChain(200)?.steps ?? []
  t.same(tags.run({ id: 'n1', body: 'b', tags: [] }, noCtx), { id: 'n1', body: 'b' })
  t.throws(() => tags.run({ id: 'n2', body: 'b', tags: ['secret'] }, { ...noCtx, request: { params: { id: 'n2' } } }), /reject/)
})

t.test('error steps get details of their own, not the error\'s', async (t) => {
  const head = defineContract({ version: '2.0.0', error: Type.Any(), formatError: (error) => ({ error }), routes: {} })
  const old = deriveContract(head, { version: '1.0.0' })
  const change = defineChange(old, head, {
    description: 'a step that changes the details it is given',
    errors: (body) => { body.error.details.seen = true; return body }
  })
  const built = buildPlans({ contracts: [old, head], head, changes: new Map([['2.0.0', [{ change, version: '2.0.0', file: 'x.ts' }]]]) })
  const details = { field: 'name' }
  const { body } = renderError(built, built.contracts[0], { statusCode: 400, code: 'EVG_ERR_X', message: 'm', details }, null)
  t.same(body, { error: { statusCode: 400, code: 'EVG_ERR_X', message: 'm', details: { field: 'name', seen: true } } })
  t.same(details, { field: 'name' }, 'the error (which the gateway may keep) is untouched')
})

t.test('two routes a version merges into one keep their own steps', async (t) => {
  const { v1, v2 } = await import('../fixtures/bundles/merged-routes/contracts.js')
  const dir = fileURLToPath(new URL('../fixtures/bundles/merged-routes', import.meta.url))
  const merged = buildPlans(await loadBundle({ contracts: [v1, v2], changesDir: dir }))
  const old = merged.contracts[0].routes
  const stepsOf = (key: string) => sources(old.find((r) => r.route === key)?.responseChain(200) ?? null)
  // The other file's route is the same path in 2.0.0, not the route this client called.
  t.same(stepsOf('GET /a'), ['a-moved-to-b.ts'])
  t.same(stepsOf('GET /b'), ['b-reshaped.ts'])
  t.same(old.find((r) => r.route === 'GET /a')?.responseChain(200)?.steps[0].run({ value: 7 }, noCtx), { a: 7 })
})

t.test('headers steps join the response chains of every status, after their version\'s body step', async (t) => {
  const dir = fileURLToPath(new URL('../fixtures/bundles/headers', import.meta.url))
  const withHeaders = buildPlans(await loadBundle({ contracts, changesDir: dir }))
  const plan = (v: string, key: RouteKey) => withHeaders.contracts.find((c) => c.version === v)?.routes.find((r) => r.route === key)
  const notes = plan('1.0.0', 'GET /notes')
  t.same(sources(notes?.responseChain(200) ?? null),
    ['bearer-tokens-and-rate-limits.ts', 'bearer-tokens-and-rate-limits.ts (headers)', 'notes-body-and-envelope.ts'])
  t.same(sources(notes?.responseChain(404) ?? null),
    ['bearer-tokens-and-rate-limits.ts (headers)', 'notes-body-and-envelope.ts'], 'an error runs the route\'s headers step and the error shape\'s')
  t.same(sources(notes?.responseChain(204) ?? null), ['bearer-tokens-and-rate-limits.ts (headers)'], 'a status no body step names')
  t.equal(notes?.responseChain(204)?.readsBody, false)
  t.equal(notes?.responseChain(200)?.readsBody, true)
  t.same(sources(notes?.request.headers ?? null), ['bearer-tokens-and-rate-limits.ts'])
  t.same(sources(plan('1.0.0', 'POST /notes')?.request.headers ?? null),
    ['notes-body-and-envelope.ts', 'bearer-tokens-and-rate-limits.ts'], 'request headers oldest first')

  const stats = plan('2.0.0', 'GET /stats')
  t.same(sources(stats?.responseChain(200) ?? null), ['bearer-tokens-and-rate-limits.ts (headers)'])
  t.equal(stats?.responseChain(200)?.readsBody, false, 'the body is not read')
  t.equal(stats?.touchesResponse, false, 'and asked for as the client asked (any encoding)')
})

t.test('a status renumbered for older clients hands the response on under the new one', async (t) => {
  const { default: bundle } = await import('../fixtures/bundles/statuses/index.js')
  const withStatuses = buildPlans(await loadBundle(bundle))
  const plan = (v: string, key: RouteKey) => withStatuses.contracts.find((c) => c.version === v)?.routes.find((r) => r.route === key)
  const created = (v: string) => plan(v, 'POST /notes')?.responseChain(201) ?? null
  t.same({ ...created('2.0.0'), steps: sources(created('2.0.0')) }, { steps: [], readsBody: false, parsesBody: false, status: 200 },
    'no step, the body untouched, another status')
  t.same(sources(created('1.0.0')), ['note-text-is-body.ts', 'note-text-is-body.ts (headers)'], '2.0.0\'s steps for 200')
  t.same(created('1.0.0')?.steps.map((s) => s.status), [200, 200], 'each step is given the status as its newer contract has it')
  t.equal(created('1.0.0')?.status, 200)
  t.equal(created('3.0.0'), null, 'head runs nothing')
  t.equal(plan('2.0.0', 'POST /notes')?.responseChain(200), null, 'the route\'s 200 is not head\'s 201: nothing to do')

  const deleted = plan('2.0.0', 'DELETE /notes/:id')
  t.same(deleted?.responseChain(204)?.status, 200)
  t.equal(deleted?.responseChain(204)?.readsBody, true, 'a step makes the body')
  t.equal(deleted?.responseChain(404), null, 'a status no change names keeps its own')
  t.equal(deleted?.responseChain(404), deleted?.responseChain(404), 'and is worked out once')
  t.ok(deleted?.touchesResponse)
  t.equal(plan('2.0.0', 'POST /notes/:id/archive')?.responseChain(200)?.status, 204)
  const archived = plan('1.0.0', 'POST /notes/:id/archive')?.responseChain(200)
  t.same({ status: archived?.status, readsBody: archived?.readsBody, parsesBody: archived?.parsesBody }, { status: 200, readsBody: true, parsesBody: false },
    'through a 204: a step makes the body, and the core\'s is never parsed')
  t.equal(deleted?.responseChain(204)?.parsesBody, false, 'nor is a 204\'s')
  t.equal(plan('1.0.0', 'POST /notes')?.responseChain(201)?.parsesBody, true)
})
