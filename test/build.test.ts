import { execFile } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

// Issue 17, defect 10: tsc writes what it compiles and leaves whatever else is in dist/. After
// versions/2.3.0 was renamed, dist/versions/2.3.0/*.js stayed, was loaded, and `npm start` broke.
// The build starts from an empty dist/; running tsc itself here would take seconds, the clean not.
const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }

t.test('the build empties dist/ before it compiles', async (t) => {
  t.equal(scripts.build.split(' && ')[0], 'npm run clean', 'clean runs first, and a failed clean stops the build')
  t.match(scripts.prestart, /npm run build/, 'npm start builds')
  const dir = t.testdir({
    'package.json': JSON.stringify({ name: 'stale-dist', private: true, scripts: { clean: scripts.clean } }),
    dist: { versions: { '2.3.0': { 'index.js': 'export default {}' } } },
    versions: { '2.4.0': { 'index.ts': '' } }
  })
  await promisify(execFile)('npm', ['run', 'clean', '--silent'], { cwd: dir, shell: process.platform === 'win32' })
  t.notOk(existsSync(join(dir, 'dist')), 'the compiled files of a removed version folder are gone')
  t.ok(existsSync(join(dir, 'versions', '2.4.0', 'index.ts')), 'sources are untouched')
  await promisify(execFile)('npm', ['run', 'clean', '--silent'], { cwd: dir, shell: process.platform === 'win32' })
  t.pass('with no dist/ at all, clean succeeds (a first build)')
})

// `npx evergate` runs the package's own bin through a link npm makes once, in its npx cache, when
// it also marks the file executable. Every build writes dist/src/cli.js anew, without that mark:
// after the next `npm start`, `npx evergate` failed with "Permission denied".
t.test('the build leaves the CLI executable', { skip: process.platform === 'win32' && 'no executable bit' }, async (t) => {
  const dir = t.testdir({
    'package.json': JSON.stringify({ name: 'cli-mode', private: true, scripts: { postbuild: scripts.postbuild } }),
    dist: { src: { 'cli.js': '#!/usr/bin/env node\n' } }
  })
  await promisify(execFile)('npm', ['run', 'postbuild', '--silent'], { cwd: dir })
  t.equal(statSync(join(dir, 'dist', 'src', 'cli.js')).mode & 0o111, 0o111, 'dist/src/cli.js can be run')
})
