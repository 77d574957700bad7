import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import semver from 'semver'
import { contractSnapshot, type Contract } from '../engine/index.js'
import { compareContracts, type Finding, type FrozenContract } from './diff.js'
import type { Severity, SeverityOverrides } from './rules.js'

// A released contract is frozen as JSON when it ships: what its apps were built against. What the
// gateway serves that version today is compared with it by the rules of the catalogue, so an
// addition reads as one and a break as a break.

const fileOf = (dir: string, version: string) => join(dir, `${version}.json`)

/** A frozen copy: the contract, when it shipped, and every reviewed update of it since. */
export interface Snapshot extends FrozenContract {
  /** The day it was frozen (YYYY-MM-DD, UTC); copies frozen before this was recorded have none. */
  released?: string
  /** Deliberate updates after compatible (INFO-only) changes: when, and what they recorded. */
  updates?: Array<{ date: string, findings: string[] }>
}

async function readSnapshot (dir: string, version: string): Promise<Snapshot | undefined> {
  try {
    return JSON.parse(await readFile(fileOf(dir, version), 'utf8')) as Snapshot
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function writeSnapshot (dir: string, snapshot: Snapshot, flag: 'wx' | 'w'): Promise<void> {
  await mkdir(dir, { recursive: true })
  await writeFile(fileOf(dir, snapshot.version), `${JSON.stringify(snapshot, null, 2)}\n`, { flag })
}

/** The frozen contracts in `dir` of these versions, by version; a version not frozen is left out. */
export async function readFrozen (dir: string, versions: readonly string[]): Promise<Map<string, FrozenContract>> {
  const frozen = new Map<string, FrozenContract>()
  for (const version of versions) {
    const snapshot = await readSnapshot(dir, version)
    if (snapshot !== undefined) frozen.set(version, snapshot)
  }
  return frozen
}

async function frozenVersions (dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter((v) => semver.valid(v) !== null)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
}

/** The day each frozen version shipped, as its frozen copy records it. */
export async function releaseDates (dir: string): Promise<Map<string, string>> {
  const dates = new Map<string, string>()
  for (const version of await frozenVersions(dir)) {
    const released = (await readSnapshot(dir, version))?.released
    if (typeof released === 'string') dates.set(version, released)
  }
  return dates
}

export type VersionStatus =
  /** Frozen: compared, its findings say how it moved. */
  | 'frozen'
  /** Head, not frozen yet: not released. */
  | 'unreleased'
  /** Older than head and not frozen: it shipped, so it must be. */
  | 'unfrozen'
  /** Frozen, but gone from the bundle: its apps still call it. */
  | 'dropped'

export interface VersionReport {
  readonly version: string
  readonly status: VersionStatus
  /** The routes its apps were built against (frozen) or are served (not frozen yet). */
  readonly routes: readonly string[]
  readonly findings: readonly Finding[]
}

/** One finding with every version it holds for. */
export interface GroupedFinding extends Finding {
  readonly versions: readonly string[]
}

export interface CheckReport {
  /** Ascending by version. */
  readonly versions: readonly VersionReport[]
  /** The findings of every version, one per difference, with the versions it touches. */
  readonly findings: readonly GroupedFinding[]
}

const today = () => new Date().toISOString().slice(0, 10)
const ORDER: Record<Severity, number> = { ERR: 0, WARN: 1, INFO: 2 }

export async function checkSnapshots (contracts: readonly Contract[], dir: string, severities: SeverityOverrides = {}): Promise<CheckReport> {
  const head = contracts.map((c) => c.version).sort(semver.compare).at(-1)
  const versions: VersionReport[] = []
  for (const contract of contracts) {
    const current = contractSnapshot(contract) as FrozenContract
    const frozen = await readSnapshot(dir, contract.version)
    if (frozen === undefined) {
      const status = contract.version === head ? 'unreleased' : 'unfrozen'
      const findings: Finding[] = status === 'unfrozen'
        ? [{ rule: 'contract-not-frozen', severity: severities['contract-not-frozen'] ?? 'ERR', route: '*', location: '', path: '', before: 'released', after: 'not frozen' }]
        : []
      versions.push({ version: contract.version, status, routes: Object.keys(current.routes), findings })
    } else {
      versions.push({ version: contract.version, status: 'frozen', routes: Object.keys(frozen.routes), findings: compareContracts(frozen, current, severities) })
    }
  }
  const known = new Set(contracts.map((c) => c.version))
  for (const version of await frozenVersions(dir)) {
    if (known.has(version)) continue
    const frozen = await readSnapshot(dir, version) as Snapshot
    const finding: Finding = { rule: 'contract-dropped', severity: severities['contract-dropped'] ?? 'ERR', route: '*', location: '', path: '', before: 'frozen', after: 'not in the bundle' }
    versions.push({ version, status: 'dropped', routes: Object.keys(frozen.routes), findings: [finding] })
  }
  versions.sort((a, b) => semver.compare(a.version, b.version))
  return { versions, findings: group(versions) }
}

const keyOf = (f: Finding) => JSON.stringify([f.rule, f.route, f.location, f.path, f.before, f.after])

function group (versions: readonly VersionReport[]): GroupedFinding[] {
  const byKey = new Map<string, GroupedFinding & { versions: string[] }>()
  for (const { version, findings } of versions) {
    for (const finding of findings) {
      const key = keyOf(finding)
      const known = byKey.get(key)
      if (known === undefined) byKey.set(key, { ...finding, versions: [version] })
      else known.versions.push(version)
    }
  }
  return [...byKey.values()].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.route.localeCompare(b.route) || a.location.localeCompare(b.location) || a.path.localeCompare(b.path))
}

/** Whether the report holds a finding at `failOn` or worse: the gate fails. */
export function fails (report: CheckReport, failOn: Severity = 'ERR'): boolean {
  return report.findings.some((f) => ORDER[f.severity] <= ORDER[failOn])
}

/**
 * Freezes the contracts of `only` (all, by default: a release) that have no frozen copy yet, and
 * records the day. Never rewrites a frozen one, and freezes nothing while a released contract is
 * broken (an ERR finding), so that a break is never frozen in with a release.
 */
export async function freezeSnapshots (contracts: readonly Contract[], dir: string, only?: readonly string[], severities: SeverityOverrides = {}): Promise<{ written: string[], report: CheckReport }> {
  const report = await checkSnapshots(contracts, dir, severities)
  if (report.findings.some((f) => f.severity === 'ERR' && f.rule !== 'contract-not-frozen')) return { written: [], report }
  const missing = report.versions.filter((v) => (v.status === 'unfrozen' || v.status === 'unreleased') && (only === undefined || only.includes(v.version))).map((v) => v.version)
  for (const contract of contracts.filter((c) => missing.includes(c.version))) {
    // 'wx': a snapshot that appeared meanwhile is never overwritten.
    await writeSnapshot(dir, { ...(contractSnapshot(contract) as FrozenContract), released: today() }, 'wx')
  }
  return { written: missing.sort(semver.compare), report }
}

export class RefreezeRefused extends Error {}

/**
 * The one way a frozen copy is rewritten: a reviewed update of a version whose contract changed
 * compatibly (INFO findings only), so the copy says what its apps are served now. The copy keeps
 * the day it shipped and gains an entry of what this update recorded.
 */
export async function refreezeSnapshot (contracts: readonly Contract[], dir: string, version: string, severities: SeverityOverrides = {}): Promise<{ recorded: Finding[] }> {
  const contract = contracts.find((c) => c.version === version)
  const frozen = await readSnapshot(dir, version)
  if (contract === undefined || frozen === undefined) throw new RefreezeRefused(`${version} is not a frozen contract of the bundle: freeze it first`)
  const current = contractSnapshot(contract) as FrozenContract
  const findings = compareContracts(frozen, current, severities)
  const unsafe = findings.filter((f) => f.severity !== 'INFO')
  if (unsafe.length > 0) {
    throw new RefreezeRefused(`${version} has ${unsafe.length} finding(s) that are not INFO (first: ${unsafe[0].rule} at ${unsafe[0].route}): only compatible changes may be recorded; a break needs a new version`)
  }
  if (findings.length === 0) return { recorded: [] }
  const updates = [...(frozen.updates ?? []), { date: today(), findings: findings.map(describe) }]
  await writeSnapshot(dir, { version, ...(frozen.released === undefined ? {} : { released: frozen.released }), error: current.error, routes: current.routes, updates }, 'w')
  return { recorded: findings }
}

/** A finding in one line, with no version: `response-property-added GET /articles response 200 items[].author: (none) → optional string`. */
export function describe (f: Finding): string {
  const field = [f.location, f.path].filter((part) => part !== '').join(' ')
  return `${f.rule} ${f.route}${field === '' ? '' : ` ${field}`}: ${f.before} → ${f.after}`
}
