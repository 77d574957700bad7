import t from 'tap'
import { ResponseStepContext } from '../../src/gateway/run-chain.js'

const request = { params: {}, query: {}, headers: {}, appVersion: null, platform: null }

t.test('a body step from a 204 is given no body, whatever a newer step returned', async (t) => {
  const given: unknown[] = []
  const steps = [
    // As an untyped (.js) change may: a body for the 204 its version answers with.
    { run: () => ({ leftover: true }), source: 'versions/3.0.0/x.js', headers: false, status: 200 },
    { run: (body: unknown, ctx: { status: number }) => { given.push(body, ctx.status); return { done: true } }, source: 'versions/2.0.0/y.js', headers: false, status: 204 }
  ]
  const ctx = new ResponseStepContext(200, request, {})
  t.same(ctx.run(steps, { id: 'n1' }, true), { done: true })
  t.same(given, [undefined, 204])
})
