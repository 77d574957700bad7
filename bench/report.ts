import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism, cpus, totalmem } from 'node:os'
import type { BenchResults, Machine, ScenarioResult, Source, TargetResult } from './results.js'
import { BARE_SUFFIX, FORWARDERS, HEAD, type Measurement } from './load.js'
import type { MicroPoint } from './synthetic.js'

function cpuModel (): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'))
    if (line !== undefined) return line.slice(line.indexOf(':') + 1).trim()
  } catch {}
  return cpus()[0]?.model ?? 'unknown'
}

export function machineInfo (): Machine {
  return {
    nproc: availableParallelism(),
    memoryGb: Math.round(totalmem() / 1024 ** 3 * 10) / 10,
    node: process.version,
    cpu: cpuModel(),
    platform: `${process.platform} ${process.arch}`
  }
}

function git (args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd()
  } catch {
    return null
  }
}

/** Figures only mean something next to the code they measured, which may not be committed yet. */
export function sourceInfo (): Source {
  const status = git(['status', '--porcelain', '--', 'src', 'versions', 'contracts', 'demo', 'package.json'])
  return {
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: status === null || status === '' ? [] : status.split('\n').map((l) => l.slice(3))
  }
}

type Results = Omit<BenchResults, 'targets'>

const byId = (list: ScenarioResult[], id: string) => list.find((r) => r.id === id)

function baselinesOf (list: ScenarioResult[], group: string) {
  return { proxy: byId(list, `http-proxy ${group}`)?.median, direct: byId(list, `direct ${group}`)?.median }
}

const ratio = (a: number, b: number | undefined) => b === undefined || b === 0 ? NaN : a / b
const x = (value: number) => Number.isFinite(value) ? `${value.toFixed(2)}×` : '–'
const ms = (value: number) => value.toFixed(2)
const int = (value: number) => Math.round(value).toLocaleString('en-GB')

function target (name: string, wanted: string, actual: string, pass: boolean, headline = false): TargetResult {
  return { headline, name, target: wanted, actual, pass }
}

/** CPU per request at the fixed rate, of the server the load went to. */
const cpuOf = (list: ScenarioResult[], id: string) => byId(list, id)?.median.cpu?.server

/**
 * The targets of the performance issue, each judged on ratios measured in the same run. The
 * headline ones are CPU per request at a fixed rate below saturation, as a ratio to
 * @fastify/http-proxy: what holds on a shared box, where throughput at saturation moves with it.
 */
export function evaluateTargets (results: Results): TargetResult[] {
  const closed = results.closedLoop
  const fixed = results.fixedRate.scenarios
  const out: TargetResult[] = []
  const where = results.database === 'embedded' ? ' (embedded database in process)' : ''

  const peer = cpuOf(fixed, 'http-proxy GET /articles')
  const headline: Array<[string, string, number]> = [
    [`evergate ${HEAD} GET /articles`, 'head client, CPU per request vs @fastify/http-proxy', 0.70],
    ['evergate 1.0.0 GET /articles', '1.0.0 client (full demo chain), CPU per request vs @fastify/http-proxy', 1.00]
  ]
  for (const [id, name, most] of headline) {
    const own = cpuOf(fixed, id)
    if (own === undefined || peer === undefined) continue
    const r = ratio(own, peer)
    out.push(target(name, `≤ ${most.toFixed(2)}×`, x(r), r <= most, true))
  }
  for (const id of [`evergate ${HEAD} GET /articles`, 'evergate 1.0.0 GET /articles']) {
    const on = cpuOf(fixed, id)
    const off = cpuOf(fixed, id + BARE_SUFFIX)
    if (on === undefined || off === undefined) continue
    // As throughput would be: what the gateway serves per CPU second with it, over without it.
    const r = ratio(off, on)
    out.push(target(`release policy and usage counting on vs off, CPU per request: ${id}${where}`, '≥ 0.97×', x(r), r >= 0.97, true))
  }

  // Closed loop: what this box's cores allow at saturation, shared by load generator, core and server.
  for (const group of ['GET /articles', 'POST /bookmarks']) {
    const proxy = baselinesOf(closed, group).proxy
    const client = byId(closed, `evergate ${HEAD} ${group}`)?.median
    if (client === undefined || proxy === undefined) continue
    out.push(target(`head client p99 vs @fastify/http-proxy (closed loop), ${group}`, `≤ ${ms(proxy.p99)} ms`, `${ms(client.p99)} ms`, client.p99 <= proxy.p99))
  }

  const longest = results.micro.at(-1)
  if (longest?.usPerStep != null) {
    out.push(target(`cost of one more body-touching change, in process, ~1.5 KB (N = ${longest.changes})`,
      '≤ 2 µs', `${longest.usPerStep.toFixed(2)} µs`, longest.usPerStep <= 2))
  }
  const chains = closed.filter((r) => r.changes !== undefined)
  const one = chains.find((r) => r.changes === 1)?.median
  const most = chains.at(-1)
  if (one !== undefined && most !== undefined && most.changes !== 1) {
    const r = ratio(most.median.rps, one.rps)
    out.push(target(`${most.changes} changes vs 1 change, throughput`, '≥ 0.8×', x(r), r >= 0.8))
  }

  for (const r of fixed.filter((s) => s.via === 'evergate')) {
    const direct = baselinesOf(fixed, r.group).direct
    if (direct === undefined) continue
    const note = saturated(r.median, results.fixedRate.rate) ? ' (could not keep the rate)' : ''
    out.push(target(`fixed rate: ${r.id} p99 vs direct`, `≤ ${ms(direct.p99 + 1)} ms`, `${ms(r.median.p99)} ms${note}`, r.median.p99 <= direct.p99 + 1))
  }

  const { peakMb, peakDuring } = results.memory.gateways.demo
  if (peakDuring !== 'none') {
    const store = results.database === 'embedded' ? ', embedded database in process' : ', PostgreSQL'
    out.push(target(`gateway RSS under load (demo bundle, peak${store})`, '≤ 150 MB', `${peakMb.toFixed(1)} MB`, peakMb <= 150))
  }
  return out
}

/** A scenario whose server fell behind the fixed rate: its queue, not its service time, is measured. */
function saturated (m: Measurement, rate: number): boolean {
  return m.rps < rate * 0.97
}

function row (cells: Array<string | number>): string {
  return `| ${cells.join(' | ')} |`
}

const us = (value: number | undefined) => value === undefined ? '–' : value.toFixed(1)

/** CPU per request and how busy the whole box was: whether the cores, not the server, set the pace. */
function cpuCells (m: Measurement, proxy: Measurement | undefined, nproc: number): string[] {
  const cpu = m.cpu
  if (cpu === undefined) return ['–', '–', '–', '–', '–']
  const busy = (cpu.server + (cpu.core ?? 0) + cpu.load) * m.rps / (nproc * 1e6)
  return [us(cpu.server), x(ratio(cpu.server, proxy?.cpu?.server)), us(cpu.core), us(cpu.load), `${Math.round(busy * 100)}%`]
}

/** Every scenario, each figure also as a ratio to http-proxy and to direct on the same request. */
function scenarioTable (list: ScenarioResult[], nproc: number, rate?: number): string[] {
  const head = ['scenario', 'req/s', 'vs proxy', 'vs direct', 'p50 ms', 'vs proxy', 'vs direct', 'p99 ms', 'vs proxy', 'vs direct', 'errors', 'non-2xx']
  const withCpu = list.some((r) => r.median.cpu !== undefined)
  if (withCpu) head.push('CPU µs/req', 'vs proxy', 'core µs/req', 'load gen µs/req', 'box busy')
  if (rate !== undefined) head.push('send lag p99 ms')
  const lines = [row(head), row(head.map(() => '---'))]
  for (const r of list) {
    const { proxy, direct } = baselinesOf(list, r.group)
    const m = r.median
    const vs = (key: keyof Pick<Measurement, 'rps' | 'p50' | 'p99'>) => [x(ratio(m[key], proxy?.[key])), x(ratio(m[key], direct?.[key]))]
    const rps = rate !== undefined && saturated(m, rate) ? `${int(m.rps)} (saturated)` : int(m.rps)
    const cells = [r.id, rps, ...vs('rps'), ms(m.p50), ...vs('p50'), ms(m.p99), ...vs('p99'), m.errors, m.non2xx]
    if (withCpu) cells.push(...cpuCells(m, proxy, nproc))
    if (rate !== undefined) cells.push(ms(m.sendLagP99 ?? NaN))
    lines.push(row(cells))
  }
  return lines
}

function chainTable (results: Results): string[] {
  const chains = results.closedLoop.filter((r) => r.changes !== undefined)
  const rpsAt = (n: number) => chains.find((r) => r.changes === n)?.median.rps
  const lines = [
    row(['changes', 'req/s', 'vs 0 changes', 'vs 1 change', 'in process µs/response', 'µs per change', 'µs per change, rest/spread steps']),
    row(Array(7).fill('---'))
  ]
  const perStep = (p: MicroPoint | undefined) => p?.usPerStep == null ? '–' : p.usPerStep.toFixed(2)
  for (const r of chains) {
    const micro = results.micro.find((p) => p.changes === r.changes)
    lines.push(row([r.changes ?? 0, int(r.median.rps), x(ratio(r.median.rps, rpsAt(0))), x(ratio(r.median.rps, rpsAt(1))),
      micro === undefined ? '–' : micro.usPerResponse.toFixed(2),
      perStep(micro), perStep(results.microRestSpread.find((p) => p.changes === r.changes))]))
  }
  return lines
}

/** The headline: CPU per request at the fixed rate, each as a ratio to @fastify/http-proxy, with its verdict. */
function headlineSection (results: BenchResults): string[] {
  const headline = results.targets.filter((t) => t.headline)
  if (headline.length === 0) return ['### CPU per request: not measured (the fixed rate did not run)', '']
  return [
    `### CPU per request at ${int(results.fixedRate.rate)} req/s, each server in its own process, vs @fastify/http-proxy (median of ${results.settings.rounds} interleaved rounds)`,
    '',
    row(['', 'target', 'wanted', 'measured']),
    row(Array(4).fill('---')),
    ...headline.map((t) => row([t.pass ? 'PASS' : 'MISS', t.name, t.target, t.actual])),
    '',
    ...floorNote(results.fixedRate.scenarios)
  ]
}

/** Where forwarding alone lies, measured in the same rounds: the scale for the ratios above. */
function floorNote (fixed: ScenarioResult[]): string[] {
  const peer = cpuOf(fixed, 'http-proxy GET /articles')
  const node = cpuOf(fixed, `${FORWARDERS['node-forwarder']} GET /articles`)
  const fastify = cpuOf(fixed, `${FORWARDERS['fastify-forwarder']} GET /articles`)
  if (peer === undefined || node === undefined || fastify === undefined) return []
  // What evergate adds to a Fastify route that only forwards: its own work, version routing to translation.
  const overFloor = [['head client', `evergate ${HEAD} GET /articles`], ['1.0.0 client', 'evergate 1.0.0 GET /articles']]
    .flatMap(([client, id]) => {
      const own = cpuOf(fixed, id)
      return own === undefined ? [] : [`${client} ${x(ratio(own, fastify))}`]
    })
  return [
    `For scale, forwarding alone in the same rounds (undici behind it, no routing, checks or translation: bench/forwarders.ts): on bare node:http ${x(ratio(node, peer))},`,
    `in a Fastify route ${x(ratio(fastify, peer))} of http-proxy's CPU per request. That is Node's HTTP on both sides, and Fastify's request lifecycle:`,
    'no gateway written on them spends less.',
    ...(overFloor.length === 0 ? [] : [`Evergate against that Fastify route, CPU per request: ${overFloor.join(', ')}.`]),
    ''
  ]
}

/** The run as Markdown: validity first, the headline, then the tables and every target. */
export function renderMarkdown (results: BenchResults): string {
  const { machine, source, settings, memory } = results
  const lines = [
    results.valid
      ? '**VALID run**: zero errors and zero non-2xx responses.'
      : `**INVALID run**: ${results.problems.length} problem(s):\n${results.problems.map((p) => `- ${p}`).join('\n')}`,
    '',
    `${results.date} · ${machine.nproc} CPUs (${machine.cpu}) · ${machine.memoryGb} GB · Node ${machine.node} · ${machine.platform}`,
    `source ${source.commit ?? 'unknown'}${source.dirty.length > 0 ? ` + uncommitted changes in ${source.dirty.join(', ')}` : ''}`,
    `${settings.rounds} interleaved rounds, medians · closed loop ${settings.closedSeconds} s × ${settings.connections} connections · fixed rate ${settings.fixedSeconds} s`,
    ...(results.only === undefined ? [] : [`**partial run**: only the scenarios matching /${results.only}/`]),
    `release data: ${results.database === 'postgres' ? 'PostgreSQL (DATABASE_URL), a schema per gateway' : 'embedded PGlite in each gateway\'s process (no DATABASE_URL)'}`,
    '',
    ...headlineSection(results),
    `### Closed loop (peak throughput, ${settings.connections} connections, pipelining 1)`,
    '',
    'At saturation the load generator, the core and the server share this box\'s CPUs: these figures move with the box,',
    'and say which server is faster here, not by how much elsewhere. The headline above does not depend on it.',
    '',
    ...scenarioTable(results.closedLoop, machine.nproc),
    '',
    'CPU µs/req: user + system CPU of the server the load went to (the core itself for direct) per request answered, in the measured seconds;',
    'core and load gen: the same for the core behind it and for the load generator. Box busy: all three together, as a share of every CPU.',
    '',
    ...(results.fixedRate.scenarios.length === 0
      ? ['### Fixed rate: not run (it needs the head client\'s peak: `--only` left it out)', '']
      : [
          `### Fixed rate: ${int(results.fixedRate.rate)} req/s (${settings.rateFraction} × the slowest proxy's or gateway's peak), latency from when each request was due`,
          '',
          ...scenarioTable(results.fixedRate.scenarios, machine.nproc, results.fixedRate.rate),
          '',
          'Send lag: how late the load generator itself sent (it shares the CPUs); it is part of every latency in this table.',
          'Saturated: the server could not keep the rate, so its latencies are mostly time spent queued.',
          ''
        ]),
    '### Chain length (synthetic bundle, GET /item above: ~1.5 KB body, one field converted per change)',
    '',
    ...chainTable(results),
    '',
    '### Memory (RSS)',
    '',
    ...Object.entries(memory.gateways).map(([stack, g]) =>
      `- evergate (${stack}): ${g.bootMb.toFixed(1)} MB after boot, ${g.peakMb.toFixed(1)} MB peak under load (${g.peakDuring})`),
    `- cores at the end: ${Object.entries(memory.coresEndMb).map(([stack, mb]) => `${stack} ${mb.toFixed(1)} MB`).join(', ')}`,
    '',
    '### Targets',
    '',
    row(['', 'target', 'wanted', 'measured']),
    row(Array(4).fill('---')),
    ...results.targets.map((t) => row([t.pass ? 'PASS' : 'MISS', t.name, t.target, t.actual]))
  ]
  return lines.join('\n') + '\n'
}
