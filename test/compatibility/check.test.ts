import { readdir, readFile } from 'node:fs/promises'
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { run, type Io } from '../../src/cli.js'
import { checkSnapshots, freezeSnapshots } from '../../src/compatibility/snapshots.js'
import { buildContracts, type HeadEdits } from '../fixtures/editable/contracts.js'

// `evergate contracts check` and `freeze` as a team uses them: freeze a release, edit head the way
// teams do, and read what the gate says.

function cli () {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env: {} }
  return { out, err, run: (argv: string[], edits?: HeadEdits, severities?: Record<string, 'ERR' | 'WARN' | 'INFO'>) => run(argv, io, async () => ({ contracts: buildContracts(edits), severities })) }
}

async function released (t: { testdir (): string }): Promise<string> {
  const dir = t.testdir()
  await freezeSnapshots(buildContracts(), dir)
  return dir
}

t.test('an edit of head that breaks released apps fails, naming rule, route, field and every version', async (t) => {
  const dir = await released(t)
  const { out, run } = cli()
  t.equal(await run(['contracts', 'check', '--snapshots', dir], { article: { price_cents: Type.String() } }), 1)
  t.same(out, [
    '2.0.0  frozen, 1 ERR',
    '3.0.0  frozen, 1 ERR',
    'response-type-changed  ERR  2.0.0, 3.0.0  GET /articles  response 200 items[].price_cents  integer → string',
    '1 ERR, 0 WARN, 0 INFO: released apps break'
  ])
})

t.test('each kind of break the issue names is an ERR on the versions it reaches', async (t) => {
  const dir = await released(t)
  const cases: Array<[string, HeadEdits, string, string, string]> = [
    ['published_at made nullable', { article: { published_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) } }, 'response-became-nullable', 'response 200 items[].published_at', '2.0.0, 3.0.0'],
    ['a response field removed', { omit: ['title'] }, 'response-property-removed', 'response 200 items[].title', '2.0.0, 3.0.0'],
    ['a response field made optional', { article: { title: Type.Optional(Type.String()) } }, 'response-property-became-optional', 'response 200 items[].title', '2.0.0, 3.0.0'],
    ['an enum value added', { article: { kind: Type.Union([Type.Literal('article'), Type.Literal('podcast'), Type.Literal('video')]) } }, 'response-enum-value-added', 'response 200 items[].kind', '3.0.0'],
    ['a request field newly required', { bookmark: Type.Object({ article_id: Type.String(), folder: Type.String({ maxLength: 50 }), note: Type.String() }) }, 'request-required-property-added', 'body note', '2.0.0, 3.0.0'],
    ['a request constraint tightened', { bookmark: Type.Object({ article_id: Type.String(), folder: Type.String({ maxLength: 20 }) }) }, 'request-max-length-decreased', 'body folder', '2.0.0, 3.0.0'],
    ['additional properties newly refused', { bookmark: Type.Object({ article_id: Type.String(), folder: Type.String({ maxLength: 50 }) }, { additionalProperties: false }) }, 'request-additional-properties-refused', 'body', '2.0.0, 3.0.0']
  ]
  for (const [name, edits, rule, field, versions] of cases) {
    const { out, run } = cli()
    t.equal(await run(['contracts', 'check', '--snapshots', dir], edits), 1, name)
    const line = out.find((l) => l.startsWith(`${rule}  ERR  ${versions}  `))
    t.ok(line?.includes(`  ${field}  `), `${name}: ${out.join(' | ')}`)
  }
})

t.test('compatible edits pass, with INFO lines that say what changed', async (t) => {
  const dir = await released(t)
  const { out, run } = cli()
  const edits: HeadEdits = {
    article: { title: Type.String({ description: 'Reworded' }), author: Type.Optional(Type.String()) },
    bookmark: Type.Object({ article_id: Type.String(), folder: Type.String({ maxLength: 100 }), note: Type.Optional(Type.String()) }),
    routes: { 'GET /topics': { responses: { 200: Type.Array(Type.String()) } } }
  }
  t.equal(await run(['contracts', 'check', '--snapshots', dir], edits), 0)
  t.same(out, [
    '2.0.0  frozen, 4 INFO',
    '3.0.0  frozen, 4 INFO',
    'response-property-added  INFO  2.0.0, 3.0.0  GET /articles  response 200 items[].author  (none) → optional string',
    'route-added  INFO  2.0.0, 3.0.0  GET /topics  -  (none) → GET /topics',
    'request-max-length-increased  INFO  2.0.0, 3.0.0  POST /bookmarks  body folder  maxLength 50 → maxLength 100',
    'request-optional-property-added  INFO  2.0.0, 3.0.0  POST /bookmarks  body note  (none) → optional string',
    '0 ERR, 0 WARN, 4 INFO: every released app keeps working'
  ])
})

t.test('strict decoders: a deployment makes response additions ERR', async (t) => {
  const dir = await released(t)
  const { out, run } = cli()
  t.equal(await run(['contracts', 'check', '--snapshots', dir], { article: { author: Type.String() } }, { 'response-property-added': 'ERR' }), 1)
  t.match(out, ['2.0.0  frozen, 1 ERR', '3.0.0  frozen, 1 ERR', /^response-property-added {2}ERR {2}2\.0\.0, 3\.0\.0 {2}GET \/articles/])
  t.equal(await run(['contracts', 'check', '--snapshots', dir], {}, { 'no-such-rule': 'ERR' }), 1)
  const strict = cli()
  t.equal(await strict.run(['contracts', 'check', '--snapshots', dir], { bookmark: Type.Object({ article_id: Type.String(), folder: Type.String({ maxLength: 50 }), x: Type.Optional(Type.String()) }) }), 0)
  t.equal(await strict.run(['contracts', 'check', '--snapshots', dir, '--fail-on', 'WARN'], { article: { title: Type.String({ format: 'uri' }) }, bookmark: Type.Object({ article_id: Type.String() }) }), 1, 'WARN fails with --fail-on WARN')
})

t.test('machine-readable reports: json, markdown, junit', async (t) => {
  const dir = await released(t)
  const edits: HeadEdits = { article: { price_cents: Type.Number({ minimum: 0 }), author: Type.Optional(Type.String()) } }

  const json = cli()
  t.equal(await json.run(['contracts', 'check', '--snapshots', dir, '--format', 'json'], edits), 1)
  const report = JSON.parse(json.out.join('\n'))
  t.match(report, { ok: false, failOn: 'ERR', versions: [{ version: '2.0.0', status: 'frozen' }, { version: '3.0.0', status: 'frozen' }] })
  t.match(report.findings[0], { rule: 'response-type-widened', severity: 'ERR', versions: ['2.0.0', '3.0.0'], route: 'GET /articles', location: 'response 200', path: 'items[].price_cents', before: 'integer', after: 'number' })
  const alias = cli()
  t.equal(await alias.run(['contracts', 'check', '--snapshots', dir, '--json'], edits), 1)
  t.same(alias.out, json.out, '--json, as on every command, is --format json')

  const md = cli()
  t.equal(await md.run(['contracts', 'check', '--snapshots', dir, '--format', 'markdown'], edits), 1)
  t.ok(md.out.includes('| ERR | `response-type-widened` | 2.0.0, 3.0.0 | `GET /articles` | `response 200 items[].price_cents` | integer | number |'))

  const junit = cli()
  t.equal(await junit.run(['contracts', 'check', '--snapshots', dir, '--format', 'junit'], edits), 1)
  const xml = junit.out.join('\n')
  t.match(xml, /<testsuites name="evergate contracts check" tests="6" failures="2">/)
  t.match(xml, /<testcase classname="2\.0\.0" name="GET \/articles">\s*<failure type="response-type-widened" message="response-type-widened: response 200 items\[\]\.price_cents integer → number">/)
  t.match(xml, /<system-out>INFO response-property-added: response 200 items\[\]\.author \(none\) → optional string<\/system-out>/)
  t.match(xml, /<testcase classname="3\.0\.0" name="POST \/bookmarks"\/>/)

  t.equal(await cli().run(['contracts', 'check', '--snapshots', dir, '--format', 'yaml']), 2)
})

t.test('freeze: a release freezes head; a broken contract freezes nothing; --update records INFO changes only', async (t) => {
  const dir = t.testdir({})
  const a = cli()
  t.equal(await a.run(['contracts', 'check', '--snapshots', dir]), 1, 'nothing frozen: 2.0.0 shipped unprotected')
  t.match(a.out, ['2.0.0  NOT FROZEN, and a newer contract exists: it has shipped; run evergate contracts freeze 2.0.0', '3.0.0  not frozen yet (freeze it when it ships: evergate contracts freeze)', /^contract-not-frozen {2}ERR {2}2\.0\.0/])
  t.equal(await a.run(['contracts', 'freeze', '2.0.0', '--snapshots', dir]), 0)
  t.equal(a.out.pop(), 'froze 2.0.0')
  t.equal(await a.run(['contracts', 'freeze', '--snapshots', dir]), 0)
  t.equal(a.out.pop(), 'froze 3.0.0')
  const frozen = JSON.parse(await readFile(`${dir}/3.0.0.json`, 'utf8'))
  t.match(frozen, { version: '3.0.0', released: /^\d{4}-\d{2}-\d{2}$/ })
  t.equal(await a.run(['contracts', 'freeze', '--snapshots', dir]), 0)
  t.equal(a.out.pop(), 'every contract is already frozen')

  const before = await readFile(`${dir}/2.0.0.json`, 'utf8')
  const b = cli()
  t.equal(await b.run(['contracts', 'freeze', '--update', '2.0.0', '--snapshots', dir], { article: { price_cents: Type.String() } }), 1)
  t.match(b.err.pop(), /^2\.0\.0 has 1 finding\(s\) that are not INFO \(first: response-type-changed at GET \/articles\)/)
  t.equal(await readFile(`${dir}/2.0.0.json`, 'utf8'), before, 'a break is never frozen in')

  const added = { article: { author: Type.Optional(Type.String()) } }
  t.equal(await b.run(['contracts', 'freeze', '--update', '2.0.0', '--snapshots', dir], added), 0)
  t.same(b.out.splice(0), ['2.0.0  recorded response-property-added GET /articles response 200 items[].author: (none) → optional string'])
  const updated = JSON.parse(await readFile(`${dir}/2.0.0.json`, 'utf8'))
  t.match(updated, { version: '2.0.0', released: frozen.released, updates: [{ date: frozen.released, findings: ['response-property-added GET /articles response 200 items[].author: (none) → optional string'] }] })
  t.ok(updated.routes['GET /articles'].responses['200'].properties.items.items.properties.author)
  t.equal(await b.run(['contracts', 'freeze', '--update', '2.0.0', '--snapshots', dir], added), 0)
  t.same(b.out.splice(0), ['2.0.0  unchanged: nothing to record'])
  t.equal(await b.run(['contracts', 'check', '--snapshots', dir], added), 0)
  t.match(b.out, ['2.0.0  frozen, unchanged', '3.0.0  frozen, 1 INFO'])

  const c = cli()
  t.equal(await c.run(['contracts', 'freeze', '--snapshots', dir], { article: { title: Type.String({ minLength: 0 }) } }), 0, 'compatible changes and nothing new to freeze: no failure')
  t.equal(await c.run(['contracts', 'freeze', '--update', '--snapshots', dir]), 2, '--update names versions')
  t.equal(await c.run(['contracts', 'freeze', '9.9.9', '--snapshots', dir]), 2)
  t.equal(await c.run(['contracts', 'check', '1.0.0', '--snapshots', dir]), 2)
  t.equal(await c.run(['contracts', 'thaw']), 2)
})

t.test('freeze refuses while a released contract is broken', async (t) => {
  const dir = t.testdir({})
  await freezeSnapshots(buildContracts().slice(0, 1), dir)
  const { err, run } = cli()
  t.equal(await run(['contracts', 'freeze', '--snapshots', dir], { article: { title: Type.Integer() } }), 1)
  t.same(err, [
    '2.0.0  response-type-changed GET /articles response 200 items[].title: string → integer',
    'nothing frozen: released contracts are broken (evergate contracts check says how); put them back first'
  ])
  t.same(await readdir(dir), ['2.0.0.json'], 'head was not frozen either')
  t.equal(await run(['contracts', 'freeze', '--update', '3.0.0', '--snapshots', dir]), 1, 'head is not frozen: nothing to update')
})

t.test('a frozen contract dropped from the bundle, and a folder that cannot be read', async (t) => {
  const dir = await released(t)
  const [, head] = buildContracts()
  const report = await checkSnapshots([head], dir)
  t.match(report.versions, [{ version: '2.0.0', status: 'dropped', findings: [{ rule: 'contract-dropped', severity: 'ERR' }] }, { version: '3.0.0', status: 'frozen' }])
  await t.rejects(checkSnapshots([head], t.testdir({ '3.0.0.json': t.fixture('dir', {}) })), { code: 'EISDIR' })
  await t.rejects(checkSnapshots([head], `${t.testdir({ file: 'x' })}/file`), { code: 'ENOTDIR' })
})
