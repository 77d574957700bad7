import type { StoreKind } from './database.js'
import type { Measurement, Stack, Via } from './load.js'
import type { MicroPoint } from './synthetic.js'

// The shape of a bench run's results: what the harness measures and the report renders.

export interface Settings {
  rounds: number
  /**
   * Load sent right before every measurement, not recorded. A server that sat idle while the
   * others were measured (and every one does, interleaved) answers its first fraction of a second
   * slowly: up to ~200 ms on this box, whether core, http-proxy or evergate.
   */
  prerollSeconds: number
  closedSeconds: number
  /** A quick run's closed loop: this many requests instead of `closedSeconds`, however long they take. */
  closedRequests?: number
  fixedSeconds: number
  /** Closed-loop connections (pipelining 1). */
  connections: number
  /** The fixed rate, as a fraction of the slowest closed-loop peak among the demo's proxies and gateways. */
  rateFraction: number
  /** Requests in flight allowed at the fixed rate before they queue (and the wait counts). */
  fixedConnections: number
  chainLengths: readonly number[]
  microIterations: number
  rssEveryMs: number
}

export interface Machine {
  nproc: number
  memoryGb: number
  node: string
  cpu: string
  platform: string
}

export interface Source {
  /** The commit measured, and what in the served code differed from it. */
  commit: string | null
  dirty: string[]
}

export interface TargetResult {
  /** One of the headline figures: CPU per request at a fixed rate, as a ratio to http-proxy. */
  headline: boolean
  name: string
  target: string
  actual: string
  pass: boolean
}

export interface ScenarioResult {
  id: string
  stack: Stack
  via: Via
  group: string
  changes?: number
  rounds: Measurement[]
  /** Medians over the rounds; errors, non-2xx and requests are totals. */
  median: Measurement
  /** Gateway scenarios: the gateway's highest RSS while this scenario ran, in MB. */
  peakRssMb?: number
}

export interface Memory {
  /** RSS in MB of each stack's gateway after boot, and its peak while under load (and under which scenario). */
  gateways: Record<Stack, { bootMb: number, peakMb: number, peakDuring: string }>
  /** RSS in MB of each core at the end. */
  coresEndMb: Record<Stack, number>
}

export interface BenchResults {
  date: string
  quick: boolean
  machine: Machine
  source: Source
  settings: Settings
  closedLoop: ScenarioResult[]
  fixedRate: { rate: number, scenarios: ScenarioResult[] }
  /** The synthetic steps written with `reshape`, as the gateway scenarios run them. */
  micro: MicroPoint[]
  /** Where the gateways kept their release data: PostgreSQL (DATABASE_URL set) or embedded PGlite. */
  database: StoreKind
  /** `--only`: the scenarios were filtered by this pattern; a partial run. */
  only?: string
  /** The same steps written with object rest and spread, for comparison. */
  microRestSpread: MicroPoint[]
  memory: Memory
  /** Why the run is invalid (any error or non-2xx); empty for a valid run. */
  problems: string[]
  valid: boolean
  targets: TargetResult[]
}
