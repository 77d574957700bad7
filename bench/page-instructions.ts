// `npm run bench -- --page-instructions`: where the instructions of translating the demo's
// GET /articles page for a 1.0.0 client go, in process, counted by callgrind as `--instructions`
// counts whole requests: the core's JSON parsed, the three response steps, the result serialised,
// and head's page serialised for scale. Each piece runs in a process of its own (page-pieces.ts).
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { callgrindArgs, requireValgrind, threadTotals } from './instructions.js'

const run = promisify(execFile)

/** Cumulative, so that their differences are the pieces themselves (page-pieces.ts says what each runs). */
export const PIECES = ['parse', 'steps', 'serialise', 'head'] as const
export type Piece = typeof PIECES[number]
// Compiled, it runs dist/bench/page-pieces.js; under tap, the .ts with tap's loader (execArgv).
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './page-pieces.ts' : './page-pieces.js', import.meta.url)

export interface PageInstructions {
  pages: number
  /** Thousands of instructions per page on the main thread, GC's share there included. */
  parse: number
  steps: number
  serialise: number
  /** Head's page, as the core sent it, serialised: what the 1.0.0 result's serialisation compares to. */
  serialiseHead: number
}

async function count (dir: string, piece: Piece, pages: number, warmup: number): Promise<number> {
  const file = join(dir, `callgrind-${piece}`)
  await run('valgrind', [...callgrindArgs(file), process.execPath, ...process.execArgv, ENTRY.pathname, piece, String(pages), String(warmup)],
    { maxBuffer: 64 * 1024 * 1024 })
  const main = (await threadTotals(dir, `callgrind-${piece}`)).get(1)
  if (main === undefined) throw new Error(`${piece}: callgrind wrote no count for the main thread`)
  return main / pages / 1000
}

export async function runPageInstructions ({ pages = 4000, warmup = 20_000, log = (_line: string) => {} } = {}): Promise<PageInstructions> {
  await requireValgrind('--page-instructions')
  const dir = await mkdtemp(join(tmpdir(), 'evergate-page-'))
  try {
    const totals = new Map<Piece, number>()
    for (const piece of PIECES) {
      totals.set(piece, await count(dir, piece, pages, warmup))
      log(`${piece}: ${totals.get(piece)?.toFixed(1)} k instructions per page, cumulative`)
    }
    const of = (piece: Piece) => totals.get(piece) as number
    return {
      pages,
      parse: of('parse'),
      steps: of('steps') - of('parse'),
      serialise: of('serialise') - of('steps'),
      serialiseHead: of('head') - of('parse')
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

export function renderPageInstructions (r: PageInstructions): string {
  const k = (n: number) => n.toFixed(1)
  return [
    `The demo's GET /articles page for a 1.0.0 client, in process, ${r.pages} pages counted (k instructions per page, main thread)`,
    '',
    '| piece | k instructions |',
    '| --- | --- |',
    `| JSON.parse (and the Buffer to text) | ${k(r.parse)} |`,
    `| the 1.0.0 client's response steps | ${k(r.steps)} |`,
    `| JSON.stringify of the 1.0.0 page | ${k(r.serialise)} |`,
    `| JSON.stringify of the head page, for scale | ${k(r.serialiseHead)} |`
  ].join('\n')
}
