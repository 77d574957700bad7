import { readdir, readFile } from 'node:fs/promises'
import { basename, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import semver from 'semver'
import { isVersionChange, type RouteChange, type VersionChange } from './change.js'
import { schemaShape, type Contract, type HeadContract, type RouteContract, type RouteKey } from './contract.js'
import type { ExampleSet } from './examples.js'
import { BundleChangeError, BundleContractError } from '../errors.js'

/** What a deployment hands the gateway: its contracts and the folder of its version changes. */
export interface BundleSource {
  contracts: readonly Contract[]
  /** `versions/`: one folder per contract version, one module per change. */
  changesDir: string
  /** `contracts/snapshots/`: the frozen copies, whose metadata dates each release (the changelog's). */
  snapshotsDir?: string
  /** Head's typed examples (`defineExamples`): the docs show them, pushed down to each version. */
  examples?: ExampleSet
  /** How `evergate contracts check` judges this deployment's changes (docs/compatibility-rules.md). */
  compatibility?: {
    /**
     * Severities by rule id, over the catalogue's: `{ 'response-property-added': 'ERR' }` where
     * old apps decode strictly (kotlinx.serialization's default) and refuse fields they do not know.
     */
    severities?: Readonly<Record<string, 'ERR' | 'WARN' | 'INFO'>>
  }
}

export interface LoadedChange {
  readonly change: VersionChange
  /** The contract version that introduced it (its folder). */
  readonly version: string
  /** Path relative to the changes folder's parent, for messages: `versions/2.0.0/x.ts`. */
  readonly file: string
}

export interface Bundle {
  /** Ascending by semver; the last one is head. */
  readonly contracts: readonly Contract[]
  readonly head: HeadContract
  /** By the version that introduced them, ascending; within a version, by file name. */
  readonly changes: ReadonlyMap<string, readonly LoadedChange[]>
}

export function defineBundle (source: BundleSource): BundleSource {
  return source
}

const CHANGE_FILE = /^(?!index\.)(?!.*\.d\.[cm]?ts$).*\.(?:[cm]?js|[cm]?ts)$/

export async function loadBundle (source: BundleSource): Promise<Bundle> {
  const contracts = sortContracts(source.contracts)
  const head = contracts[contracts.length - 1] as HeadContract
  if (typeof head.formatError !== 'function') {
    throw new BundleContractError(`head contract ${head.version} has no formatError (define it with defineContract)`)
  }
  const changes = await importChanges(source.changesDir, contracts)
  for (let i = 1; i < contracts.length; i++) {
    validateStep(contracts[i - 1], contracts[i], changes.get(contracts[i].version) ?? [])
  }
  return { contracts, head, changes }
}

function sortContracts (list: readonly Contract[]): Contract[] {
  if (list.length === 0) throw new BundleContractError('no contracts')
  const seen = new Set<string>()
  for (const contract of list) {
    if (semver.valid(contract.version) === null) {
      throw new BundleContractError(`contract version "${contract.version}" is not semver`)
    }
    if (seen.has(contract.version)) {
      throw new BundleContractError(`contract version ${contract.version} is defined twice`)
    }
    seen.add(contract.version)
  }
  return [...list].sort((a, b) => semver.compare(a.version, b.version))
}

/**
 * The name a change file goes by in messages and the changelog: compiled (`x.js`, its source map
 * beside it), its source's (`x.ts`), the file its author edits.
 */
async function sourceName (path: string, name: string): Promise<string> {
  if (!name.endsWith('.js')) return name
  try {
    const { sources } = JSON.parse(await readFile(`${path}.map`, 'utf8')) as { sources?: unknown }
    return Array.isArray(sources) && sources.length === 1 && typeof sources[0] === 'string' ? basename(sources[0]) : name
  } catch {
    // No map (a bundle written in JavaScript), or one that cannot be read: the file's own name.
    return name
  }
}

async function importChanges (dir: string, contracts: Contract[]): Promise<Map<string, LoadedChange[]>> {
  const label = (path: string) => relative(join(dir, '..'), path)
  const known = new Map(contracts.map((c, i) => [c.version, i]))
  const byVersion = new Map<string, LoadedChange[]>()
  const folders = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())
  for (const folder of folders) {
    const folderPath = join(dir, folder.name)
    const index = known.get(folder.name)
    if (index === undefined) {
      throw new BundleChangeError(label(folderPath), `no contract has version ${folder.name} (known: ${[...known.keys()].join(', ')})`)
    }
    const files = (await readdir(folderPath)).filter((name) => CHANGE_FILE.test(name)).sort()
    const loaded: LoadedChange[] = []
    for (const name of files) {
      const path = join(folderPath, name)
      const file = label(join(folderPath, await sourceName(path, name)))
      const mod = await import(pathToFileURL(path).href) as { default?: unknown }
      if (!isVersionChange(mod.default)) {
        throw new BundleChangeError(file, 'the default export is not a change made with defineChange()')
      }
      const change = mod.default
      if (index === 0) {
        throw new BundleChangeError(file, `${folder.name} is the oldest contract: there is nothing older to change from`)
      }
      const previous = contracts[index - 1].version
      if (change.to.version !== folder.name || change.from.version !== previous) {
        throw new BundleChangeError(file,
          `the change goes from ${change.from.version} to ${change.to.version}, but a change in ${folder.name}/ must go from ${previous} to ${folder.name}`)
      }
      loaded.push({ change, version: folder.name, file })
    }
    if (loaded.length > 0) byVersion.set(folder.name, loaded)
  }
  return byVersion
}

// Words about a schema, not its shape: a description reworded is not a new error shape.
const ANNOTATIONS = new Set(['title', 'description', 'examples', 'default', '$comment', '$id'])
const shapeOf = (schema: unknown): unknown => schemaShape(schema, ANNOTATIONS)

const AsyncFunction = Object.getPrototypeOf(async () => {}) as object

/** A step runs between the core's answer and the client's: it cannot wait for anything. */
function synchronous (file: string, what: string, step: unknown): void {
  if (typeof step === 'function' && Object.getPrototypeOf(step) === AsyncFunction) {
    throw new BundleChangeError(file, `${what} is an async function: steps must be synchronous`)
  }
}

function isErrorStatus (status: unknown): boolean {
  return Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599
}

/**
 * Every success status the newer contract answers on a route reaches the older contract's apps as
 * one they know: the same, or the one a change renumbers it to. Otherwise old builds would meet a
 * status they were never written for.
 */
function answersAsDeclared (key: RouteKey, older: Contract, newerRoute: RouteContract, newerVersion: string,
  rc: RouteChange | undefined, where: string): void {
  const declared = older.routes[key].responses
  for (const status of Object.keys(newerRoute.responses).map(Number)) {
    const answered = rc?.statuses.get(status)
    if (answered === undefined && declared[status] === undefined) {
      throw new BundleChangeError(where, `route ${key} answers ${status} in ${newerVersion}, which ${older.version} does not declare: give its apps the status they know with response: { ${status}: { status, body } }`)
    }
    if (answered !== undefined && declared[answered] === undefined) {
      throw new BundleChangeError(where, `route ${key} gets ${status} as ${answered}, which contract ${older.version} does not declare`)
    }
  }
}

/** Checks that the changes of one version account for every difference between two contracts. */
function validateStep (older: Contract, newer: Contract, changes: readonly LoadedChange[]): void {
  const where = `versions/${newer.version}`
  /** The change of each older route a change names, and its file. */
  const claimedFrom = new Map<RouteKey, { rc: RouteChange, file: string }>()
  const claimedTo = new Set<RouteKey>()
  let errorsIn: string | null = null
  const errorStatusIn = new Map<number, string>()
  for (const { change, file } of changes) {
    if (change.errors !== null) {
      if (errorsIn !== null) throw new BundleChangeError(file, `${errorsIn} already translates the error shape for ${newer.version}; one change per version may`)
      errorsIn = file
      synchronous(file, 'errors', change.errors)
    }
    for (const [status, answered] of change.errorStatuses) {
      if (!isErrorStatus(status) || !isErrorStatus(answered)) {
        throw new BundleChangeError(file, `errorStatuses gives one error status (400 to 599) another: ${status} -> ${String(answered)} is not that`)
      }
      const other = errorStatusIn.get(status)
      if (other !== undefined) throw new BundleChangeError(file, `${other} already gives ${status} another status for ${older.version}`)
      errorStatusIn.set(status, file)
    }
    for (const rc of change.routes) {
      const key = rc.from ?? rc.to
      for (const [part, step] of Object.entries(rc.request)) synchronous(file, `${key} request.${part}`, step)
      for (const [status, step] of rc.response) synchronous(file, `${key} response ${status}`, step)
      synchronous(file, `${key} response.headers`, rc.responseHeaders)
      if (rc.from !== null) {
        if (older.routes[rc.from] === undefined) throw new BundleChangeError(file, `route ${rc.from} is not in contract ${older.version}`)
        if (rc.kind === 'remove' && newer.routes[rc.from] !== undefined) {
          throw new BundleChangeError(file, `route ${rc.from} is removed, but contract ${newer.version} still serves it`)
        }
        const other = claimedFrom.get(rc.from)
        if (other !== undefined) throw new BundleChangeError(file, `route ${rc.from} is already changed by ${other.file} in the same version; put both steps in one change`)
        claimedFrom.set(rc.from, { rc, file })
      }
      if (rc.to !== null) {
        const target = newer.routes[rc.to]
        if (target === undefined) throw new BundleChangeError(file, `route ${rc.to} is not in contract ${newer.version}`)
        if (rc.kind === 'add' && older.routes[rc.to] !== undefined) {
          throw new BundleChangeError(file, `route ${rc.to} is added, but contract ${older.version} already has it`)
        }
        for (const status of [...rc.response.keys(), ...rc.statuses.keys()]) {
          if (target.responses[status] === undefined) {
            throw new BundleChangeError(file, `route ${rc.to} has a response step for ${status}, which contract ${newer.version} does not declare`)
          }
        }
        claimedTo.add(rc.to)
      }
    }
  }
  for (const key of Object.keys(older.routes) as RouteKey[]) {
    const claim = claimedFrom.get(key)
    const rc = claim?.rc
    if (rc === undefined && newer.routes[key] === undefined) {
      throw new BundleChangeError(where, `route ${key} of ${older.version} is missing from ${newer.version}: declare it with move() or remove() in a change`)
    }
    const to = rc === undefined ? key : rc.to
    if (to !== null) answersAsDeclared(key, older, newer.routes[to], newer.version, rc, claim?.file ?? where)
  }
  for (const key of Object.keys(newer.routes) as RouteKey[]) {
    if (!claimedTo.has(key) && older.routes[key] === undefined) {
      throw new BundleChangeError(where, `route ${key} is new in ${newer.version}: declare it with add() or move() in a change`)
    }
  }
  if (errorsIn === null && !isDeepStrictEqual(shapeOf(older.error), shapeOf(newer.error))) {
    throw new BundleChangeError(where, `the error shape of ${older.version} is not ${newer.version}'s: translate it with errors in a change of ${newer.version}`)
  }
}
