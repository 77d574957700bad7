import { execFile } from 'node:child_process'
import { cp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { contracts } from '../../contracts/index.js'
import { run } from '../../src/cli.js'
import { compareContracts, type FrozenContract } from '../../src/compatibility/diff.js'
import { scaffoldHead } from '../../src/compatibility/scaffold.js'
import { checkSnapshots } from '../../src/compatibility/snapshots.js'
import { contractSnapshot, loadBundle, type BundleSource, type Contract } from '../../src/engine/index.js'

// `contracts new` runs on a copy of the demo's deployment: its contracts, changes and suites,
// with src/ and the test helpers linked in so that the copy compiles and loads as the real one.
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
// The compiler runs over the copy: longer than the usual minute on a busy machine.
t.setTimeout(240_000)

async function demoCopy (t: Test): Promise<string> {
  const dir = t.testdir({})
  for (const folder of ['contracts', 'versions', 'test/contracts']) await cp(join(ROOT, folder), join(dir, folder), { recursive: true })
  for (const folder of ['src', 'demo', 'test/helpers']) await symlink(join(ROOT, folder), join(dir, folder))
  return dir
}

const cli = (dir: string, version?: string) => {
  const lines: string[] = []
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`! ${l}`), env: {} }
  const args = ['contracts', 'new', ...(version === undefined ? [] : [version]), '--snapshots', join(dir, 'contracts/snapshots')]
  return { lines, code: run(args, io, async () => ({ contracts })) }
}

const importFrom = async <T>(dir: string, file: string): Promise<T> => await import(pathToFileURL(join(dir, file)).href) as T

t.test('contracts new 3.1.0: head moves on, 3.0.0 is frozen and stays served as a delta', async (t) => {
  const dir = await demoCopy(t)
  const frozen = await readFile(join(ROOT, 'contracts/snapshots/3.0.0.json'), 'utf8')
  await rm(join(dir, 'contracts/snapshots/3.0.0.json'))
  const { lines, code } = cli(dir, '3.1.0')
  t.equal(await code, 0)
  t.equal(lines[0], 'head is now 3.1.0; 3.0.0 is frozen and stays served')
  t.same(lines.filter((l) => l.startsWith('  wrote ')).map((l) => l.slice(8)).sort(), [
    'contracts/2.3.0.ts', 'contracts/3.0.0.ts', 'contracts/head.ts', 'contracts/index.ts', 'contracts/snapshots/3.0.0.json',
    'test/contracts/3.0.0.test.ts', 'versions/3.0.0/bookmark-folders-and-podcasts.ts', 'versions/3.1.0/README.md'
  ])
  t.match(lines.slice(lines.indexOf('next:') + 1), [/^ {2}1\. Change contracts\/head\.ts .*line 4\)\.$/, /^ {2}2\. /, /^ {2}3\. /, /^ {2}4\. /, /^ {2}5\. /])
  t.same(compareContracts(JSON.parse(frozen), JSON.parse(await readFile(join(dir, 'contracts/snapshots/3.0.0.json'), 'utf8'))), [], 'frozen as it was released')

  const { default: source } = await importFrom<{ default: BundleSource }>(dir, 'versions/index.ts')
  const bundle = await loadBundle(source)
  t.same(bundle.contracts.map((c) => c.version), ['1.0.0', '2.0.0', '2.3.0', '3.0.0', '3.1.0'])
  t.same(bundle.changes.get('3.0.0')?.map((c) => [c.change.from.version, c.change.to.version]), [['2.3.0', '3.0.0']], 'the 3.0.0 change now ends at 3.0.0')
  t.equal(bundle.changes.get('3.1.0'), undefined, 'a README is no change')
  const { contract: old } = await importFrom<{ contract: Contract }>(dir, 'contracts/3.0.0.ts')
  t.same(compareContracts(JSON.parse(frozen), contractSnapshot(old) as FrozenContract), [], 'the old head is what was frozen')
  const report = await checkSnapshots(bundle.contracts, join(dir, 'contracts/snapshots'))
  t.same(report.versions.map((v) => [v.version, v.status]), [['1.0.0', 'frozen'], ['2.0.0', 'frozen'], ['2.3.0', 'frozen'], ['3.0.0', 'frozen'], ['3.1.0', 'unreleased']])
  t.same(report.findings, [], 'nothing any released app would notice')

  // The compiler sees the scaffolded modules as a team would: contracts, changes and the new suite.
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), include: ['contracts', 'versions', 'test/contracts'] }))
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
  await t.resolves(promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', dir]), 'it compiles')
  t.match(await readFile(join(dir, 'test/contracts/3.0.0.test.ts'), 'utf8'), /as\('\/users\/me'\)/, 'the suite checks a route 3.0.0 apps call')

  const again = cli(dir, '3.2.0')
  t.equal(await again.code, 1, 'run twice, it finds its own files and stops')
})

t.test('a head with no older contract and no changes', async (t) => {
  const dir = t.testdir({
    contracts: {
      'head.ts': "import { defineContract } from '../src/engine/index.js'\n\nexport const head = defineContract({ version: '1.0.0', routes: {} })\n",
      'index.ts': "import { head } from './head.js'\n\nexport const contracts = [head]\n",
      snapshots: {}
    }
  })
  const head = { version: '1.0.0', error: {}, routes: { 'GET /a/:id': { responses: {} } } } as unknown as Contract
  const done = await scaffoldHead({ root: dir, contracts: [head], version: '2.0.0' })
  t.same(done.files, ['contracts/snapshots/1.0.0.json', 'contracts/head.ts', 'contracts/index.ts', 'contracts/1.0.0.ts', 'versions/2.0.0/README.md', 'test/contracts/1.0.0.test.ts'])
  t.match(await readFile(join(dir, 'contracts/index.ts'), 'utf8'), "import { contract as v1_0_0 } from './1.0.0.js'\nimport { head } from './head.js'\n\nexport const contracts = [v1_0_0, head]\n")
  t.notMatch(await readFile(join(dir, 'test/contracts/1.0.0.test.ts'), 'utf8'), /t\.test\('its apps/, 'no GET route without parameters to probe')
})

t.test('what it refuses, before writing anything', async (t) => {
  const refuses = async (t: Test, dir: string, version: string, message: RegExp) => {
    const before = await readdir(join(dir, 'contracts'))
    const head = await readFile(join(dir, 'contracts/head.ts'), 'utf8')
    await t.rejects(scaffoldHead({ root: dir, contracts, version }), { name: 'Error', message })
    t.same(await readdir(join(dir, 'contracts')), before)
    t.equal(await readFile(join(dir, 'contracts/head.ts'), 'utf8'), head)
  }
  t.test('a version that is not x.y.z, or not newer than head', async (t) => {
    const dir = await demoCopy(t)
    await refuses(t, dir, 'v3.1.0', /"v3\.1\.0" is not a version/)
    await refuses(t, dir, '3.0.0', /3\.0\.0 is not newer than head, 3\.0\.0/)
    await t.rejects(scaffoldHead({ root: dir, contracts: [], version: '1.0.0' }), /no contracts/)
    const { lines, code } = cli(dir)
    t.equal(await code, 2)
    t.equal(lines[0], '! evergate: contracts new takes one version: the new head\'s')
  })
  t.test('a released contract that drifted', async (t) => {
    const dir = await demoCopy(t)
    const frozen = JSON.parse(await readFile(join(dir, 'contracts/snapshots/2.0.0.json'), 'utf8'))
    frozen.routes['GET /gone'] = { responses: { 200: { type: 'object' } } }
    await writeFile(join(dir, 'contracts/snapshots/2.0.0.json'), JSON.stringify(frozen))
    await refuses(t, dir, '3.1.0', /do not match their snapshots/)
  })
  t.test('files not in the form it edits', async (t) => {
    const edit = async (dir: string, file: string, from: string | RegExp, to: string) => {
      const text = await readFile(join(dir, file), 'utf8')
      await writeFile(join(dir, file), text.replace(from, to))
    }
    let dir = await demoCopy(t)
    await edit(dir, 'contracts/head.ts', "version: '3.0.0'", 'version: VERSION')
    await refuses(t, dir, '3.1.0', /^contracts\/head\.ts: expected exactly one `version: '3\.0\.0'`, found 0; make the change by hand$/)
    dir = await demoCopy(t)
    await edit(dir, 'contracts/index.ts', ', head]', ', head, ]')
    await refuses(t, dir, '3.1.0', /^contracts\/index\.ts: expected exactly one list of contracts ending in `head]`/)
    dir = await demoCopy(t)
    await edit(dir, 'contracts/2.3.0.ts', 'BookmarkCreate, head }', 'BookmarkCreate, head as current }')
    await refuses(t, dir, '3.1.0', /^contracts\/2\.3\.0\.ts: expected head imported as/)
    dir = await demoCopy(t)
    await edit(dir, 'contracts/2.3.0.ts', '// 2.3.0', 'const next = 1\n// 2.3.0')
    await refuses(t, dir, '3.1.0', /^contracts\/2\.3\.0\.ts: already names next/)
    dir = await demoCopy(t)
    await edit(dir, 'versions/3.0.0/bookmark-folders-and-podcasts.ts', 'defineChange(v2_3, head,', 'defineChange(v2_3, (head),')
    await refuses(t, dir, '3.1.0', /^versions\/3\.0\.0\/bookmark-folders-and-podcasts\.ts: expected exactly one `defineChange\(older, head, \.\.\.\)`/)
    dir = await demoCopy(t)
    await rm(join(dir, 'contracts/2.3.0.ts'))
    await refuses(t, dir, '3.1.0', /^contracts\/2\.3\.0\.ts: cannot read it \(ENOENT\); is .* the deployment folder\?$/)
  })
  t.test('files it would write that exist already', async (t) => {
    const dir = await demoCopy(t)
    await writeFile(join(dir, 'contracts/3.0.0.ts'), '')
    await t.rejects(scaffoldHead({ root: dir, contracts, version: '3.1.0' }), /^contracts\/3\.0\.0\.ts exists already/)
  })
})

t.test('head stays imported where a change still uses it for something else', async (t) => {
  const dir = await demoCopy(t)
  const file = join(dir, 'versions/3.0.0/bookmark-folders-and-podcasts.ts')
  await writeFile(file, `${await readFile(file, 'utf8')}\nexport const routes = Object.keys(head.routes)\n`)
  await scaffoldHead({ root: dir, contracts, version: '4.0.0' })
  t.match(await readFile(file, 'utf8'), "import { head, type ArticleT } from '../../contracts/head.js'\nimport { contract as v3_0_0 } from '../../contracts/3.0.0.js'\n")
})
