// `npm run bench`: the benchmark of the performance issue. See bench/README.md.
//
//   node dist/bench/run.js            the full run; writes bench/results/<date>.json
//   node dist/bench/run.js --quick    a second per scenario, one round; writes nothing
//   node dist/bench/run.js --soak     drives the gateway for 5 minutes and reports the RSS trend
//   node dist/bench/run.js --profile  a CPU profile of the gateway per scenario (and of the proxy)
//   node dist/bench/run.js --only 'GET /articles'   only the scenarios whose id matches; writes nothing
//   node dist/bench/run.js --demo-chains   in process, the demo's GET /articles per contract version
//   node dist/bench/run.js --release-cost  gateway CPU per request, release management on vs off
//   node dist/bench/run.js --tracing-cost  gateway CPU per request, tracing to an OTLP receiver vs off
//   node dist/bench/run.js --instructions  instructions per request under callgrind (needs valgrind), to compare code
//   node dist/bench/run.js --page-instructions  the same, in process, for the pieces of translating the demo's page for 1.0.0
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { demoChains } from './demo-chains.js'
import { runBench } from './harness.js'
import { renderInstructions, runInstructions } from './instructions.js'
import { renderPageInstructions, runPageInstructions } from './page-instructions.js'
import { runProfile } from './profile.js'
import { runReleaseCost, runTracingCost, type SettingCostResults } from './setting-cost.js'
import { renderMarkdown } from './report.js'
import { runSoak } from './soak.js'

// Compiled, this file runs from dist/bench/; the results belong in the source tree's bench/.
const RESULTS = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './results/' : '../../bench/results/', import.meta.url))
const today = () => new Date().toISOString().slice(0, 10)
const log = (line: string) => { console.error(line) }

async function save (name: string, data: unknown): Promise<string> {
  await mkdir(RESULTS, { recursive: true })
  const file = join(RESULTS, name)
  await writeFile(file, JSON.stringify(data, null, 2) + '\n')
  return file
}

async function bench (quick: boolean, only: RegExp | undefined): Promise<void> {
  const results = await runBench({ quick, only, log })
  console.log(renderMarkdown(results))
  // A partial run (--only) is for iterating on one cost, not a result to keep.
  if (!quick && only === undefined) log(`written to ${await save(`${today()}.json`, results)}`)
  if (!results.valid) process.exitCode = 1
}

async function soak (): Promise<void> {
  const results = await runSoak({ log })
  console.log(`RSS slope after the first minute: ${results.slopeMbPerMinute.toFixed(2)} MB/min ` +
    `(${results.samples[0].rssMb.toFixed(1)} MB -> ${results.samples.at(-1)?.rssMb.toFixed(1)} MB over ${results.minutes} min, ` +
    `${Math.round(results.load.rps)} req/s, ${results.load.errors} errors, ${results.load.non2xx} non-2xx)`)
  log(`written to ${await save(`${today()}-soak.json`, results)}`)
  if (results.load.errors > 0 || results.load.non2xx > 0) process.exitCode = 1
}

async function profile (only: RegExp | undefined): Promise<void> {
  await mkdir(RESULTS, { recursive: true })
  for (const summary of await runProfile({ dir: RESULTS, only, log })) {
    console.log(`\n## ${summary.scenario}: ${Math.round(summary.rps)} req/s under the profiler\n${summary.file}\n`)
    console.log(summary.byArea.slice(0, 12).map((a) => `${a.pct.toFixed(1).padStart(5)}%  ${a.area}`).join('\n'))
    console.log('\n  self  total  function')
    console.log(summary.top.map((h) => `${h.selfPct.toFixed(1).padStart(5)}% ${h.totalPct.toFixed(1).padStart(5)}%  ${h.name}`).join('\n'))
  }
}

async function chains (): Promise<void> {
  console.log('| contract | response steps | in process µs/response | vs head |\n| --- | --- | --- | --- |')
  for (const point of await demoChains()) {
    console.log(`| ${point.contract} | ${point.steps} | ${point.usPerResponse.toFixed(2)} | ${point.vsHead.toFixed(2)}× |`)
  }
}

async function settingCost (setting: string, name: string, run: typeof runReleaseCost): Promise<void> {
  const results: SettingCostResults = await run({ log })
  console.log(`Gateway CPU per request, ${results.connections} connections, median of ${results.rounds} rounds\n`)
  console.log(`| client | ${setting} on µs | off µs | off vs on |\n| --- | --- | --- | --- |`)
  for (const c of results.clients) {
    console.log(`| ${c.client} | ${c.onMedian.toFixed(2)} | ${c.offMedian.toFixed(2)} | ${c.ratio.toFixed(3)}× |`)
  }
  log(`written to ${await save(`${today()}-${name}.json`, results)}`)
}

async function instructions (only: RegExp | undefined): Promise<void> {
  console.log(renderInstructions(await runInstructions({ only, log })))
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' }, soak: { type: 'boolean' }, profile: { type: 'boolean' }, only: { type: 'string' }, 'demo-chains': { type: 'boolean' },
    'release-cost': { type: 'boolean' }, 'tracing-cost': { type: 'boolean' }, instructions: { type: 'boolean' },
    'page-instructions': { type: 'boolean' }
  }
})
const only = values.only === undefined ? undefined : new RegExp(values.only)
if (values.soak === true) await soak()
else if (values['demo-chains'] === true) await chains()
else if (values['release-cost'] === true) await settingCost('release management', 'release-cost', runReleaseCost)
else if (values['tracing-cost'] === true) await settingCost('tracing', 'tracing-cost', runTracingCost)
else if (values.profile === true) await profile(only)
else if (values.instructions === true) await instructions(only)
else if (values['page-instructions'] === true) console.log(renderPageInstructions(await runPageInstructions({ log })))
else await bench(values.quick === true, only)
