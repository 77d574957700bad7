import t from 'tap'
import { renderInstructions, runInstructions } from '../bench/instructions.js'
import { renderPageInstructions, runPageInstructions } from '../bench/page-instructions.js'

// Keeps `npm run bench -- --instructions` working: a few requests counted under valgrind, checked
// for shape only.
t.setTimeout(600_000)

t.test('counts instructions per request of each server under callgrind', async (t) => {
  const counts = await runInstructions({ only: /^(http-proxy|Fastify forwarder) GET \/articles$/, warmup: 200, requests: 50 })
  t.same(counts.map((c) => c.id), ['http-proxy GET /articles', 'Fastify forwarder GET /articles'])
  for (const c of counts) {
    t.equal(c.requests, 50, `${c.id}: every request counted`)
    // A proxied request is tens of thousands of instructions at the very least.
    t.ok(c.mainThread > 10, `${c.id}: main thread counted`)
    t.ok(c.allThreads >= c.mainThread, `${c.id}: every thread's count includes the main thread's`)
  }
  const table = renderInstructions(counts)
  t.match(table, /\| http-proxy GET \/articles \| 50 \| [\d.]+ \| 1\.00× \|/)
  t.match(table, /\| Fastify forwarder GET \/articles \| 50 \| [\d.]+ \| [\d.]+× \|/)
})

t.test('counts the instructions of each piece of translating the demo page, in process', async (t) => {
  const pieces = await runPageInstructions({ pages: 20, warmup: 100 })
  t.equal(pieces.pages, 20)
  // Parsing 3.5 KB of JSON is thousands of instructions at the very least; the others are differences.
  t.ok(pieces.parse > 5, 'JSON.parse counted')
  for (const key of ['steps', 'serialise', 'serialiseHead'] as const) t.ok(Number.isFinite(pieces[key]), `${key} is a number`)
  t.match(renderPageInstructions(pieces), /\| JSON\.parse \(and the Buffer to text\) \| [\d.]+ \|\n\| the 1\.0\.0 client's response steps \| -?[\d.]+ \|/)
})
