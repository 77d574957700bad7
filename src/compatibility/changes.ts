import semver from 'semver'
import { contractSnapshot, type Bundle, type RouteKey } from '../engine/index.js'
import { compareContracts, type Finding, type FrozenContract } from './diff.js'

// What changes for an app that moves from one contract version to another: every route and field
// that differs, and the version changes that did it. The changelog is the same, one version at a
// time. Both come from the contracts and the change files, never written by hand.

export interface ChangeNote {
  /** The version that introduced it. */
  version: string
  /** `versions/2.3.0/paginated-articles.ts`. */
  file: string
  description: string
}

export interface RouteDifference {
  /** The route in the older version (null: new in the newer one). */
  from: RouteKey | null
  /** The route in the newer version (null: gone). */
  to: RouteKey | null
  /** Field by field, by the compatibility rules (ERR: the app's code must change). */
  findings: Finding[]
  /** The changes that touched this route on the way. */
  changes: ChangeNote[]
}

export interface Differences {
  from: string
  to: string
  /** The error shape's findings, and the changes that translate errors. */
  errors: { findings: Finding[], changes: ChangeNote[] }
  routes: RouteDifference[]
}

const contractOf = (bundle: Bundle, version: string) => {
  const contract = bundle.contracts.find((c) => c.version === version)
  if (contract === undefined) throw new RangeError(`no contract version ${version} (known: ${bundle.contracts.map((c) => c.version).join(', ')})`)
  return contractSnapshot(contract) as FrozenContract
}

/** Every difference between two contract versions, `from` older than `to`. */
export function differences (bundle: Bundle, from: string, to: string): Differences {
  const older = contractOf(bundle, from)
  const newer = contractOf(bundle, to)
  if (!semver.lt(from, to)) throw new RangeError(`${from} is not older than ${to}`)
  const steps = bundle.contracts.map((c) => c.version).filter((v) => semver.gt(v, from) && semver.lte(v, to))
  const changesIn = (version: string) => bundle.changes.get(version) ?? []
  const note = (version: string, file: string, description: string): ChangeNote => ({ version, file, description })

  const routes: RouteDifference[] = []
  const reached = new Set<string>()
  for (const key of Object.keys(older.routes) as RouteKey[]) {
    let current: RouteKey | null = key
    const notes: ChangeNote[] = []
    for (const version of steps) {
      for (const { change, file } of changesIn(version)) {
        const rc = change.routes.find((r) => r.from === current)
        if (rc === undefined) continue
        notes.push(note(version, file, change.description))
        current = rc.to
      }
      if (current === null) break
    }
    if (current !== null) reached.add(current)
    const findings = current === null
      ? []
      : compareContracts({ ...older, error: {}, routes: { [key]: older.routes[key] } }, { ...newer, error: {}, routes: { [key]: newer.routes[current] } })
    if (current === key && findings.length === 0 && notes.length === 0) continue
    routes.push({ from: key, to: current, findings, changes: notes })
  }
  for (const key of Object.keys(newer.routes) as RouteKey[]) {
    if (reached.has(key)) continue
    const notes = steps.flatMap((version) => changesIn(version)
      .filter(({ change }) => change.routes.some((r) => r.kind === 'add' && r.to === key))
      .map(({ change, file }) => note(version, file, change.description)))
    routes.push({ from: null, to: key, findings: [], changes: notes })
  }
  const errorChanges = steps.flatMap((version) => changesIn(version)
    .filter(({ change }) => change.errors !== null || change.errorStatuses.size > 0)
    .map(({ change, file }) => note(version, file, change.description)))
  const errorFindings = compareContracts({ ...older, routes: {} }, { ...newer, routes: {} })
  return { from, to, errors: { findings: errorFindings, changes: errorChanges }, routes }
}

export interface ChangelogEntry {
  version: string
  /** YYYY-MM-DD, from the frozen copy; null when not released or not recorded. */
  released: string | null
  changes: Array<ChangeNote & { routes: RouteKey[] }>
  /** What differs from the version before, route by route (none for the first). */
  differences: Differences | null
}

/** The changelog, newest first: per version, its changes, the routes they touch, and the fields. */
export function changelog (bundle: Bundle, released: ReadonlyMap<string, string>): ChangelogEntry[] {
  const versions = bundle.contracts.map((c) => c.version)
  return versions.map((version, i) => ({
    version,
    released: released.get(version) ?? null,
    changes: (bundle.changes.get(version) ?? []).map(({ change, file }) => ({
      version,
      file,
      description: change.description,
      routes: [...new Set(change.routes.map((r) => (r.from ?? r.to) as RouteKey))]
    })),
    differences: i === 0 ? null : differences(bundle, versions[i - 1], version)
  })).reverse()
}

const field = (f: Finding) => [f.location, f.path].filter((p) => p !== '').join(' ')

/** One finding as a changelog line an app developer reads. */
export function findingText (f: Finding): string {
  return `\`${field(f) || f.route}\`: ${f.before} → ${f.after} (${f.rule}${f.severity === 'ERR' ? ', your app must change' : ''})`
}

/** The changelog as Markdown. */
export function changelogMarkdown (entries: readonly ChangelogEntry[], head: string): string {
  const lines = ['# Changelog', '', `Newest first. Head, the contract the core services implement, is ${head}.`]
  for (const entry of entries) {
    lines.push('', `## ${entry.version}${entry.released === null ? ' (not released yet)' : ` (${entry.released})`}`, '')
    if (entry.differences === null) {
      lines.push('The first release.')
      continue
    }
    for (const change of entry.changes) lines.push(`- ${change.description} (\`${change.file}\`)`)
    if (entry.changes.length === 0) lines.push('- No breaking change: additions only.')
    lines.push(...differencesMarkdown(entry.differences))
  }
  return `${lines.join('\n')}\n`
}

export function differencesMarkdown (d: Differences): string[] {
  const lines: string[] = []
  for (const route of d.routes) {
    const title = route.from === null ? `\`${route.to}\` is new` : route.to === null ? `\`${route.from}\` is gone` : route.from === route.to ? `\`${route.from}\`` : `\`${route.from}\` is now \`${route.to}\``
    lines.push('', `### ${title}`)
    if (route.changes.length > 0) lines.push(`Changed by ${route.changes.map((c) => `${c.version} (\`${c.file}\`)`).join(', ')}.`, '')
    for (const f of route.findings) lines.push(`- ${findingText(f)}`)
  }
  if (d.errors.findings.length > 0) {
    lines.push('', '### Errors', `Changed by ${d.errors.changes.map((c) => `${c.version} (\`${c.file}\`)`).join(', ')}.`, '')
    for (const f of d.errors.findings) lines.push(`- ${findingText(f)}`)
  }
  return lines
}
