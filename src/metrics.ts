import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client'

/** Counts one request of a route: its client's platform (null: none sent) and the status it got. */
export type CountRequest = (platform: string | null, status: number) => void

/** Per (platform, status), a route's requests and how many of them Prometheus has been told of. */
type RouteTally = Map<string | null, Map<number, { count: number, reported: number }>>

/**
 * `evergate_requests_total`, counted as plain numbers on the request path (prom-client hashes a
 * child's labels on every increment) and handed to prom-client when Prometheus scrapes.
 */
export class RequestCounts {
  readonly #routes: Array<{ contract: string, route: string, tally: RouteTally }> = []

  constructor (registry: Registry) {
    const routes = this.#routes
    // The registry keeps the counter; it asks for the counts at every scrape.
    new Counter({
      name: 'evergate_requests_total',
      help: 'Requests by contract version, platform, route and status',
      labelNames: ['contract', 'platform', 'route', 'status'] as const,
      registers: [registry],
      collect () {
        for (const { contract, route, tally } of routes) {
          for (const [platform, statuses] of tally) {
            for (const [status, counts] of statuses) {
              if (counts.count === counts.reported) continue
              this.inc({ contract, platform: platform ?? 'unknown', route, status: String(status) }, counts.count - counts.reported)
              counts.reported = counts.count
            }
          }
        }
      }
    })
  }

  /** The counter of one route of one contract version: asked once per route, at boot. */
  route (contract: string, route: string): CountRequest {
    const tally: RouteTally = new Map()
    this.#routes.push({ contract, route, tally })
    return (platform, status) => {
      let statuses = tally.get(platform)
      if (statuses === undefined) {
        statuses = new Map()
        tally.set(platform, statuses)
      }
      const counts = statuses.get(status)
      if (counts !== undefined) counts.count++
      else statuses.set(status, { count: 1, reported: 0 })
    }
  }
}

/** Times one request of a route: the status it got and how long it took, in seconds. */
export type TimeRequest = (status: number, seconds: number) => void

/** From a fast answer off a cache to a core at its timeouts (EVERGATE_HEADERS_TIMEOUT_MS is 15 s). */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15]

/** One series of the histogram: how many requests fell in each bucket (not cumulative; the last is +Inf). */
interface DurationTally {
  readonly buckets: number[]
  sum: number
  count: number
}

/**
 * `evergate_request_duration_seconds` by contract version, route and status: kept as plain
 * numbers on the request path, as RequestCounts keeps its counts, and written out as a Prometheus
 * histogram when it is scraped. A prom-client Histogram hashes its labels at every observation,
 * bound child or not.
 */
export class RequestDurations {
  static readonly NAME = 'evergate_request_duration_seconds'
  readonly #routes: Array<{ contract: string, route: string, byStatus: Map<number, DurationTally> }> = []

  constructor (registry: Registry) {
    const name = RequestDurations.NAME
    const help = 'Time from a request\'s arrival to the end of its answer, by contract version, route and status'
    // What the registry asks of a metric: its name, help and type, and its values (get).
    const metric = {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: this.#values() }),
      reset: () => {
        for (const { byStatus } of this.#routes) byStatus.clear()
      }
    }
    registry.registerMetric(metric as unknown as Histogram)
  }

  /** The timer of one route of one contract version: asked once per route, at boot. */
  route (contract: string, route: string): TimeRequest {
    const byStatus = new Map<number, DurationTally>()
    this.#routes.push({ contract, route, byStatus })
    return (status, seconds) => {
      let tally = byStatus.get(status)
      if (tally === undefined) {
        tally = { buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 }
        byStatus.set(status, tally)
      }
      let i = 0
      while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++
      tally.buckets[i]++
      tally.sum += seconds
      tally.count++
    }
  }

  #values () {
    const name = RequestDurations.NAME
    const values: Array<{ metricName: string, labels: Record<string, string | number>, value: number }> = []
    for (const { contract, route, byStatus } of this.#routes) {
      for (const [status, { buckets, sum, count }] of byStatus) {
        const labels = { contract, route, status: String(status) }
        let cumulative = 0
        for (const [i, n] of buckets.entries()) {
          cumulative += n
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: i < DURATION_BUCKETS.length ? DURATION_BUCKETS[i] : '+Inf' }, value: cumulative })
        }
        values.push({ metricName: `${name}_sum`, labels, value: sum }, { metricName: `${name}_count`, labels, value: count })
      }
    }
    return values
  }
}

/**
 * Requests the gateway answered with an error of its own (X-Evergate-Error-Code), by code:
 * `evergate_refused_requests_total` for the 4xx (the request, or the app version, is refused),
 * `evergate_failed_requests_total` for the 5xx (the core, or a translation, failed). Counted as
 * plain numbers, as a retired build that keeps calling can make refusals as many as answers.
 */
export class GatewayErrors {
  readonly #refused = new Map<string, number>()
  readonly #failed = new Map<string, number>()

  constructor (registry: Registry) {
    const counter = (name: string, help: string, counts: Map<string, number>) => {
      const reported = new Map<string, number>()
      return new Counter({
        name,
        help,
        labelNames: ['reason'] as const,
        registers: [registry],
        collect () {
          for (const [reason, count] of counts) {
            const before = reported.get(reason) ?? 0
            if (count === before) continue
            this.inc({ reason }, count - before)
            reported.set(reason, count)
          }
        }
      })
    }
    counter('evergate_refused_requests_total', 'Requests the gateway refused itself (a 4xx with X-Evergate-Error-Code), by error code', this.#refused)
    counter('evergate_failed_requests_total', 'Requests the gateway failed itself (a 5xx with X-Evergate-Error-Code), by error code', this.#failed)
  }

  /** Counts one error answer: its code, and the status the gateway meant by it. */
  readonly count = (code: string, status: number): void => {
    const counts = status >= 500 ? this.#failed : this.#refused
    counts.set(code, (counts.get(code) ?? 0) + 1)
  }
}

/** Prometheus instruments, scraped on the admin port. Children are bound at boot, per route. */
export interface Metrics {
  readonly registry: Registry
  readonly requests: RequestCounts
  readonly requestSeconds: RequestDurations
  /** Error answers the gateway made itself, by code. */
  readonly errors: GatewayErrors
  readonly chainSeconds: Histogram<'contract' | 'direction'>
  readonly upstreamSeconds: Histogram<'upstream'>
  /** Sampled core answers outside head's contract (EVERGATE_CONTRACT_SAMPLE_RATE). */
  readonly contractViolations: Counter<'contract' | 'route' | 'status'>
}

export function createMetrics (): Metrics {
  const registry = new Registry()
  // Node's own: CPU, memory, heap, event loop lag, GC, handles. Read at scrape time, but for the
  // event loop's delay (sampled every 10 ms) and GC durations (one observation per collection).
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    requests: new RequestCounts(registry),
    requestSeconds: new RequestDurations(registry),
    errors: new GatewayErrors(registry),
    chainSeconds: new Histogram({
      name: 'evergate_adapter_chain_seconds',
      help: 'Time spent running adapter chains (request up, response down)',
      labelNames: ['contract', 'direction'] as const,
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
      registers: [registry]
    }),
    upstreamSeconds: new Histogram({
      name: 'evergate_upstream_seconds',
      help: 'Time from forwarding a request to the core answering with headers',
      labelNames: ['upstream'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry]
    }),
    contractViolations: new Counter({
      name: 'evergate_contract_violations_total',
      help: 'Sampled core answers that break head\'s contract, by head route and status',
      labelNames: ['contract', 'route', 'status'] as const,
      registers: [registry]
    })
  }
}
