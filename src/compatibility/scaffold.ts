import { access, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import semver from 'semver'
import type { Contract } from '../engine/index.js'
import { checkSnapshots, fails, freezeSnapshots } from './snapshots.js'

// `evergate contracts new <version>`: the chores of a new head, done by the book, so that a team
// only writes what is new. Head moves on; the contract it was stays served and frozen, as a delta
// of the new head that is empty until a change of the new head breaks something.
//
// The deployment's files are edited as text. Each edit expects the form the project's own files
// have; anything else is refused before a single file is written, saying what was expected.

/** A deployment that is not in the form the scaffold edits: nothing has been written. */
export class ScaffoldRefused extends Error {}

export interface ScaffoldOptions {
  /** The deployment folder: the one holding contracts/, versions/ and test/contracts/. */
  root: string
  /** Its contracts as they are now; the newest is head. */
  contracts: readonly Contract[]
  /** The new head's version. */
  version: string
}

export interface Scaffolded {
  /** The old head, now an older contract. */
  old: string
  /** Whether this run froze the old head (it may have been frozen already). */
  froze: boolean
  /** Files written or changed, relative to the root. */
  files: string[]
  /** What the team writes next, in order. */
  next: string[]
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const identifierOf = (version: string) => `v${version.replace(/\./g, '_')}`
const isComment = (line: string) => /^\s*(\/\/|\/?\*)/.test(line)

async function exists (path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

/** Replaces the one match of `pattern` in a file's text; refuses when there is none or more than one. */
function replaceOnce (text: string, file: string, pattern: RegExp, replacement: string, expected: string): string {
  const count = text.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length ?? 0
  if (count !== 1) throw new ScaffoldRefused(`${file}: expected exactly one ${expected}, found ${count}; make the change by hand`)
  return text.replace(pattern, replacement)
}

/**
 * Points a module that builds on head (`deriveContract(head, ...)`, `defineChange(older, head, ...)`)
 * at the old head's contract instead: once head moves on, what it described is the old head.
 */
function pointAtOldHead (text: string, file: string, call: RegExp, expected: string, alias: string, old: string): string {
  const headImport = /^import \{([^}]*)\} from '((?:\.{1,2}\/)+(?:contracts\/)?)head\.js'\n/m
  const found = headImport.exec(text)
  const names = found?.[1].split(',').map((n) => n.trim()).filter((n) => n !== '') ?? []
  if (found === null || !names.includes('head')) throw new ScaffoldRefused(`${file}: expected head imported as \`import { head } from '.../head.js'\`; make the change by hand`)
  if (new RegExp(`\\b${alias}\\b`).test(text)) throw new ScaffoldRefused(`${file}: already names ${alias}; make the change by hand`)
  const out = replaceOnce(text, file, call, `$1${alias}$2`, expected)
  // head stays imported only while the module still uses it for something else.
  const stillUsed = out.split('\n').some((line) => !isComment(line) && !line.startsWith('import ') && /(?<![.'"\w])head\b/.test(line))
  const kept = stillUsed ? names : names.filter((n) => n !== 'head')
  const own = `import { contract as ${alias} } from '${found[2]}${old}.js'\n`
  const typesOnly = kept.every((n) => n.startsWith('type '))
  const clause = typesOnly ? `type { ${kept.map((n) => n.slice(5)).join(', ')} }` : `{ ${kept.join(', ')} }`
  const imports = kept.length === 0 ? own : `import ${clause} from '${found[2]}head.js'\n${own}`
  return out.replace(headImport, imports)
}

const contractModule = (old: string, version: string) => `import { deriveContract } from '../src/engine/index.js'
import { head } from './head.js'

// ${old}, as it differs from head (${version}). Nothing yet: head was ${old} until ${version}.
// When a change of ${version} breaks ${old}'s apps, put here what ${old} had instead (the routes it
// overrides, adds or lacks, its error shape), as the other deltas do. Keep it equal to
// contracts/snapshots/${old}.json: \`evergate contracts check\` says when it is not.
export const contract = deriveContract(head, { version: '${old}' })
`

const changesReadme = (old: string, version: string) => `Changes that ${version} made, one file per backward-incompatible change, named for what changed.
The boot loads every \`.ts\` file here: each must default-export a \`defineChange\`, from ${old} to ${version}.

\`\`\`ts
// versions/${version}/bookmark-notes-required.ts
import { defineChange } from '../../src/engine/index.js'
import { contract as ${identifierOf(old)} } from '../../contracts/${old}.js'
import { head } from '../../contracts/head.js'

export default defineChange(${identifierOf(old)}, head, {
  // One line for the changelog, written for the app developers who read it.
  description: 'Bookmarks need a note (older apps send none: they get "").',
  routes: ({ route }) => [
    route('POST /bookmarks', {
      // A ${old} request, up to ${version}.
      request: { body: (body) => ({ ...body, note: '' }) },
      // A ${version} response, down to ${old} (by status; errors are translated too).
      response: { 201: ({ note, ...bookmark }) => bookmark }
    })
  ]
})
\`\`\`

A change may also move a route (\`move\`), add one older apps lack (\`add\`) or remove one head dropped
(\`remove\`); the compiler checks each step against the two contracts on either side.
`

/** A first, passing suite for the old head: its apps are served it, in its shape; the rest is to write. */
function suiteModule (old: string, version: string, contract: Contract): string {
  const probe = Object.keys(contract.routes).find((key) => key.startsWith('GET ') && !key.includes(':'))
  const served = probe === undefined
    ? ''
    : `
  t.test('its apps are served ${old}', async (t) => {
    const res = await as('${probe.slice(4)}')
    t.equal(res.status, 200)
    t.equal(res.headers['x-contract-version'], VERSION)
    t.same(conforms(routes['${probe}'].responses[200], res.json), [])
  })
`
  return `import t from 'tap'
import { contract } from '../../contracts/${old}.js'
import { call, startDemo } from '../helpers/gateway.js'
import { closed, violations } from '../helpers/contract.js'

// ${old}: head until ${version}. Write here what ${old}'s apps rely on that ${version} changed, one
// t.test per behaviour, as the other suites do: the requests they send, the answers they expect.
const VERSION = '${old}'
const routes = contract.routes
const conforms = (schema: Parameters<typeof violations>[0], value: unknown) => violations(closed(schema), value)

t.test('contract ${old}', async (t) => {
  const { url } = await startDemo(t)
  const as = (path: string, opts: Parameters<typeof call>[2] = {}) => call(url, path, { version: VERSION, ...opts })
${served}
  t.todo('what ${old} apps rely on that ${version} changed', async () => {})
})
`
}

export async function scaffoldHead ({ root, contracts, version }: ScaffoldOptions): Promise<Scaffolded> {
  if (semver.valid(version) !== version) throw new ScaffoldRefused(`"${version}" is not a version: give one as x.y.z`)
  const sorted = [...contracts].sort((a, b) => semver.compare(a.version, b.version))
  const current = sorted.at(-1)
  if (current === undefined) throw new ScaffoldRefused('the bundle has no contracts: write contracts/head.ts first')
  const old = current.version
  if (!semver.gt(version, old)) throw new ScaffoldRefused(`${version} is not newer than head, ${old}`)
  const previous = sorted.at(-2)?.version

  const path = (file: string) => join(root, file)
  const read = async (file: string) => {
    try {
      return await readFile(path(file), 'utf8')
    } catch (err) {
      throw new ScaffoldRefused(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)}); is ${root} the deployment folder?`)
    }
  }
  const fresh = [`contracts/${old}.ts`, `versions/${version}`, `test/contracts/${old}.test.ts`]
  for (const file of fresh) {
    if (await exists(path(file))) throw new ScaffoldRefused(`${file} exists already: nothing is overwritten`)
  }
  const snapshots = path('contracts/snapshots')
  if (fails(await checkSnapshots(contracts, snapshots))) {
    throw new ScaffoldRefused('the released contracts do not match their snapshots: run evergate contracts check, and fix that first')
  }

  // Every edit is worked out before anything is written: a refusal leaves the deployment as it was.
  const edits = new Map<string, string>()
  const head = await read('contracts/head.ts')
  edits.set('contracts/head.ts', replaceOnce(head, 'contracts/head.ts', new RegExp(`(\\bversion:\\s*)(['"])${escape(old)}\\2`),
    `$1$2${version}$2`, `\`version: '${old}'\``))

  const alias = identifierOf(old)
  let index = await read('contracts/index.ts')
  index = replaceOnce(index, 'contracts/index.ts', /^(import \{ head \} from '\.\/head\.js'\n)/m,
    `import { contract as ${alias} } from './${old}.js'\n$1`, "`import { head } from './head.js'` line")
  edits.set('contracts/index.ts', replaceOnce(index, 'contracts/index.ts', /([[,] *)(head *\])/, `$1${alias}, $2`, 'list of contracts ending in `head]`'))

  if (previous !== undefined) {
    const file = `contracts/${previous}.ts`
    edits.set(file, pointAtOldHead(await read(file), file, /(deriveContract\(\s*)head(\s*,)/, '`deriveContract(head, ...)`', 'next', old))
  }
  const changesDir = path(`versions/${old}`)
  const changes = (await exists(changesDir)) ? (await readdir(changesDir)).filter((name) => /^(?!index\.).*(?<!\.d)\.[cm]?ts$/.test(name)).sort() : []
  for (const name of changes) {
    const file = `versions/${old}/${name}`
    edits.set(file, pointAtOldHead(await read(file), file, /(defineChange\(\s*[\w$]+\s*,\s*)head(\s*,)/, '`defineChange(older, head, ...)`', alias, old))
  }

  const { written } = await freezeSnapshots(contracts, snapshots, [old])
  const files = written.map((v) => `contracts/snapshots/${v}.json`)
  const write = async (file: string, text: string) => {
    await writeFile(path(file), text)
    files.push(file)
  }
  for (const [file, text] of edits) await write(file, text)
  await write(`contracts/${old}.ts`, contractModule(old, version))
  await mkdir(path(`versions/${version}`), { recursive: true })
  await write(`versions/${version}/README.md`, changesReadme(old, version))
  await mkdir(path('test/contracts'), { recursive: true })
  await write(`test/contracts/${old}.test.ts`, suiteModule(old, version, current))

  const stale = head.split('\n').flatMap((line, i) => isComment(line) && line.includes(old) ? [i + 1] : [])
  return {
    old,
    froze: written.includes(old),
    files,
    next: [
      `Change contracts/head.ts into what the core speaks from ${version} on${stale.length === 0 ? '' : ` (its comments name ${old} on line ${stale.join(', ')})`}.`,
      `Put what ${old} had instead in contracts/${old}.ts. Older contracts and changes that use a schema or type you changed in head get the old one from there (npx tsc and evergate contracts check say which).`,
      `Write one file per change in versions/${version}/ (its README shows one): how a ${old} request moves up, how a ${version} response moves down.`,
      `Write what ${old}'s apps rely on in test/contracts/${old}.test.ts, and what ${version} changed in head's own suite.`,
      `Run npm test (the contract check and the chain properties go red when a delta or a change is missing); freeze ${version} when it ships: evergate contracts freeze ${version}.`
    ]
  }
}
