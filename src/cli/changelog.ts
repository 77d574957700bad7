import { parseArgs } from 'node:util'
import { changelog as buildChangelog, changelogMarkdown, differences, differencesMarkdown } from '../compatibility/changes.js'
import { releaseDates } from '../compatibility/snapshots.js'
import { loadBundle, type BundleSource } from '../engine/index.js'
import { loadBundleSource } from './bundle.js'
import { UsageError, type Io } from './io.js'

// `evergate changelog`: the changelog as Markdown, from the contracts and the change files; with
// --from (and --to), what changes for an app moving between two versions.

export async function changelog (args: string[], io: Io, load: () => Promise<BundleSource> = loadBundleSource): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true })
  if (positionals.length > 0) throw new UsageError(`changelog takes no argument (got ${positionals.join(' ')})`)
  const source = await load()
  const bundle = await loadBundle(source)
  const versions = bundle.contracts.map((c) => c.version)
  const head = versions[versions.length - 1]
  if (values.from !== undefined || values.to !== undefined) {
    const from = values.from ?? versions[0]
    const to = values.to ?? head
    for (const v of [from, to]) if (!versions.includes(v)) throw new UsageError(`no contract version ${v} (known: ${versions.join(', ')})`)
    if (versions.indexOf(from) >= versions.indexOf(to)) throw new UsageError(`--from ${from} must be older than --to ${to}`)
    const found = differences(bundle, from, to)
    if (values.json === true) io.out(JSON.stringify(found, null, 2))
    else io.out([`# From ${from} to ${to}`, ...differencesMarkdown(found)].join('\n'))
    return 0
  }
  const entries = buildChangelog(bundle, source.snapshotsDir === undefined ? new Map() : await releaseDates(source.snapshotsDir))
  io.out(values.json === true ? JSON.stringify(entries, null, 2) : changelogMarkdown(entries, head).trimEnd())
  return 0
}
