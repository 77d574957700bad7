import { fileURLToPath } from 'node:url'
import t from 'tap'
import { contracts } from '../../contracts/index.js'
import { run, type Io } from '../../src/cli.js'
import { findingLine } from '../../src/compatibility/report.js'
import { checkSnapshots } from '../../src/compatibility/snapshots.js'
import bundle from '../../versions/index.js'

// The deployment's own gate: what every released version is served today, against what its apps
// were built against. An ERR here is a release that breaks old builds.

const frozenDir = fileURLToPath(new URL('../../contracts/snapshots', import.meta.url))

t.test('every released contract still serves what its apps were built against', async (t) => {
  const report = await checkSnapshots(contracts, frozenDir, bundle.compatibility?.severities)
  for (const finding of report.findings) t.comment(findingLine(finding))
  t.same(report.findings.filter((f) => f.severity !== 'INFO').map(findingLine), [], 'no ERR or WARN: old builds keep working')
  const head = contracts.map((c) => c.version).at(-1)
  t.same(report.versions.filter((v) => v.status !== 'frozen' && !(v.status === 'unreleased' && v.version === head)).map((v) => v.version), [],
    'every contract older than head has shipped, so it is frozen; none was dropped')
})

t.test('check reads the bundle\'s own snapshots wherever it runs from', async (t) => {
  const here = process.cwd()
  process.chdir(t.testdir({}))
  t.teardown(() => { process.chdir(here) })
  const lines: string[] = []
  const io: Io = { out: (l) => lines.push(l), err: (l) => lines.push(`! ${l}`), env: {} }
  t.equal(await run(['contracts', 'check'], io), 0, lines.join('\n'))
  t.match(lines.at(-1), /^0 ERR, 0 WARN, \d+ INFO: every released app keeps working$/)
})
