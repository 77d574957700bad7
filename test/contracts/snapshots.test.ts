import { fileURLToPath } from 'node:url'
import { readdir, readFile } from 'node:fs/promises'
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { contracts } from '../../contracts/index.js'
import { run } from '../../src/cli.js'
import { checkSnapshots } from '../../src/compatibility/snapshots.js'
import { deriveContract } from '../../src/engine/index.js'

const frozenDir = fileURLToPath(new URL('../../contracts/snapshots', import.meta.url))

t.test('every released contract still matches its frozen snapshot', async (t) => {
  const report = await checkSnapshots(contracts, frozenDir)
  t.same(report.drifted, [], 'a released contract changed: old builds rely on it')
  t.same(report.dropped, [], 'a released contract left the bundle: old builds still call it')
  t.same(report.unfrozen, [], 'every contract older than head has shipped, so it is frozen')
  t.same([...report.frozen, ...report.unreleased], contracts.map((c) => c.version), 'head alone may wait for its release')
})

t.test('the CLI freezes new contracts, never rewrites frozen ones, and catches drift', async (t) => {
  const dir = t.testdir({})
  const lines: string[] = []
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`! ${l}`), env: {} }
  const [v1, v2] = contracts
  t.equal(await run(['contracts', 'check', '--snapshots', dir], io, async () => [v1]), 0)
  t.match(lines.pop(), /1\.0\.0 {2}not frozen yet/)

  t.equal(await run(['contracts', 'freeze', '--snapshots', dir], io, async () => [v1, v2]), 0)
  t.equal(lines.pop(), 'froze 1.0.0, 2.0.0')
  const before = await readFile(`${dir}/1.0.0.json`, 'utf8')
  t.equal(await run(['contracts', 'freeze', '--snapshots', dir], io, async () => [v1, v2]), 0)
  t.equal(lines.pop(), 'every contract is already frozen')

  const drifted = deriveContract(v1, { version: '1.0.0', routes: { 'GET /profile': { responses: { 200: Type.Object({ id: Type.String() }) } } } })
  t.equal(await run(['contracts', 'check', '--snapshots', dir], io, async () => [drifted, v2]), 1)
  t.same(lines.splice(-2), ['2.0.0  frozen, unchanged', '! 1.0.0  CHANGED since it was frozen: released apps rely on it; add a new version instead'])
  t.equal(await readFile(`${dir}/1.0.0.json`, 'utf8'), before)

  t.equal(await run(['contracts', 'freeze', '--snapshots', dir], io, async () => [drifted, v2, contracts[2]]), 1, 'no freeze over a drift')
  t.same(lines.splice(-2), ['! 1.0.0  CHANGED since it was frozen: released apps rely on it; add a new version instead', '! nothing frozen: put the released contracts back as they were first'])
  t.same(await readdir(dir), ['1.0.0.json', '2.0.0.json'], '2.3.0 was not frozen either')

  t.equal(await run(['nonsense'], io), 2)
  t.match(lines.splice(-2), ['! evergate: unknown command: nonsense', /^! usage: evergate/])
  t.equal(await run(['contracts', 'thaw'], io), 2)
})

t.test('a snapshot folder that cannot be read is an error, not "missing"', async (t) => {
  const dir = t.testdir({ '1.0.0.json': t.fixture('dir', {}) })
  await t.rejects(checkSnapshots(contracts.slice(0, 1), dir), { code: 'EISDIR' })
})

t.test('what check catches besides drift: a shipped version not frozen, a frozen one dropped', async (t) => {
  const dir = t.testdir({})
  const lines: string[] = []
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`! ${l}`), env: {} }
  const [v1, v2, v23] = contracts
  t.equal(await run(['contracts', 'freeze', '--snapshots', dir], io, async () => [v1]), 0)
  t.equal(await run(['contracts', 'check', '--snapshots', dir], io, async () => [v1, v2, v23]), 1)
  t.same(lines.splice(-3), [
    '1.0.0  frozen, unchanged',
    '2.3.0  not frozen yet (freeze it when it ships: evergate contracts freeze)',
    '! 2.0.0  NOT FROZEN, and a newer contract exists: it has shipped; run evergate contracts freeze 2.0.0'
  ])
  t.equal(await run(['contracts', 'freeze', '2.0.0', '--snapshots', dir], io, async () => [v1, v2, v23]), 0)
  t.equal(lines.pop(), 'froze 2.0.0', 'the shipped one alone: head (2.3.0 here) waits for its release')
  t.equal(await run(['contracts', 'freeze', '9.9.9', '--snapshots', dir], io, async () => [v1, v2]), 2)
  t.match(lines.splice(-2)[0], /no contract 9\.9\.9 in the bundle/)
  t.equal(await run(['contracts', 'check', '--snapshots', dir], io, async () => [v2]), 1, 'a frozen version left the bundle')
  t.same(lines.pop(), '! 1.0.0  frozen, but no longer in the bundle: released apps still call it')
})

t.test('check reads the bundle\'s own snapshots wherever it runs from', async (t) => {
  const here = process.cwd()
  process.chdir(t.testdir({}))
  t.teardown(() => { process.chdir(here) })
  const lines: string[] = []
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`! ${l}`), env: {} }
  t.equal(await run(['contracts', 'check'], io), 0)
  t.same(lines, ['1.0.0  frozen, unchanged', '2.0.0  frozen, unchanged', '2.3.0  frozen, unchanged', '3.0.0  frozen, unchanged'])
})
