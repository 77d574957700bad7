import { closedLoop, demoScenarios, preflight, type Measurement } from './load.js'
import { gatewayStore } from './database.js'
import { withProcesses } from './processes.js'

export interface SoakResults {
  date: string
  minutes: number
  /** RSS of the gateway, sampled while it was driven. */
  samples: Array<{ seconds: number, rssMb: number }>
  /** Least-squares slope over the samples after the first minute (heap warm-up), MB per minute. */
  slopeMbPerMinute: number
  load: Measurement
}

const MB = 1024 * 1024
const WARM_SECONDS = 60

/** Least-squares slope of y over x. */
function slope (points: Array<{ x: number, y: number }>): number {
  const n = points.length
  const mx = points.reduce((s, p) => s + p.x, 0) / n
  const my = points.reduce((s, p) => s + p.y, 0) / n
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0)
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0)
  return sxx === 0 ? 0 : sxy / sxx
}

/**
 * Drives the demo gateway with every evergate scenario in turn (each connection cycles through
 * them), sampling its RSS, to show whether memory settles or keeps growing. The core keeps every
 * bookmark POSTed; that grows the core, not the gateway.
 */
export async function runSoak ({ minutes = 5, everySeconds = 10, connections = 32, log = (_: string) => {} } = {}): Promise<SoakResults> {
  return await withProcesses('soak', async (group, workDir) => {
    const core = await group.start('core')
    const store = await gatewayStore(workDir, 'soak', group)
    const evergate = await group.start('evergate', { upstream: core.url, env: store.env })
    const scenarios = demoScenarios().filter((s) => s.via === 'evergate')
    for (const scenario of scenarios) await preflight(evergate.url, scenario)

    const samples: SoakResults['samples'] = []
    const start = performance.now()
    const sample = async () => {
      const seconds = (performance.now() - start) / 1000
      samples.push({ seconds, rssMb: await evergate.rss() / MB })
      log(`  ${seconds.toFixed(0)} s: ${samples.at(-1)?.rssMb.toFixed(1)} MB`)
    }
    await sample()
    const timer = setInterval(() => { sample().catch(() => {}) }, everySeconds * 1000)
    const load = await closedLoop(evergate.url, scenarios.map((s) => s.request), { connections, seconds: minutes * 60 })
    clearInterval(timer)
    await sample()

    const settled = samples.filter((s) => s.seconds >= WARM_SECONDS).map((s) => ({ x: s.seconds / 60, y: s.rssMb }))
    return { date: new Date().toISOString(), minutes, samples, slopeMbPerMinute: slope(settled), load }
  })
}
