import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { scaffoldHead } from '../compatibility/scaffold.js'
import { FORMATS, formatReport, type Format } from '../compatibility/report.js'
import { checkOverrides, SEVERITIES, type Severity, type SeverityOverrides } from '../compatibility/rules.js'
import { checkSnapshots, describe, fails, freezeSnapshots, refreezeSnapshot, RefreezeRefused } from '../compatibility/snapshots.js'
import type { Contract } from '../engine/index.js'
import { loadBundleSource } from './bundle.js'
import { UsageError, type Io } from './io.js'
import { verifyCommand } from './verify.js'

// `evergate contracts ...`: released contracts are frozen, and what each version is served today
// is checked against what its apps were built against.

/** What the contracts commands read of the deployment's bundle. */
export interface ContractSource {
  contracts: readonly Contract[]
  severities?: SeverityOverrides
}

export async function loadContracts (): Promise<ContractSource> {
  const bundle = await loadBundleSource()
  return { contracts: bundle.contracts, severities: bundle.compatibility?.severities }
}

/** The bundle's own snapshots, wherever the command runs from (compiled, this is dist/src/cli/contracts.js). */
const SNAPSHOTS = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../contracts/snapshots' : '../../../contracts/snapshots', import.meta.url))

function oneOf<T extends string> (name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} "${value}" is not one of ${allowed.join(', ')}`)
  return value as T
}

async function check (positionals: string[], values: { format?: string, json?: boolean, 'fail-on'?: string }, dir: string, source: ContractSource, io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError('contracts check takes no version: it checks them all')
  // --json, as every command that prints data takes it, is --format json.
  if (values.json === true && (values.format ?? 'json') !== 'json') throw new UsageError(`--json and --format ${values.format} ask for two formats`)
  const format = oneOf<Format>('format', values.json === true ? 'json' : values.format, FORMATS, 'text')
  const failOn = oneOf<Severity>('fail-on', values['fail-on'], SEVERITIES.slice(0, 2), 'ERR')
  const report = await checkSnapshots(source.contracts, dir, source.severities)
  const failing = fails(report, failOn)
  for (const line of formatReport(report, format, failOn, failing)) io.out(line)
  return failing ? 1 : 0
}

async function freeze (positionals: string[], update: boolean, dir: string, source: ContractSource, io: Io): Promise<number> {
  const unknown = positionals.filter((v) => !source.contracts.some((c) => c.version === v))
  if (unknown.length > 0) throw new UsageError(`no contract ${unknown.join(', ')} in the bundle`)
  if (update) {
    if (positionals.length === 0) throw new UsageError('freeze --update takes the versions whose frozen copy to update')
    for (const version of positionals) {
      try {
        const { recorded } = await refreezeSnapshot(source.contracts, dir, version, source.severities)
        if (recorded.length === 0) io.out(`${version}  unchanged: nothing to record`)
        else for (const f of recorded) io.out(`${version}  recorded ${describe(f)}`)
      } catch (err) {
        if (!(err instanceof RefreezeRefused)) throw err
        io.err(`${err.message}`)
        return 1
      }
    }
    return 0
  }
  const { written, report } = await freezeSnapshots(source.contracts, dir, positionals.length === 0 ? undefined : positionals, source.severities)
  const broken = report.findings.filter((f) => f.severity === 'ERR' && f.rule !== 'contract-not-frozen')
  if (broken.length > 0) {
    for (const f of broken) io.err(`${f.versions.join(', ')}  ${describe(f)}`)
    io.err('nothing frozen: released contracts are broken (evergate contracts check says how); put them back first')
    return 1
  }
  io.out(written.length === 0 ? 'every contract is already frozen' : `froze ${written.join(', ')}`)
  return 0
}

export async function contracts (command: string | undefined, args: string[], io: Io, load: typeof loadContracts): Promise<number> {
  if (command === 'verify') return await verifyCommand(args, io)
  const { values, positionals } = parseArgs({
    args,
    options: { snapshots: { type: 'string' }, format: { type: 'string' }, json: { type: 'boolean' }, 'fail-on': { type: 'string' }, update: { type: 'boolean' } },
    allowPositionals: true,
    strict: true
  })
  const dir = values.snapshots === undefined ? SNAPSHOTS : resolve(values.snapshots)
  if (command === 'check' || command === 'freeze') {
    const source = await load()
    checkOverrides(source.severities ?? {})
    if (command === 'check') return await check(positionals, values, dir, source, io)
    return await freeze(positionals, values.update === true, dir, source, io)
  }
  if (command === 'new') {
    if (positionals.length !== 1) throw new UsageError('contracts new takes one version: the new head\'s')
    // The deployment folder is the one whose snapshots these are: <root>/contracts/snapshots.
    const done = await scaffoldHead({ root: resolve(dir, '../..'), contracts: (await load()).contracts, version: positionals[0] })
    io.out(`head is now ${positionals[0]}; ${done.old} ${done.froze ? 'is frozen' : 'was frozen already'} and stays served`)
    for (const file of done.files) io.out(`  wrote ${file}`)
    io.out('next:')
    done.next.forEach((step, i) => io.out(`  ${i + 1}. ${step}`))
    return 0
  }
  throw new UsageError(`unknown command: contracts ${command ?? ''}`.trim())
}
