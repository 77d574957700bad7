import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gatewayStore } from './database.js'
import { median } from './harness.js'
import { BARE_SUFFIX, closedLoop, demoScenarios, preflight, type Scenario } from './load.js'
import { ProcessGroup, type ServerProcess } from './processes.js'

export interface ReleaseCostOptions {
  rounds?: number
  seconds?: number
  prerollSeconds?: number
  /** Few enough that no process waits for a CPU: the cost is the gateway's own, not the box's. */
  connections?: number
  log?: (line: string) => void
}

export interface ReleaseCost {
  client: string
  /** The gateway's CPU per request, µs: release management on, then off; one per round. */
  on: number[]
  off: number[]
  onMedian: number
  offMedian: number
  /** off / on: the share of the gateway's cost left when policy and usage counting are off. */
  ratio: number
}

export interface ReleaseCostResults {
  date: string
  rounds: number
  connections: number
  clients: ReleaseCost[]
}

/**
 * What release policy and usage counting cost a request, as CPU time of the gateway: the same
 * client against a gateway with release management on and one with it off, below saturation
 * (the closed loop's throughput ratio on a box this busy moves by more than the cost), with new
 * gateway processes every round and rounds that alternate which goes first.
 */
export async function runReleaseCost ({ rounds = 9, seconds = 3, prerollSeconds = 1, connections = 8, log = () => {} }: ReleaseCostOptions = {}): Promise<ReleaseCostResults> {
  const group = new ProcessGroup()
  const workDir = await mkdtemp(join(tmpdir(), 'evergate-release-cost-'))
  try {
    const core = await group.start('core')
    const store = await gatewayStore(workDir, 'release-cost', group)
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
        on: await group.start('evergate', { upstream: core.url, env: store.env }),
        off: await group.start('evergate', { upstream: core.url, env: { EVERGATE_RELEASE_MANAGEMENT: 'false' } })
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
    const results = clients.map((client, i): ReleaseCost => {
      const onMedian = median(costs[i].on)
      const offMedian = median(costs[i].off)
      return { client: client.id, ...costs[i], onMedian, offMedian, ratio: offMedian / onMedian }
    })
    return { date: new Date().toISOString(), rounds, connections, clients: results }
  } finally {
    try {
      await group.stopAll()
    } finally {
      await rm(workDir, { recursive: true, force: true })
    }
  }
}
