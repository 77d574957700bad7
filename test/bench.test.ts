import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { demoChains } from '../bench/demo-chains.js'
import { QUICK, runBench } from '../bench/harness.js'
import type { ScenarioResult } from '../bench/results.js'
import { demoScenarios, HEAD } from '../bench/load.js'
import { GATEWAY_NODE_FLAGS, ProcessGroup } from '../bench/processes.js'
import { runReleaseCost, runTracingCost } from '../bench/setting-cost.js'
import { renderMarkdown } from '../bench/report.js'
import { VERSIONS } from './helpers/gateway.js'

// Keeps the benchmark harness working: one quick run, checked for shape only. Speed is never
// asserted here; that is what `npm run bench` and its targets are for.

// Generous: on a box busy with other work, a gateway alone can take a minute to boot.
t.setTimeout(900_000)

const resultsDir = new URL('../bench/results/', import.meta.url)
const listResults = () => readdir(resultsDir).catch(() => [])

const before = await listResults()
const results = await runBench({ quick: true })

function measured (t: Test, list: ScenarioResult[], ids: string[]) {
  t.same(list.map((r) => r.id), ids, 'every scenario, in order')
  for (const r of list) {
    t.equal(r.rounds.length, QUICK.rounds, `${r.id}: one measurement per round`)
    for (const key of ['rps', 'p50', 'p99', 'requests'] as const) {
      t.ok(Number.isFinite(r.median[key]) && r.median[key] > 0, `${r.id}: ${key} is a positive number`)
    }
    t.equal(r.median.errors, 0, `${r.id}: no errors`)
    t.equal(r.median.non2xx, 0, `${r.id}: no non-2xx`)
  }
}

const demoIds = demoScenarios().map((s) => s.id)
const chainIds = ['direct GET /item', 'http-proxy GET /item', ...QUICK.chainLengths.map((n) => `evergate chain ${n}`)]

t.test('the run is valid: zero errors and zero non-2xx', async (t) => {
  t.same(results.problems, [])
  t.equal(results.valid, true)
})

t.test('closed loop: every demo scenario and chain length', async (t) => {
  measured(t, results.closedLoop, [...demoIds, ...chainIds])
})

t.test('closed loop: CPU per request of the server, the core behind it and the load generator', async (t) => {
  for (const r of results.closedLoop) {
    const cpu = r.median.cpu
    t.ok(cpu !== undefined && cpu.server > 0 && cpu.load > 0, `${r.id}: server and load generator CPU`)
    t.equal(cpu?.core !== undefined, r.via !== 'direct', `${r.id}: a core behind it, unless it is the core`)
    if (cpu?.core !== undefined) t.ok(cpu.core > 0, `${r.id}: the core's CPU`)
  }
})

t.test('fixed rate: CPU per request of every server, the headline', async (t) => {
  for (const r of results.fixedRate.scenarios) {
    const cpu = r.median.cpu
    t.ok(cpu !== undefined && cpu.server > 0, `${r.id}: the server's CPU per request`)
  }
  const headline = results.targets.filter((target) => target.headline)
  t.same(headline.map((target) => target.name.split(',')[0]), [
    'head client', '1.0.0 client (full demo chain)',
    'release policy and usage counting on vs off', 'release policy and usage counting on vs off'
  ], 'head and 1.0.0 against http-proxy, and release management on vs off for both')
  for (const target of headline) t.match(target.actual, /^\d+\.\d\d×$/, `${target.name}: a ratio`)
})

t.test('fixed rate: every demo scenario, at a positive rate', async (t) => {
  t.ok(results.fixedRate.rate > 0)
  measured(t, results.fixedRate.scenarios, demoIds)
  for (const r of results.fixedRate.scenarios) t.ok(Number.isFinite(r.median.sendLagP99), `${r.id}: send lag`)
})

t.test('the microbenchmark times every chain length', async (t) => {
  t.same(results.micro.map((p) => p.changes), QUICK.chainLengths)
  t.same(results.microRestSpread.map((p) => p.changes), QUICK.chainLengths, 'and the rest/spread idiom beside it')
  for (const p of [...results.micro, ...results.microRestSpread]) {
    t.ok(Number.isFinite(p.usPerResponse) && p.usPerResponse > 0, `N = ${p.changes}: µs per response`)
    t.ok(p.changes === 0 ? p.usPerStep === null : Number.isFinite(p.usPerStep), `N = ${p.changes}: µs per step`)
  }
})

t.test('the demo\'s chains in process: every contract version against head', async (t) => {
  const points = await demoChains(50)
  t.same(points.map((p) => p.contract), VERSIONS)
  const steps = new Map(points.map((p) => [p.contract, p.steps]))
  const at3 = steps.get('3.0.0') ?? NaN
  t.same(['1.0.0', '2.0.0', '2.3.0', '3.0.0'].map((v) => (steps.get(v) ?? NaN) - at3), [3, 2, 1, 0], 'one step per version of the demo\'s history')
  t.equal(points.at(-1)?.steps, 0, 'head runs none')
  for (const p of points) t.ok(Number.isFinite(p.usPerResponse) && p.usPerResponse > 0, `${p.contract}: µs per response`)
  t.equal(points.at(-1)?.vsHead, 1, 'head is the baseline')
})

t.test('memory and machine are recorded', async (t) => {
  for (const stack of ['demo', 'synthetic'] as const) {
    const { bootMb, peakMb } = results.memory.gateways[stack]
    for (const mb of [bootMb, peakMb, results.memory.coresEndMb[stack]]) t.ok(Number.isFinite(mb) && mb > 0, stack)
  }
  t.ok(results.machine.nproc > 0)
  t.match(results.machine.node, /^v\d+/)
})

t.test('every target is judged, PASS or MISS', async (t) => {
  t.ok(results.targets.length >= 8)
  t.ok(results.targets.some((target) => target.name.startsWith('release policy and usage counting on vs off')))
  for (const target of results.targets) t.type(target.pass, 'boolean', target.name)
})

t.test('the report names every scenario and target', async (t) => {
  const report = renderMarkdown(results)
  t.match(report, /^\*\*VALID run\*\*/)
  for (const id of [...demoIds, ...chainIds]) t.ok(report.includes(id), id)
  for (const target of results.targets) t.ok(report.includes(target.name), target.name)
  t.match(report, /For scale, forwarding alone .* on bare node:http \d+\.\d\d×,\nin a Fastify route \d+\.\d\d× of http-proxy/, 'the floors beside the headline, as ratios')
  t.match(report, /Evergate against that Fastify route, CPU per request: head client \d+\.\d\d×, 1\.0\.0 client \d+\.\d\d×\./, 'the gateway against the Fastify floor')
})

t.test('a server that cannot boot fails its start instead of hanging the run', async (t) => {
  const group = new ProcessGroup()
  t.teardown(() => group.stopAll())
  await t.rejects(group.start('proxy'), /proxy exited before listening/)
})

t.test('a server profiles itself on demand (npm run bench -- --profile)', async (t) => {
  const group = new ProcessGroup()
  t.teardown(() => group.stopAll())
  const server = await group.start('synthetic-core')
  await server.startProfile()
  for (let i = 0; i < 20; i++) await (await request(`${server.url}/item`)).body.dump()
  const file = join(t.testdir(), 'core.cpuprofile')
  await server.stopProfile(file)
  const profile = JSON.parse(await readFile(file, 'utf8')) as { nodes: unknown[], samples: unknown[] }
  t.ok(profile.nodes.length > 0 && Array.isArray(profile.samples))
})

t.test('release management on vs off: the gateway\'s CPU per request, per client (npm run bench -- --release-cost)', async (t) => {
  const cost = await runReleaseCost({ rounds: 1, seconds: 0.2, prerollSeconds: 0.1 })
  t.same(cost.clients.map((c) => c.client), [`evergate ${HEAD} GET /articles`, 'evergate 1.0.0 GET /articles'])
  for (const c of cost.clients) {
    t.equal(c.on.length, 1, `${c.client}: a figure per round, on`)
    t.equal(c.off.length, 1, `${c.client}: and off`)
    t.ok([...c.on, ...c.off].every((us) => Number.isFinite(us) && us > 0), `${c.client}: CPU per request`)
    t.equal(c.ratio, c.offMedian / c.onMedian)
  }
})

t.test('tracing on vs off: the gateway\'s CPU per request, per client (npm run bench -- --tracing-cost)', async (t) => {
  const cost = await runTracingCost({ rounds: 1, seconds: 0.2, prerollSeconds: 0.1 })
  t.same(cost.clients.map((c) => c.client), [`evergate ${HEAD} GET /articles`, 'evergate 1.0.0 GET /articles'])
  for (const c of cost.clients) {
    t.ok([...c.on, ...c.off].every((us) => Number.isFinite(us) && us > 0), `${c.client}: CPU per request, on and off`)
  }
})

t.test('a quick run writes nothing into bench/results', async (t) => {
  t.same(await listResults(), before)
})

t.test('the gateway is measured with the V8 flags it is deployed with', async (t) => {
  const root = new URL('../', import.meta.url)
  const dockerfile = await readFile(new URL('Dockerfile', root), 'utf8')
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[]
  const { scripts } = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }
  t.ok(GATEWAY_NODE_FLAGS.length > 0)
  for (const flag of GATEWAY_NODE_FLAGS) {
    t.ok(cmd.includes(flag), `the Dockerfile's CMD has ${flag}`)
    t.ok(scripts['start:gateway'].split(' ').includes(flag), `npm run start:gateway has ${flag}`)
    t.ok(scripts.start.split(' ').includes(flag), `npm start has ${flag}`)
  }
})
