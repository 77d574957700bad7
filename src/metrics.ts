import { Counter, Histogram, Registry } from 'prom-client'

/** Prometheus instruments, scraped on the admin port. Children are bound at boot, per route. */
export interface Metrics {
  readonly registry: Registry
  readonly requests: Counter<'contract' | 'platform' | 'route' | 'status'>
  readonly chainSeconds: Histogram<'contract' | 'direction'>
  readonly upstreamSeconds: Histogram<'upstream'>
}

export function createMetrics (): Metrics {
  const registry = new Registry()
  return {
    registry,
    requests: new Counter({
      name: 'evergate_requests_total',
      help: 'Requests by contract version, platform, route and status',
      labelNames: ['contract', 'platform', 'route', 'status'] as const,
      registers: [registry]
    }),
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
    })
  }
}
