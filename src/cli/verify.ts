import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { formatCheck, verifyDeployment } from '../compatibility/verify.js'
import { buildPlans, loadBundle } from '../engine/index.js'
import { loadBundleSource } from './bundle.js'
import { UsageError, type Io } from './io.js'

// `evergate contracts verify --url <gateway>`: the deployment check, before traffic moves to it.

export async function verifyCommand (args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { url: { type: 'string' }, snapshots: { type: 'string' }, 'version-header': { type: 'string' }, timeout: { type: 'string' } },
    allowPositionals: true,
    strict: true
  })
  if (positionals.length > 0) throw new UsageError('contracts verify takes no version: it checks them all')
  if (values.url === undefined || !URL.canParse(values.url)) throw new UsageError('contracts verify needs --url <the gateway\'s URL>')
  const timeout = values.timeout === undefined ? 10_000 : Number(values.timeout)
  if (!Number.isInteger(timeout) || timeout < 1) throw new UsageError(`--timeout "${values.timeout}" is not a number of milliseconds`)

  const source = await loadBundleSource()
  const snapshots = values.snapshots === undefined ? source.snapshotsDir : resolve(values.snapshots)
  if (snapshots === undefined) throw new UsageError('the bundle names no snapshotsDir: give --snapshots <folder>')
  // A mistyped folder would pass for a bundle with nothing frozen yet.
  if (!existsSync(snapshots)) throw new UsageError(`--snapshots: no folder ${snapshots}`)
  const { examples } = source
  if (examples === undefined) throw new UsageError('the bundle has no examples (defineBundle({ examples })): nothing to replay')
  const report = await verifyDeployment({
    url: values.url,
    plans: buildPlans(await loadBundle(source)),
    examples,
    snapshots,
    versionHeader: values['version-header'] ?? io.env.EVERGATE_VERSION_HEADER ?? 'x-app-version',
    timeout,
    onCheck: (check) => (check.outcome === 'fail' ? io.err : io.out)(formatCheck(check))
  })
  const total = report.checks.length
  if (report.failed > 0) {
    io.err(`${report.failed} of ${total} checks failed: the deployment breaks app versions ${[...new Set(report.checks.filter((c) => c.outcome === 'fail').map((c) => c.version))].join(', ')}`)
    return 1
  }
  io.out(`all ${total} checks passed`)
  return 0
}
