import { gatewayStore } from './database.js'
import { BARE_SUFFIX, closedLoop, demoScenarios, preflight, type Scenario } from './load.js'
import { median } from './median.js'
import { withProcesses, type ProcessGroup, type ServerProcess } from './processes.js'

export interface SettingCostOptions {
  rounds?: number
  seconds?: number
  prerollSeconds?: number
  /** Few enough that no process waits for a CPU: the cost is the gateway's own, not the box's. */
  connections?: number
  log?: (line: string) => void
}

export interface SettingCost {
  client: string
  /** The gateway's CPU per request, µs: the setting on, then off; one per round. */
  on: number[]
  off: number[]
  onMedian: number
  offMedian: number
  /** off / on: the share of the gateway's cost left when the setting is off. */
  ratio: number
}

export interface SettingCostResults {
  date: string
  rounds: number
  connections: number
  clients: SettingCost[]
}

/** The environments of the two gateways compared, the setting on and off: made once per run. */
type Setting = (group: ProcessGroup, workDir: string) => Promise<{ on: Record<string, string>, off: Record<string, string> }>

/**
 * What a setting costs a request, as CPU time of the gateway: the same client against a gateway
 * with the setting on and one with it off, below saturation (the closed loop's throughput ratio on
 * a box this busy moves by more than the cost), with new gateway processes every round and rounds
 * that alternate which goes first.
 */
async function runSettingCost (name: string, setting: Setting,
  { rounds = 9, seconds = 3, prerollSeconds = 1, connections = 8, log = () => {} }: SettingCostOptions): Promise<SettingCostResults> {
  return await withProcesses(name, async (group, workDir) => {
    const core = await group.start('core')
    const env = await setting(group, workDir)
    const clients = demoScenarios().filter((s) => s.via === 'bare').map((s) => ({ ...s, id: s.id.slice(0, -BARE_SUFFIX.length) }))
    const costs = clients.map(() => ({ on: [] as number[], off: [] as number[] }))
    const measure = async (gateway: ServerProcess, client: Scenario): Promise<number> => {
      let from: Promise<number> | undefined
      const m = await closedLoop(gateway.url, [client.request], {
        connections, prerollSeconds, seconds, onMeasuring: () => { from = gateway.cpu() }
      })
      if (m.errors > 0 || m.non2xx > 0) throw new Error(`${client.id}: ${m.errors} errors, ${m.non2xx} non-2xx`)
      const to = await gateway.cpu()
      return (to - await (from as Promise<number>)) / m.requests
    }
    for (let round = 0; round < rounds; round++) {
      // New processes every round: one process can run a few per cent slower than another of the
      // same code for its whole life (what its JIT and heap happened to settle on).
      const gateways = {
        on: await group.start('evergate', { upstream: core.url, env: env.on }),
        off: await group.start('evergate', { upstream: core.url, env: env.off })
      }
      const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)
      for (const [i, client] of clients.entries()) {
        for (const which of order) {
          await preflight(gateways[which].url, client)
          costs[i][which].push(await measure(gateways[which], client))
        }
        log(`  round ${round + 1} ${client.id}: on ${costs[i].on.at(-1)?.toFixed(1)} µs, off ${costs[i].off.at(-1)?.toFixed(1)} µs`)
      }
      await Promise.all([gateways.on.stop(), gateways.off.stop()])
    }
    const results = clients.map((client, i): SettingCost => {
      const onMedian = median(costs[i].on)
      const offMedian = median(costs[i].off)
      return { client: client.id, ...costs[i], onMedian, offMedian, ratio: offMedian / onMedian }
    })
    return { date: new Date().toISOString(), rounds, connections, clients: results }
  })
}

/** What release policy and usage counting cost (`--release-cost`): release management on, and off. */
export async function runReleaseCost (options: SettingCostOptions = {}): Promise<SettingCostResults> {
  return await runSettingCost('release-cost', async (group, workDir) => ({
    on: (await gatewayStore(workDir, 'release-cost', group)).env,
    off: { EVERGATE_RELEASE_MANAGEMENT: 'false' }
  }), options)
}

/**
 * What tracing costs (`--tracing-cost`): requests traced and exported to an OTLP receiver in a
 * process of its own, against no endpoint at all. With the default sampler every request is
 * traced (no traceparent is sent: each is a new trace); `OTEL_TRACES_SAMPLER=traceidratio
 * OTEL_TRACES_SAMPLER_ARG=0.05 npm run bench -- --tracing-cost` measures a share. Release
 * management is off in both, so that its database work is in neither figure.
 */
export async function runTracingCost (options: SettingCostOptions = {}): Promise<SettingCostResults> {
  return await runSettingCost('tracing-cost', async (group) => {
    const collector = await group.start('otlp-sink')
    // Off whatever the bench's own environment says; on, with its sampler, if it names one.
    const off = { EVERGATE_RELEASE_MANAGEMENT: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' }
    return { on: { ...off, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }, off }
  }, options)
}
