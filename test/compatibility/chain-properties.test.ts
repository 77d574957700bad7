import { fileURLToPath } from 'node:url'
import t from 'tap'
import bundleSource from '../../versions/index.js'
import { Type, type Static } from '@sinclair/typebox'
import { defineChange, defineContract, deriveContract, loadBundle, type Bundle, type VersionChange } from '../../src/engine/index.js'
import { checkChainProperties, failuresOf, formatCoverage, formatFailure } from '../../src/compatibility/chain-properties.js'
import { readFrozen } from '../../src/compatibility/snapshots.js'

const frozenDir = fileURLToPath(new URL('../../contracts/snapshots', import.meta.url))

t.test('the demo\'s chains hold for every route of every released version', async (t) => {
  const bundle = await loadBundle(bundleSource)
  const frozen = await readFrozen(frozenDir, bundle.contracts.map((c) => c.version))
  const report = checkChainProperties(bundle, { frozen, seed: 42, numRuns: 150 })
  for (const line of formatCoverage(report)) t.comment(line)
  t.same(failuresOf(report).map(formatFailure), [])
})

// A tiny API whose one change has a bug in each direction, to prove the properties catch them.
const Note = Type.Object({ id: Type.String(), title: Type.String(), tags: Type.Array(Type.String()) })
const head = defineContract({
  version: '2.0.0',
  error: Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) }),
  formatError: ({ code, message }) => ({ error: { code, message } }),
  routes: {
    'POST /notes': { body: Type.Object({ title: Type.String({ minLength: 1, maxLength: 10 }) }), responses: { 201: Note } },
    'GET /notes/:id': { params: Type.Object({ id: Type.String() }), responses: { 200: Note } },
    'GET /stats': { responses: { 200: Type.Object({ count: Type.Integer() }) } }
  }
})
const NoteV1 = Type.Object({ id: Type.String(), text: Type.String() })
const v1 = deriveContract(head, {
  version: '1.0.0',
  error: Type.Object({ msg: Type.String() }),
  remove: ['GET /stats'],
  routes: {
    'POST /notes': { body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 20 }) }), responses: { 201: NoteV1 } },
    'GET /notes/:id': { params: Type.Object({ id: Type.String() }), responses: { 200: NoteV1 } },
    'GET /legacy': { responses: { 200: Type.Object({ ok: Type.Boolean() }) } }
  }
})

const FILE = 'versions/2.0.0/notes-titled.ts'
const bundleOf = (change: VersionChange): Bundle => ({ contracts: [v1, head], head, changes: new Map([['2.0.0', [{ change, version: '2.0.0', file: FILE }]]]) })
const toNoteV1 = ({ id, title }: Static<typeof Note>) => ({ id, text: title })

t.test('a step that makes an invalid value fails, named by file, route, version and field, at its smallest', async (t) => {
  const buggy = defineChange(v1, head, {
    description: 'Notes have titles (and the steps have bugs)',
    errors: ({ error }) => ({ msg: error.message }),
    routes: ({ route, remove, add }) => [
      // A text of up to 20 characters is no title of up to 10.
      route('POST /notes', { request: { body: ({ text }) => ({ title: text }) }, response: { 201: toNoteV1 } }),
      // Forgets to drop tags, which 1.0.0 does not have; a note with no title does not exist.
      route('GET /notes/:id', { response: { 200: (note, ctx) => note.title === '' ? ctx.reject(404, 'not_found', 'No note') : { ...toNoteV1(note), tags: note.tags } as any } }),
      remove('GET /legacy', 'Gone'),
      add('GET /stats')
    ]
  })
  const report = checkChainProperties(bundleOf(buggy), { seed: 7, numRuns: 50 })
  const failures = failuresOf(report)
  t.same(failures.map((f) => [f.version, f.route, f.check, f.file, f.field]), [
    ['1.0.0', 'POST /notes', 'up', FILE, 'body/title'],
    ['1.0.0', 'GET /notes/:id', 'down 200', FILE, 'body/tags']
  ])
  const [up] = failures
  t.equal(up.message, 'must NOT have more than 10 characters')
  t.equal([...(up.counterexample as { body: { text: string } }).body.text].length, 11, 'shrunk to the shortest text too long')
  t.match(formatFailure(up), `${FILE}: POST /notes (1.0.0), up: body/title must NOT have more than 10 characters; counterexample {`)
  t.same(formatCoverage(report), [
    'route             1.0.0        2.0.0',
    'POST /notes       up! 201 err  up 201 err',
    'GET /notes/:id    up 200! err  up 200 err',
    'GET /legacy       gone         .',
    'GET /stats        .            up 200 err',
    '(gateway errors)  err          err',
    '17 properties, 50 runs each, seed 7: 2 failed'
  ])
})

t.test('errors: a wrong error shape, a throwing errors step and an error made a success are caught', async (t) => {
  const shapeless = defineChange(v1, head, {
    description: 'Errors lost their msg',
    errors: ({ error }) => ({ message: error.message }) as any,
    routes: ({ route, remove, add }) => [
      route('POST /notes', { request: { body: ({ text }) => ({ title: text.slice(0, 10) }) }, response: { 201: toNoteV1 } }),
      route('GET /notes/:id', { response: { 200: toNoteV1 } }),
      remove('GET /legacy', 'Gone'),
      add('GET /stats')
    ]
  })
  const failures = failuresOf(checkChainProperties(bundleOf(shapeless), { numRuns: 20 }))
  t.same(failures.map((f) => [f.route, f.check, f.file, f.field, f.message]), [
    ['POST /notes', 'down errors', FILE, 'body/msg', 'must have required property \'msg\''],
    ['GET /notes/:id', 'down errors', FILE, 'body/msg', 'must have required property \'msg\''],
    [null, 'gateway errors', FILE, 'body/msg', 'must have required property \'msg\'']
  ])

  const throwing = defineChange(v1, head, {
    description: 'Steps that throw',
    errors: () => { throw new Error('no error shape') },
    routes: ({ route, remove, add }) => [
      route('POST /notes', {
        request: { body: ({ text }) => { if (text.trim() === '') throw new Error('blank'); return { title: text.slice(0, 10) } } },
        response: { 201: toNoteV1 }
      }),
      // Node would refuse this header name: the step's fault, named.
      route('GET /notes/:id', { request: { headers: (headers) => ({ ...headers, 'bad name': 'x' }) }, response: { 200: toNoteV1 } }),
      remove('GET /legacy', 'Gone'),
      add('GET /stats')
    ]
  })
  const thrown = failuresOf(checkChainProperties(bundleOf(throwing), { numRuns: 20 }))
  t.same(thrown.map((f) => [f.route, f.check, f.file, f.field, f.message]), [
    ['POST /notes', 'up', FILE, 'body', 'the step threw: blank'],
    ['POST /notes', 'down errors', FILE, 'body', 'the step threw: no error shape'],
    ['GET /notes/:id', 'up', FILE, 'headers', 'the step threw: "bad name" is not a header name'],
    ['GET /notes/:id', 'down errors', FILE, 'body', 'the step threw: no error shape'],
    [null, 'gateway errors', FILE, 'body', 'the step threw: no error shape']
  ])

  // loadBundle refuses this change; the properties do not count on it.
  const renumbered = defineChange(v1, head, {
    description: 'A core 404 is a 200 for old apps',
    errors: ({ error }) => ({ msg: error.message }),
    errorStatuses: { 404: 200 },
    routes: ({ route, remove, add }) => [
      route('POST /notes', { request: { body: ({ text }) => ({ title: text.slice(0, 10) }) }, response: { 201: toNoteV1 } }),
      route('GET /notes/:id', { response: { 200: toNoteV1 } }),
      remove('GET /legacy', 'Gone'),
      add('GET /stats')
    ]
  })
  const success = failuresOf(checkChainProperties(bundleOf(renumbered), { numRuns: 20 }))
  t.same(success.map((f) => [f.route, f.check, f.field, f.message]), [
    ['POST /notes', 'down errors', 'status', '200 is not an error status'],
    ['GET /notes/:id', 'down errors', 'status', '200 is not an error status'],
    [null, 'gateway errors', 'status', '200 is not an error status']
  ])
})
