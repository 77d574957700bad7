#!/usr/bin/env node
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BundleSource } from './engine/index.js'
import { checkSnapshots, freezeSnapshots } from './contract-snapshots.js'

const USAGE = `usage: evergate <command>

  contracts check    compare every contract with its frozen snapshot (exit 1 on drift)
  contracts freeze   write a snapshot for every contract that has none (a new release)

options: --snapshots DIR (default contracts/snapshots)`

interface Io { out (line: string): void, err (line: string): void }

async function loadContracts (): Promise<BundleSource['contracts']> {
  const { default: bundle } = await import('../versions/index.js') as { default: BundleSource }
  return bundle.contracts
}

/** Runs one CLI command; returns the exit code. */
export async function run (argv: string[], io: Io, contracts = loadContracts): Promise<number> {
  const at = argv.indexOf('--snapshots')
  const dir = resolve(at === -1 ? 'contracts/snapshots' : argv.splice(at, 2)[1] ?? '')
  const [group, command] = argv
  if (group === 'contracts' && command === 'check') {
    const report = await checkSnapshots(await contracts(), dir)
    for (const v of report.frozen) io.out(`${v}  frozen, unchanged`)
    for (const v of report.missing) io.out(`${v}  not frozen yet (run: evergate contracts freeze)`)
    for (const v of report.drifted) io.err(`${v}  CHANGED since it was frozen: released apps rely on it; add a new version instead`)
    return report.drifted.length > 0 ? 1 : 0
  }
  if (group === 'contracts' && command === 'freeze') {
    const written = await freezeSnapshots(await contracts(), dir)
    io.out(written.length === 0 ? 'every contract is already frozen' : `froze ${written.join(', ')}`)
    return 0
  }
  io.err(USAGE)
  return 2
}

/* c8 ignore next 4 -- the process entry; `run` is what the tests drive */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const io: Io = { out: (l) => console.log(l), err: (l) => console.error(l) }
  process.exitCode = await run(process.argv.slice(2), io)
}
