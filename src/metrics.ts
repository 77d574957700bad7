import { collectDefaultMetrics, Counter, Registry, type Metric } from 'prom-client'

/** Counts one request of a route: its client's platform (null: none sent) and the status it got. */
export type CountRequest = (platform: string | null, status: number) => void

/**
 * `evergate_requests_total`, counted as plain numbers on the request path (prom-client hashes a
 * child's labels on every increment) and handed to prom-client's registry when Prometheus scrapes.
 */
export class RequestCounts {
  readonly #counter: BoundCounter<'contract' | 'platform' | 'route' | 'status'>

  constructor (registry: Registry) {
    this.#counter = new BoundCounter({
      name: 'evergate_requests_total',
      help: 'Requests by contract version, platform, route and status',
      labelNames: ['contract', 'platform', 'route', 'status'],
      registers: [registry]
    })
  }

  /** The counter of one route of one contract version: asked once per route, at boot. */
  route (contract: string, route: string): CountRequest {
    // Per platform and status, the series, bound the first time the route answers with them.
    const tallies = new Map<string | null, Map<number, Tally>>()
    return (platform, status) => {
      let statuses = tallies.get(platform)
      if (statuses === undefined) {
        statuses = new Map()
        tallies.set(platform, statuses)
      }
      let tally = statuses.get(status)
      if (tally === undefined) {
        tally = this.#counter.labels({ contract, platform: platform ?? 'unknown', route, status: String(status) })
        statuses.set(status, tally)
      }
      tally.inc()
    }
  }
}

/** One series of a BoundHistogram, bound at boot: `observe` is all the request path calls. */
export interface Timer {
  observe (seconds: number): void
}

/** One series of a BoundCounter, bound at boot: `inc` is all the request path calls. */
export interface Tally {
  inc (): void
}

/**
 * A Prometheus metric whose series are bound once per label set (at boot, or the first time a
 * label set comes up) and then counted as plain numbers. prom-client's own children validate and
 * hash their labels on every observation, which on the request path cost more than the rest of
 * the metrics together. It renders as prom-client's own do: the registry asks it for its values
 * at scrape.
 */
abstract class BoundMetric<L extends string, S extends { readonly labels: Readonly<Record<string, string>> }> {
  readonly aggregator = 'sum'
  abstract readonly type: string
  readonly name: string
  readonly help: string
  readonly #labelNames: readonly L[]
  protected readonly series = new Map<string, S>()

  constructor ({ name, help, labelNames, registers }: { name: string, help: string, labelNames: readonly L[], registers: Registry[] }) {
    this.name = name
    this.help = help
    this.#labelNames = labelNames
    // The registry renders whatever answers get(), as it does its own instruments.
    for (const registry of registers) registry.registerMetric(this as unknown as Metric)
  }

  /** The series of one label set, made on first ask; ask once and keep what it is bound to. */
  protected seriesOf (labels: Record<L, string>): S {
    // In the order of labelNames, as prom-client renders them.
    const ordered = Object.fromEntries(this.#labelNames.map((name) => [name, labels[name]]))
    const key = JSON.stringify(ordered)
    let series = this.series.get(key)
    if (series === undefined) {
      series = this.newSeries(ordered)
      this.series.set(key, series)
    }
    return series
  }

  protected abstract newSeries (labels: Readonly<Record<string, string>>): S
}

interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>
  /** Observations per bucket (not cumulative), the last for those past every bound. */
  readonly counts: Float64Array
  sum: number
  count: number
}

/** A histogram whose series are bound once (see BoundMetric): observing finds the bucket and adds. */
export class BoundHistogram<L extends string> extends BoundMetric<L, HistogramSeries> {
  readonly type = 'histogram'
  readonly #buckets: readonly number[]

  constructor ({ buckets, ...options }:
  { name: string, help: string, labelNames: readonly L[], buckets: readonly number[], registers: Registry[] }) {
    super(options)
    this.#buckets = [...buckets].sort((a, b) => a - b)
  }

  protected newSeries (labels: Readonly<Record<string, string>>): HistogramSeries {
    return { labels, counts: new Float64Array(this.#buckets.length + 1), sum: 0, count: 0 }
  }

  /** The series of one label set, made on first ask; ask at boot and keep it. */
  labels (labels: Record<L, string>): Timer {
    const bounds = this.#buckets
    const found = this.seriesOf(labels)
    return {
      observe (seconds) {
        let i = 0
        while (i < bounds.length && seconds > bounds[i]) i++
        found.counts[i]++
        found.sum += seconds
        found.count++
      }
    }
  }

  /** What prom-client's registry renders, as its own histograms give it: cumulative buckets, +Inf, sum and count. */
  async get () {
    type Value = { labels: Record<string, string | number>, sharedLabels: Readonly<Record<string, string>>, value: number, metricName: string }
    const values: Value[] = []
    for (const { labels, counts, sum, count } of this.series.values()) {
      if (count === 0) continue
      let cumulative = 0
      for (const [i, le] of this.#buckets.entries()) {
        cumulative += counts[i]
        values.push({ labels: { le }, sharedLabels: labels, value: cumulative, metricName: `${this.name}_bucket` })
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: `${this.name}_bucket` })
      values.push({ labels: {}, sharedLabels: labels, value: sum, metricName: `${this.name}_sum` })
      values.push({ labels: {}, sharedLabels: labels, value: count, metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  reset (): void {
    for (const series of this.series.values()) {
      series.counts.fill(0)
      series.sum = 0
      series.count = 0
    }
  }
}

interface CounterSeries {
  readonly labels: Readonly<Record<string, string>>
  value: number
}

/** A counter whose series are bound once (see BoundMetric): counting adds one to a number. */
export class BoundCounter<L extends string> extends BoundMetric<L, CounterSeries> {
  readonly type = 'counter'

  protected newSeries (labels: Readonly<Record<string, string>>): CounterSeries {
    return { labels, value: 0 }
  }

  /** The series of one label set, made on first ask; keep it. */
  labels (labels: Record<L, string>): Tally {
    const found = this.seriesOf(labels)
    return { inc () { found.value++ } }
  }

  /** What prom-client's registry renders, as its own counters give it: a series counted at least once. */
  async get () {
    const values = [...this.series.values()].filter((s) => s.value > 0).map(({ labels, value }) => ({ labels, value }))
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  reset (): void {
    for (const series of this.series.values()) series.value = 0
  }
}

/** Times one request of a route: the status it got and how long it took, in seconds. */
export type TimeRequest = (status: number, seconds: number) => void

/**
 * `evergate_request_duration_seconds` by contract version, route and status: a route's timer is
 * bound at boot, and the series of a status the first time the route answers with it.
 */
export class RequestDurations {
  readonly #histogram: BoundHistogram<'contract' | 'route' | 'status'>

  constructor (registry: Registry) {
    this.#histogram = new BoundHistogram({
      name: 'evergate_request_duration_seconds',
      help: 'Time from a request\'s arrival to the end of its answer, by contract version, route and status',
      labelNames: ['contract', 'route', 'status'],
      // From an answer in a millisecond to a core at its timeouts (EVERGATE_HEADERS_TIMEOUT_MS is 15 s).
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry]
    })
  }

  /** The timer of one route of one contract version: asked once per route, at boot. */
  route (contract: string, route: string): TimeRequest {
    const byStatus = new Map<number, Timer>()
    return (status, seconds) => {
      let timer = byStatus.get(status)
      if (timer === undefined) {
        timer = this.#histogram.labels({ contract, route, status: String(status) })
        byStatus.set(status, timer)
      }
      timer.observe(seconds)
    }
  }
}

/**
 * Requests the gateway answered with an error of its own (X-Evergate-Error-Code), by code:
 * `evergate_refused_requests_total` for the 4xx (the request, or the app version, is refused),
 * `evergate_failed_requests_total` for the 5xx (the core, or a translation, failed). Counted as
 * plain numbers, as a retired build that keeps calling can make refusals as many as answers.
 */
export class GatewayErrors {
  readonly #refused: BoundCounter<'reason'>
  readonly #failed: BoundCounter<'reason'>
  /** Per code, its series, bound the first time the code is answered. */
  readonly #tallies = new Map<string, Tally>()

  constructor (registry: Registry) {
    const counter = (name: string, help: string) => new BoundCounter({ name, help, labelNames: ['reason'], registers: [registry] })
    this.#refused = counter('evergate_refused_requests_total', 'Requests the gateway refused itself (a 4xx with X-Evergate-Error-Code), by error code')
    this.#failed = counter('evergate_failed_requests_total', 'Requests the gateway failed itself (a 5xx with X-Evergate-Error-Code), by error code')
  }

  /** Counts one error answer: its code, and the status the gateway meant by it. */
  readonly count = (code: string, status: number): void => {
    const failed = status >= 500
    const key = `${failed ? 5 : 4}${code}`
    let tally = this.#tallies.get(key)
    if (tally === undefined) {
      tally = (failed ? this.#failed : this.#refused).labels({ reason: code })
      this.#tallies.set(key, tally)
    }
    tally.inc()
  }
}

/** Prometheus instruments, scraped on the admin port. Children are bound at boot, per route. */
export interface Metrics {
  readonly registry: Registry
  readonly requests: RequestCounts
  readonly requestSeconds: RequestDurations
  /** Error answers the gateway made itself, by code. */
  readonly errors: GatewayErrors
  readonly chainSeconds: BoundHistogram<'contract' | 'direction'>
  readonly upstreamSeconds: BoundHistogram<'upstream'>
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
    chainSeconds: new BoundHistogram({
      name: 'evergate_adapter_chain_seconds',
      help: 'Time spent running adapter chains (request up, response down)',
      labelNames: ['contract', 'direction'],
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
      registers: [registry]
    }),
    upstreamSeconds: new BoundHistogram({
      name: 'evergate_upstream_seconds',
      help: 'Time from forwarding a request to the core answering with headers',
      labelNames: ['upstream'],
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
