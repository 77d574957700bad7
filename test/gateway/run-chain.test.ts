import t from 'tap'
import { RequestStepRunner, ResponseStepContext } from '../../src/gateway/run-chain.js'

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

t.test('request headers steps each get the headers the one before returned, as ctx.coreHeaders too', async (t) => {
  const runner = new RequestStepRunner({ params: {}, query: {}, headers: { 'x-a': 'A' }, appVersion: null, platform: null }, { 'x-a': 'A' })
  const seen: unknown[] = []
  runner.runHeaders([
    { run: ({ 'x-a': a, ...rest }: Record<string, string>) => ({ ...rest, 'x-b': a }), source: 'versions/1.1.0/rename.ts' },
    {
      run: (headers: Record<string, string>, ctx: RequestStepRunner) => {
        seen.push(ctx.coreHeaders === headers, ctx.coreHeaders['x-b'])
        ctx.coreHeaders['x-c'] = 'C'
        return headers
      },
      source: 'versions/2.0.0/read.ts'
    }
  ])
  t.same(seen, [true, 'A'])
  t.same(runner.result(), { 'x-b': 'A', 'x-c': 'C' })
  t.throws(() => runner.runHeaders([{ run: () => ({ 'x-bad': 'a\nb' }), source: 'versions/2.0.0/bad.ts' }]),
    { code: 'EVG_ERR_ADAPTER_FAILED', source: 'versions/2.0.0/bad.ts' })
})
