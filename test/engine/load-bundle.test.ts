import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { Type, type TSchema } from '@sinclair/typebox'
import { defineChange, defineContract, deriveContract, loadBundle } from '../../src/engine/index.js'
import { contracts, head, v1, v2 } from '../fixtures/contracts.js'

const dir = (name: string) => fileURLToPath(new URL(`../fixtures/bundles/${name}`, import.meta.url))
const load = (name: string) => loadBundle({ contracts, changesDir: dir(name) })

t.test('a valid bundle loads, sorted, with its changes by version', async (t) => {
  const bundle = await load('valid')
  t.same(bundle.contracts.map((c) => c.version), ['1.0.0', '2.0.0', '3.0.0'])
  t.equal(bundle.head, head)
  t.same([...bundle.changes.keys()], ['2.0.0', '3.0.0'])
  t.equal(bundle.changes.get('2.0.0')?.[0].file, 'valid/2.0.0/notes-body-and-envelope.ts')
})

t.test('a compiled change goes by its source\'s name, which its source map gives', async (t) => {
  const valid = (file: string) => new URL(`../fixtures/bundles/valid/${file}`, import.meta.url).href
  const changesDir = t.testdir({
    '2.0.0': {
      'notes-body-and-envelope.js': `export { default } from '${valid('2.0.0/notes-body-and-envelope.ts')}'\n`,
      'notes-body-and-envelope.js.map': JSON.stringify({ version: 3, sources: ['../../../versions/2.0.0/notes-body-and-envelope.ts'], mappings: '' })
    },
    // No map: a bundle written in JavaScript keeps its own names.
    '3.0.0': { 'note-tags.js': `export { default } from '${valid('3.0.0/note-tags.ts')}'\n` }
  })
  const bundle = await loadBundle({ contracts, changesDir })
  const folder = basename(changesDir)
  t.equal(bundle.changes.get('2.0.0')?.[0].file, `${folder}/2.0.0/notes-body-and-envelope.ts`)
  t.equal(bundle.changes.get('3.0.0')?.[0].file, `${folder}/3.0.0/note-tags.js`)
})

t.test('a broken bundle stops the boot with an error naming the file', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['unknown-version', /unknown-version\/9\.9\.9: no contract has version 9\.9\.9/],
    ['not-a-change', /not-a-change\/2\.0\.0\/x\.ts: the default export is not a change/],
    ['wrong-direction', /wrong-direction\/2\.0\.0\/x\.ts: the change goes from 2\.0\.0 to 3\.0\.0, but a change in 2\.0\.0\/ must go from 1\.0\.0 to 2\.0\.0/],
    ['oldest', /oldest\/1\.0\.0\/x\.ts: 1\.0\.0 is the oldest contract/],
    ['missing-declaration', /versions\/2\.0\.0: route GET \/note\/:id of 1\.0\.0 is missing from 2\.0\.0/],
    ['overlap', /overlap\/2\.0\.0\/b\.ts: route GET \/notes is already changed by overlap\/2\.0\.0\/a\.ts/],
    ['unknown-route', /unknown-route\/2\.0\.0\/x\.ts: route GET \/nope is not in contract 1\.0\.0/],
    ['undeclared-status', /undeclared-status\/2\.0\.0\/x\.ts: route GET \/notes has a response step for 404/],
    ['added-twice', /added-twice\/2\.0\.0\/x\.ts: route GET \/notes is added, but contract 1\.0\.0 already has it/],
    ['two-error-shapes', /two-error-shapes\/2\.0\.0\/b\.ts: two-error-shapes\/2\.0\.0\/a\.ts already translates the error shape/],
    ['new-route-undeclared', /versions\/2\.0\.0: route GET \/stats is new in 2\.0\.0: declare it with add\(\)/],
    ['async-step', /async-step\/2\.0\.0\/x\.ts: GET \/notes response 200 is an async function: steps must be synchronous/],
    ['error-shape-untranslated', /versions\/2\.0\.0: the error shape of 1\.0\.0 is not 2\.0\.0's: translate it with errors/],
    ['removed-but-served', /removed-but-served\/2\.0\.0\/x\.ts: route GET \/notes is removed, but contract 2\.0\.0 still serves it/]
  ]
  for (const [name, message] of cases) {
    await t.rejects(load(name), { code: 'EVG_ERR_BUNDLE_CHANGE', message }, name)
  }
})

t.test('the contract set itself is checked', async (t) => {
  const empty = t.testdir({})
  const check = (list: Parameters<typeof loadBundle>[0]['contracts']) => loadBundle({ contracts: list, changesDir: empty })
  await t.rejects(check([]), { code: 'EVG_ERR_BUNDLE_CONTRACT', message: /no contracts/ })
  await t.rejects(check([v1, { ...v1 }]), { message: /1\.0\.0 is defined twice/ })
  await t.rejects(check([{ ...v1, version: 'one' }]), { message: /"one" is not semver/ })
  await t.rejects(check([v1, v2]), { message: /head contract 2\.0\.0 has no formatError/ })
  const lone = defineContract({ version: '1.0.0', error: head.error, formatError: head.formatError, routes: {} })
  t.equal((await check([lone])).head, lone, 'a single contract is its own head')
})

t.test('an error shape is its schema, not the words about it', async (t) => {
  const empty = t.testdir({ '2.0.0': {} })
  const pair = (older: TSchema, newer: TSchema) => {
    const next = defineContract({ version: '2.0.0', error: newer, formatError: head.formatError, routes: {} })
    return loadBundle({ contracts: [deriveContract(next, { version: '1.0.0', error: older, routes: {} }), next], changesDir: empty })
  }
  const message = Type.Object({ message: Type.String() })
  await t.resolves(pair(Type.Object({ message: Type.String({ description: 'What went wrong' }) }, { title: 'Error' }), message),
    'a description or a title reworded needs no errors step')
  await t.rejects(pair(Type.Object({ description: Type.String() }), Type.Object({ detail: Type.String() })),
    { message: /the error shape of 1\.0\.0 is not 2\.0\.0's/ }, 'a property called "description" is shape')
})

t.test('a status older clients get instead is one their contract declares', async (t) => {
  const statuses = await import('../fixtures/bundles/statuses/contracts.js')
  const loadStatuses = (name: string) => loadBundle({ contracts: [statuses.v2, statuses.head], changesDir: dir(name) })
  await t.rejects(loadStatuses('status-undeclared'), {
    code: 'EVG_ERR_BUNDLE_CHANGE',
    message: /status-undeclared\/3\.0\.0\/x\.ts: route POST \/notes gets 201 as 202, which contract 2\.0\.0 does not declare/
  })
  await t.rejects(loadStatuses('status-step-undeclared'), {
    code: 'EVG_ERR_BUNDLE_CHANGE',
    message: /status-step-undeclared\/3\.0\.0\/x\.ts: route POST \/notes answers 201 in 3\.0\.0, which 2\.0\.0 does not declare: give its apps the status they know with response: \{ 201: \{ status, body \} \}/
  })
  await t.rejects(loadBundle({ contracts: [statuses.v2, statuses.head], changesDir: t.testdir({ '3.0.0': {} }) }), {
    code: 'EVG_ERR_BUNDLE_CHANGE',
    message: /versions\/3\.0\.0: route POST \/notes answers 201 in 3\.0\.0, which 2\.0\.0 does not declare: give its apps the status they know/
  }, 'a status that changed with no change to say so')
  await t.rejects(loadStatuses('error-status-invalid'), {
    code: 'EVG_ERR_BUNDLE_CHANGE',
    message: /error-status-invalid\/3\.0\.0\/x\.ts: errorStatuses gives one error status \(400 to 599\) another: 422 -> 200 is not that/
  })
  await t.rejects(loadStatuses('error-status-twice'), {
    code: 'EVG_ERR_BUNDLE_CHANGE',
    message: /error-status-twice\/3\.0\.0\/b\.ts: error-status-twice\/3\.0\.0\/a\.ts already gives 422 another status for 2\.0\.0/
  })
  t.throws(() => defineChange(statuses.v2, statuses.head, {
    description: 'x',
    routes: ({ route }) => [route('POST /notes', { response: { 201: { status: 'ok' } } as never })]
  }), { name: 'TypeError', message: 'POST /notes response 201: a step, or { status, body } for a status older clients get instead' })
  t.throws(() => defineChange(statuses.v2, statuses.head, {
    description: 'x',
    routes: ({ route }) => [route('POST /notes', { response: { 201: { status: 200, body: 'x' } } as never })]
  }), { name: 'TypeError' }, 'a body that is not a step')
})
