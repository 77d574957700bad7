import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { scaffoldHead } from '../compatibility/scaffold.js'
import { checkSnapshots, faulty, freezeSnapshots, tampered, type SnapshotReport } from '../compatibility/snapshots.js'
import type { BundleSource } from '../engine/index.js'
import { UsageError, type Io } from './io.js'

// `evergate contracts ...`: released contracts are frozen, and checked against what was frozen.

export async function loadContracts (): Promise<BundleSource['contracts']> {
  const { default: bundle } = await import('../../versions/index.js') as { default: BundleSource }
  return bundle.contracts
}

/** The bundle's own snapshots, wherever the command runs from (compiled, this is dist/src/cli/contracts.js). */
const SNAPSHOTS = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../contracts/snapshots' : '../../../contracts/snapshots', import.meta.url))

function reportFaults (report: SnapshotReport, io: Io): void {
  for (const v of report.unfrozen) io.err(`${v}  NOT FROZEN, and a newer contract exists: it has shipped; run evergate contracts freeze ${v}`)
  for (const v of report.drifted) io.err(`${v}  CHANGED since it was frozen: released apps rely on it; add a new version instead`)
  for (const v of report.dropped) io.err(`${v}  frozen, but no longer in the bundle: released apps still call it`)
}

export async function contracts (command: string | undefined, args: string[], io: Io, load: typeof loadContracts): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { snapshots: { type: 'string' } }, allowPositionals: true, strict: true })
  const dir = values.snapshots === undefined ? SNAPSHOTS : resolve(values.snapshots)
  if (command === 'check') {
    if (positionals.length > 0) throw new UsageError('contracts check takes no version: it checks them all')
    const report = await checkSnapshots(await load(), dir)
    for (const v of report.frozen) io.out(`${v}  frozen, unchanged`)
    for (const v of report.unreleased) io.out(`${v}  not frozen yet (freeze it when it ships: evergate contracts freeze)`)
    reportFaults(report, io)
    return faulty(report) ? 1 : 0
  }
  if (command === 'freeze') {
    const bundled = await load()
    const unknown = positionals.filter((v) => !bundled.some((c) => c.version === v))
    if (unknown.length > 0) throw new UsageError(`no contract ${unknown.join(', ')} in the bundle`)
    const { written, report } = await freezeSnapshots(bundled, dir, positionals.length === 0 ? undefined : positionals)
    reportFaults(report, io)
    if (tampered(report)) {
      io.err('nothing frozen: put the released contracts back as they were first')
      return 1
    }
    io.out(written.length === 0 ? 'every contract is already frozen' : `froze ${written.join(', ')}`)
    return 0
  }
  if (command === 'new') {
    if (positionals.length !== 1) throw new UsageError('contracts new takes one version: the new head\'s')
    // The deployment folder is the one whose snapshots these are: <root>/contracts/snapshots.
    const done = await scaffoldHead({ root: resolve(dir, '../..'), contracts: await load(), version: positionals[0] })
    io.out(`head is now ${positionals[0]}; ${done.old} ${done.froze ? 'is frozen' : 'was frozen already'} and stays served`)
    for (const file of done.files) io.out(`  wrote ${file}`)
    io.out('next:')
    done.next.forEach((step, i) => io.out(`  ${i + 1}. ${step}`))
    return 0
  }
  throw new UsageError(`unknown command: contracts ${command ?? ''}`.trim())
}
