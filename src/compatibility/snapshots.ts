import { isDeepStrictEqual } from 'node:util'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import semver from 'semver'
import { contractSnapshot, type Contract } from '../engine/index.js'
import type { FrozenContract } from './chain-properties.js'

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

/** The frozen contracts in `dir` of these versions, by version; a version not frozen is left out. */
export async function readFrozen (dir: string, versions: readonly string[]): Promise<Map<string, FrozenContract>> {
  const frozen = new Map<string, FrozenContract>()
  for (const version of versions) {
    const snapshot = await readSnapshot(dir, version)
    if (snapshot !== undefined) frozen.set(version, snapshot as FrozenContract)
  }
  return frozen
}

export interface SnapshotReport {
  /** Versions whose frozen copy matches. */
  frozen: string[]
  /** Head with no frozen copy yet: not released. */
  unreleased: string[]
  /** Older versions with no frozen copy: a newer one exists, so they shipped and must be frozen. */
  unfrozen: string[]
  /** Versions whose contract module no longer matches its frozen copy. */
  drifted: string[]
  /** Frozen versions the bundle no longer has: released apps still call them. */
  dropped: string[]
}

/** Whether a released contract was changed or dropped: nothing may be frozen then. */
export const tampered = (report: SnapshotReport) => report.drifted.length + report.dropped.length > 0

/** Whether the report holds anything that breaks released apps, or would let it go unnoticed. */
export const faulty = (report: SnapshotReport) => tampered(report) || report.unfrozen.length > 0

async function frozenVersions (dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter((v) => semver.valid(v) !== null)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

export async function checkSnapshots (contracts: readonly Contract[], dir: string): Promise<SnapshotReport> {
  const report: SnapshotReport = { frozen: [], unreleased: [], unfrozen: [], drifted: [], dropped: [] }
  const head = contracts.map((c) => c.version).sort(semver.compare).at(-1)
  for (const contract of contracts) {
    const frozen = await readSnapshot(dir, contract.version)
    if (frozen === undefined) (contract.version === head ? report.unreleased : report.unfrozen).push(contract.version)
    else if (isDeepStrictEqual(frozen, contractSnapshot(contract))) report.frozen.push(contract.version)
    else report.drifted.push(contract.version)
  }
  const known = new Set(contracts.map((c) => c.version))
  report.dropped = (await frozenVersions(dir)).filter((v) => !known.has(v)).sort(semver.compare)
  return report
}

/**
 * Freezes the contracts of `only` (all, by default: a release) that have no snapshot yet; never
 * rewrites a frozen one, and freezes nothing while a frozen one has drifted or was dropped (the
 * report says so).
 */
export async function freezeSnapshots (contracts: readonly Contract[], dir: string, only?: readonly string[]): Promise<{ written: string[], report: SnapshotReport }> {
  const report = await checkSnapshots(contracts, dir)
  if (tampered(report)) return { written: [], report }
  const missing = [...report.unfrozen, ...report.unreleased].filter((v) => only === undefined || only.includes(v))
  await mkdir(dir, { recursive: true })
  for (const contract of contracts.filter((c) => missing.includes(c.version))) {
    // 'wx': a snapshot that appeared meanwhile is never overwritten.
    await writeFile(fileOf(dir, contract.version), `${JSON.stringify(contractSnapshot(contract), null, 2)}\n`, { flag: 'wx' })
  }
  return { written: missing.sort(semver.compare), report }
}
