// `npm run bench -- --instructions`: machine instructions per request, counted by valgrind's
// callgrind, for each server of the demo's GET /articles in its own process. CPU time on this
// shared box moves by ±10 % between identical runs; an instruction count of the same code moves by
// about 2 % (GC work shifts between threads), so it tells changes apart that CPU time cannot. It counts
// user space only (the kernel's share of a proxied request, the loopback and the syscalls, is
// left out) and valgrind's CPU has no AVX, so V8's SIMD paths (JSON) count high: it is a tool for
// comparing code, not the headline, which stays CPU per request at a fixed rate.
import { execFile } from 'node:child_process'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gatewayStore } from './database.js'
import { closedLoop, demoScenarios, preflight, type Scenario } from './load.js'
import { withProcesses } from './processes.js'

const run = promisify(execFile)

export interface InstructionOptions {
  /** Requests counted, after the warm-up. */
  requests?: number
  /**
   * Requests before counting starts, not instrumented (valgrind runs them several times faster).
   * V8 optimises the request path within the first thousands; fewer leaves compiler work in the count.
   */
  warmup?: number
  connections?: number
  /** Only the scenarios whose id matches. */
  only?: RegExp
  log?: (line: string) => void
}

export interface InstructionCount {
  id: string
  requests: number
  /** Thousands of instructions per request on the JavaScript thread: the stable figure. */
  mainThread: number
  /** Every thread's: GC helpers and the optimising compiler, which move more. */
  allThreads: number
}

/** Fails with what to install when valgrind is missing; `mode` names the bench option that needs it. */
export async function requireValgrind (mode: string): Promise<void> {
  await run('valgrind', ['--version']).catch((err: Error) => {
    throw new Error(`${mode} needs valgrind (Debian: apt-get install valgrind)`, { cause: err })
  })
}

/**
 * valgrind's arguments for a Node process counted by callgrind, into `file` (a file per thread):
 * instrumented only from `callgrindControl('--instr=on')`, and --smc-check for V8's generated code.
 */
export function callgrindArgs (file: string): string[] {
  return ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', '--smc-check=all-non-file', `--callgrind-out-file=${file}`]
}

/** Tells the callgrind of process `pid` to start counting (`--instr=on`), start again from zero (`--zero`) or write its counts (`--dump`). */
export async function callgrindControl (pid: number, ...args: string[]): Promise<void> {
  await run('callgrind_control', [...args, String(pid)])
}

/** The servers counted: http-proxy, the Fastify forwarder, evergate's head and 1.0.0 clients. */
export function instructionScenarios (): Scenario[] {
  return demoScenarios().filter((s) => s.group === 'GET /articles' && (s.via === 'proxy' || s.via === 'fastify-forwarder' || s.via === 'evergate'))
}

/** Each thread's instruction total from one dump (`--separate-threads`: a file per thread, `<file>-<thread>`). */
export async function threadTotals (dir: string, file: string): Promise<Map<number, number>> {
  const totals = new Map<number, number>()
  for (const name of await readdir(dir)) {
    const thread = new RegExp(`^${file}\\.1-(\\d+)$`).exec(name)
    if (thread === null) continue
    const total = /^(?:summary|totals): (\d+)/m.exec(await readFile(join(dir, name), 'utf8'))
    totals.set(Number(thread[1]), total === null ? 0 : Number(total[1]))
  }
  return totals
}

/** Counts each scenario's server in a process of its own under callgrind, one after the other. */
export async function runInstructions ({ requests = 2000, warmup = 40_000, connections = 8, only, log = () => {} }: InstructionOptions = {}): Promise<InstructionCount[]> {
  await requireValgrind('--instructions')
  return await withProcesses('instructions', async (group, workDir) => {
    const core = await group.start('core')
    const counts: InstructionCount[] = []
    for (const [i, scenario] of instructionScenarios().filter((s) => only === undefined || only.test(s.id)).entries()) {
      const file = `callgrind-${i}`
      const env = scenario.via === 'evergate' ? (await gatewayStore(workDir, `instructions-${i}`, group)).env : {}
      // These three vias are the roles of their servers.
      const server = await group.start(scenario.via as 'proxy' | 'fastify-forwarder' | 'evergate', {
        upstream: core.url,
        env,
        under: { command: 'valgrind', args: callgrindArgs(join(workDir, file)) }
      })
      const control = (...args: string[]) => callgrindControl(server.pid, ...args)
      const send = (amount: number) => closedLoop(server.url, [scenario.request], { connections, seconds: 0, requests: amount })
      await preflight(server.url, scenario)
      log(`${scenario.id}: ${warmup} requests to warm up`)
      await send(warmup)
      await control('--instr=on')
      // Instrumenting makes valgrind translate the code again: those first requests are not counted.
      await send(Math.max(10, Math.round(requests / 10)))
      await control('--zero')
      const m = await send(requests)
      await control('--dump')
      if (m.errors > 0 || m.non2xx > 0) throw new Error(`${scenario.id}: ${m.errors} errors, ${m.non2xx} non-2xx`)
      const totals = await threadTotals(workDir, file)
      const perRequest = (n: number) => n / m.requests / 1000
      counts.push({
        id: scenario.id,
        requests: m.requests,
        mainThread: perRequest(totals.get(1) ?? 0),
        allThreads: perRequest([...totals.values()].reduce((a, b) => a + b, 0))
      })
      log(`${scenario.id}: ${counts.at(-1)?.mainThread.toFixed(1)} k instructions per request on the main thread`)
      await server.stop()
    }
    return counts
  })
}

/** The counts as a Markdown table, each as a ratio to http-proxy's when it was counted. */
export function renderInstructions (counts: readonly InstructionCount[]): string {
  const proxy = counts.find((c) => c.id.startsWith('http-proxy '))
  const ratio = (c: InstructionCount) => proxy === undefined ? '–' : `${(c.mainThread / proxy.mainThread).toFixed(2)}×`
  return [
    '| server | requests | k instructions/request, main thread | vs http-proxy | all threads |',
    '| --- | --- | --- | --- | --- |',
    ...counts.map((c) => `| ${c.id} | ${c.requests} | ${c.mainThread.toFixed(1)} | ${ratio(c)} | ${c.allThreads.toFixed(1)} |`)
  ].join('\n')
}
