import { Histogram, Registry } from 'prom-client'
import { test } from 'tap'
import { BoundHistogram } from '../src/metrics.js'

// The request path's histograms count as plain numbers; Prometheus must not see the difference.
test('a bound histogram renders exactly as prom-client\'s own, for the same observations', async (t) => {
  const buckets = [0.001, 0.01, 0.1, 1]
  const ours = new Registry()
  const theirs = new Registry()
  const bound = new BoundHistogram({ name: 'x_seconds', help: 'Some time', labelNames: ['contract', 'direction'], buckets, registers: [ours] })
  const reference = new Histogram({ name: 'x_seconds', help: 'Some time', labelNames: ['contract', 'direction'], buckets, registers: [theirs] })
  const seen = [0.0005, 0.001, 0.002, 0.05, 0.5, 1, 3, 0.0001]
  const up = bound.labels({ contract: '1.0.0', direction: 'request' })
  const down = bound.labels({ direction: 'response', contract: '1.0.0' })
  for (const [i, value] of seen.entries()) {
    (i % 2 === 0 ? up : down).observe(value)
    reference.labels(i % 2 === 0 ? { contract: '1.0.0', direction: 'request' } : { contract: '1.0.0', direction: 'response' }).observe(value)
  }
  t.equal(await ours.metrics(), await theirs.metrics())
  t.equal(bound.labels({ direction: 'request', contract: '1.0.0' }) !== up, true, 'a timer per ask')
  bound.labels({ direction: 'request', contract: '1.0.0' }).observe(0.2)
  reference.labels({ contract: '1.0.0', direction: 'request' }).observe(0.2)
  t.equal(await ours.metrics(), await theirs.metrics(), 'the same label set, asked again in another order, is the same series')
})

test('a series bound but never observed is not rendered, as prom-client leaves it out', async (t) => {
  const registry = new Registry()
  const bound = new BoundHistogram({ name: 'y_seconds', help: 'Other time', labelNames: ['upstream'], buckets: [1], registers: [registry] })
  bound.labels({ upstream: 'core' })
  t.equal(await registry.metrics(), '# HELP y_seconds Other time\n# TYPE y_seconds histogram\n')
})
