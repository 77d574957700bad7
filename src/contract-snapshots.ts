import { isDeepStrictEqual } from 'node:util'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { contractSnapshot, type Contract } from './engine/index.js'

// A released contract is frozen as JSON. The frozen copy is what old builds were written
// against: a contract module that drifts from it breaks them, so the drift is an error.

const fileOf = (dir: string, version: string) => join(dir, `${version}.json`)

async function readSnapshot (dir: string, version: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(fileOf(dir, version), 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export interface SnapshotReport {
  /** Versions whose frozen copy matches. */
  frozen: string[]
  /** Versions with no frozen copy yet (not released). */
  missing: string[]
  /** Versions whose contract module no longer matches its frozen copy. */
  drifted: string[]
}

export async function checkSnapshots (contracts: readonly Contract[], dir: string): Promise<SnapshotReport> {
  const report: SnapshotReport = { frozen: [], missing: [], drifted: [] }
  for (const contract of contracts) {
    const frozen = await readSnapshot(dir, contract.version)
    if (frozen === undefined) report.missing.push(contract.version)
    else if (isDeepStrictEqual(frozen, contractSnapshot(contract))) report.frozen.push(contract.version)
    else report.drifted.push(contract.version)
  }
  return report
}

/** Freezes every contract that has no snapshot yet; never rewrites a frozen one. */
export async function freezeSnapshots (contracts: readonly Contract[], dir: string): Promise<string[]> {
  const { missing } = await checkSnapshots(contracts, dir)
  await mkdir(dir, { recursive: true })
  for (const contract of contracts.filter((c) => missing.includes(c.version))) {
    await writeFile(fileOf(dir, contract.version), `${JSON.stringify(contractSnapshot(contract), null, 2)}\n`)
  }
  return missing
}
