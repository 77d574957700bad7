import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'tap'

const root = fileURLToPath(new URL('..', import.meta.url))
const depcruise = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs')

/** dependency-cruiser's verdict on `dirs` under `cwd`, with the repository's rules. */
async function cruise (cwd: string, dirs: string[]): Promise<{ ok: boolean, output: string }> {
  const config = join(root, '.dependency-cruiser.cjs')
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [depcruise, '--config', config, '--output-type', 'err-long', ...dirs],
      { cwd, maxBuffer: 16 * 1024 * 1024 })
    return { ok: true, output: stdout }
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string, stderr?: string }
    return { ok: false, output: stdout + stderr }
  }
}

// The module structure of .dependency-cruiser.cjs: no import circles (type-only imports count),
// proxy/ never importing gateway/, engine/ planning only.
test('the modules keep their structure: no import circles, proxy/ never imports gateway/', async (t) => {
  const { ok, output } = await cruise(root, ['src', 'bench', 'demo', 'versions', 'contracts', 'scripts', 'test'])
  t.ok(ok, `dependency-cruiser finds no violation${ok ? '' : `:\n${output}`}`)
})

test('the check fails on a circle, and on proxy/ importing gateway/', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'evergate-structure-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await copyFile(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'))
  await mkdir(join(dir, 'src/proxy'), { recursive: true })
  await mkdir(join(dir, 'src/gateway'), { recursive: true })
  await writeFile(join(dir, 'src/proxy/forwarding.ts'), "import { translate } from '../gateway/translate.js'\nexport const forward = () => translate\n")
  await writeFile(join(dir, 'src/gateway/translate.ts'), "import type { Answer } from './answer.js'\nexport const translate = (a: Answer) => a\n")
  await writeFile(join(dir, 'src/gateway/answer.ts'), "import type { translate } from './translate.js'\nexport type Answer = ReturnType<typeof translate>\n")
  const { ok, output } = await cruise(dir, ['src'])
  t.notOk(ok, 'the check fails')
  t.match(output, /proxy-is-mechanics-only: src\/proxy\/forwarding\.ts → src\/gateway\/translate\.ts/)
  t.match(output, /no-circular: src\/gateway\/(translate|answer)\.ts/, 'a circle of type-only imports counts')
})
