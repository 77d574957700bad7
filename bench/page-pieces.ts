// One piece of translating the demo's GET /articles page for a 1.0.0 client, run in a loop in a
// process of its own under callgrind, counted around the loop alone (page-instructions.ts starts it).
// The pieces are cumulative, so the parent's differences are the pieces themselves:
//   parse       the core's body (a Buffer) to text, JSON.parse
//   steps       parse, then the 1.0.0 client's response steps
//   serialise   parse, steps, JSON.stringify of the result
//   head        parse, JSON.stringify of the page as it came: head's client, for scale
import { demoArticles } from './demo-chains.js'
import { callgrindControl } from './instructions.js'
import { PIECES, type Piece } from './page-instructions.js'
import { runResponseChain } from './synthetic.js'

const [piece, pages, warmup] = process.argv.slice(2) as [Piece, string, string]
const { page, chains } = await demoArticles()
const steps = chains.get('1.0.0')
if (steps === undefined || !PIECES.includes(piece)) throw new Error(`usage: page-pieces.js <${PIECES.join('|')}> <pages> <warm-up pages>`)
const body = Buffer.from(page)
let sink = 0
const parsed = () => JSON.parse(body.toString('utf8')) as unknown
const translated = () => runResponseChain(steps, parsed()) as unknown[]
const loops: Record<Piece, () => void> = {
  parse: () => { sink += (parsed() as { items: unknown[] }).items.length },
  steps: () => { sink += translated().length },
  serialise: () => { sink += JSON.stringify(translated()).length },
  head: () => { sink += JSON.stringify(parsed()).length }
}
const once = loops[piece]
// Every piece warms the same code, so V8 has optimised what each loop runs the same way.
for (let i = 0; i < Number(warmup); i++) { loops.serialise(); loops.head() }
const callgrind = (...args: string[]) => callgrindControl(process.pid, ...args)
await callgrind('--instr=on')
// Instrumenting makes valgrind translate the code again: these are not counted.
for (let i = 0; i < 200; i++) once()
await callgrind('--zero')
for (let i = 0; i < Number(pages); i++) once()
await callgrind('--dump')
if (sink === 0) throw new Error('the pieces produced nothing')
