import { Counter, Histogram, Registry } from 'prom-client'

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

/** Prometheus instruments, scraped on the admin port. Children are bound at boot, per route. */
export interface Metrics {
  readonly registry: Registry
  readonly requests: RequestCounts
  readonly chainSeconds: Histogram<'contract' | 'direction'>
  readonly upstreamSeconds: Histogram<'upstream'>
  /** Sampled core answers outside head's contract (EVERGATE_CONTRACT_SAMPLE_RATE). */
  readonly contractViolations: Counter<'contract' | 'route' | 'status'>
}

export function createMetrics (): Metrics {
  const registry = new Registry()
  return {
    registry,
    requests: new RequestCounts(registry),
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
