import t from 'tap'
import { defineChange, isVersionChange } from '../../src/engine/index.js'
import { head, v1, v2 } from '../fixtures/contracts.js'
import * as statuses from '../fixtures/bundles/statuses/contracts.js'

// Each `@ts-expect-error` below is a mistake the compiler must catch: `npm test` type-checks
// first, and an expected error that does not happen fails the type-check.

t.test('steps are typed from the contracts on either side', async (t) => {
  const change = defineChange(v2, head, {
    description: 'typed',
    routes: ({ route, move, add }) => [
      route('GET /notes/:id', {
        // @ts-expect-error 2.0.0's note needs a body; returning head's tags instead is a wrong shape
        response: { 200: ({ id, tags }) => ({ id, tags }) }
      }),
      route('POST /notes', {
        // @ts-expect-error head's POST body needs tags: a request step must produce them
        request: { body: ({ body }) => ({ body }) }
      }),
      // @ts-expect-error no such route in either contract
      route('GET /nowhere', {}),
      // @ts-expect-error GET /stats answers 200: there is no 201 to translate
      route('GET /stats', { response: { 201: (x: unknown) => x } }),
      // @ts-expect-error a move must land on a route the newer contract has
      move('GET /notes', 'GET /elsewhere'),
      // @ts-expect-error only routes of the newer contract can be added
      add('GET /legacy'),
      route('POST /notes', {
        // @ts-expect-error a header for the core is a string (or strings), not a number
        request: { body: ({ body }, ctx) => { ctx.coreHeaders['x-length'] = body.length; return { body, tags: [] } } }
      }),
      route('GET /notes', {
        // @ts-expect-error a header value is a string (or strings), not a number
        request: { headers: (headers) => ({ ...headers, 'x-count': 1 }) },
        // @ts-expect-error a headers step returns the headers
        response: { headers: () => 'x-count: 1' }
      })
    ]
  })
  t.ok(isVersionChange(change), 'the runtime object is still built')

  const inline = defineChange(v2, head, {
    description: 'headers steps written inline, their parameters typed from the API',
    routes: ({ route, move }) => [
      route('POST /notes', {
        request: { body: ({ body }, ctx) => { ctx.coreHeaders['x-length'] = String(body.length); return { body, tags: [] } } }
      }),
      route('GET /notes', {
        request: { headers: (headers) => ({ ...headers, authorization: headers['x-token'] }) },
        response: {
          headers: (headers) => headers,
          200: ({ items }, ctx) => {
            ctx.headers['x-count'] = String(items.length)
            return { items: items.map(({ id, body }) => ({ id, body })) }
          }
        }
      }),
      move('GET /notes/:id', 'GET /notes/:id', { response: { headers: (headers, ctx) => ({ ...headers, 'x-status': String(ctx.status) }) } })
    ]
  })
  t.ok(isVersionChange(inline))

  const errors = defineChange(v1, v2, {
    description: 'typed errors',
    // @ts-expect-error 1.0.0's error shape is { msg }, not { message }
    errors: (body) => ({ message: body.error.message })
  })
  t.ok(isVersionChange(errors))
})

t.test('a misspelled or unknown key in a step\'s result does not compile', async (t) => {
  const change = defineChange(v2, head, {
    description: 'extra keys',
    routes: ({ route, move }) => [
      // @ts-expect-error head's POST body has body and tags; "tagz" would be lost without a word
      route('POST /notes', { request: { body: ({ body }) => ({ body, tags: [], tagz: ['a'] }) } }),
      // @ts-expect-error 2.0.0's note has no "tags": nested in the page's items
      route('GET /notes', { response: { 200: ({ items }) => ({ items: items.map(({ id, body, tags }) => ({ id, body, tags })) }) } }),
      // @ts-expect-error a moved route's steps are checked too
      move('GET /notes/:id', 'GET /notes/:id', { response: { 200: ({ id, body }) => ({ id, body, bdy: body }) } }),
      route('POST /notes', { request: { body: ({ body }) => ({ body, tags: [] }) } }),
      route('GET /notes', { response: { 200: ({ items }) => ({ items: items.map(({ id, body }) => ({ id, body })) }) } })
    ]
  })
  t.ok(isVersionChange(change))
})

t.test('a status older clients get instead is typed from both contracts', async (t) => {
  const change = defineChange(statuses.v2, statuses.head, {
    description: 'typed statuses',
    routes: ({ route }) => [
      route('POST /notes', { response: { 201: { status: 200, body: ({ id, body }) => ({ id, body }) } } }),
      route('DELETE /notes/:id', { response: { 204: { status: 200, body: (_none, ctx) => ({ deleted: true, id: String(ctx.request.params.id) }) } } }),
      route('POST /notes/:id/archive', { response: { 200: { status: 204 } } }),
      // @ts-expect-error 2.0.0 does not declare 202 on POST /notes
      route('POST /notes', { response: { 201: { status: 202 } } }),
      // @ts-expect-error 2.0.0 answers a new note with 200: a step keeping 201 is a wrong status
      route('POST /notes', { response: { 201: ({ id, body }) => ({ id, body }) } }),
      // @ts-expect-error 2.0.0's 200 says deleted: true
      route('DELETE /notes/:id', { response: { 204: { status: 200, body: () => ({ id: 'n1' }) } } }),
      // @ts-expect-error head's 204 has no body and 2.0.0's 200 has one: a step must make it
      route('DELETE /notes/:id', { response: { 204: { status: 200 } } })
    ]
  })
  t.ok(isVersionChange(change))
})
