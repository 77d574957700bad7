import t from 'tap'
import examples from '../../contracts/examples.js'
import { examplesFor } from '../../src/compatibility/examples.js'
import type { Example } from '../../src/engine/index.js'
import { buildPlans, loadBundle, type RouteKey } from '../../src/engine/index.js'
import bundle from '../../versions/index.js'
import { call, type CallOptions } from '../helpers/gateway.js'
import { breach, frozen, startDemoMock } from '../helpers/mock.js'

// One table, every version: each route its apps were built against answers the mock with what
// that version's frozen contract allows, from the examples and from generated data alike.

const { url } = await startDemoMock(t)
const plans = buildPlans(await loadBundle(bundle))
const DYNAMIC_RUNS = 10

/** The path, query and body of an example's request, as an app sends them. */
function requestOf (route: string, version: string, { params = {}, query = {}, body }: Example['request']): [string, CallOptions] {
  const space = route.indexOf(' ')
  const path = route.slice(space + 1).replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(String(params[name])))
  const search = new URLSearchParams(Object.entries(query).map(([name, value]) => [name, String(value)])).toString()
  return [search === '' ? path : `${path}?${search}`, { method: route.slice(0, space) as CallOptions['method'], version, ...(body === undefined ? {} : { json: body }) }]
}

for (const [version, contract] of frozen) {
  t.test(`every route of ${version} answers as its frozen contract says`, async (t) => {
    const own = examplesFor(plans, examples, version)
    for (const route of Object.keys(contract.routes) as RouteKey[]) {
      // A request the version's apps send, from its examples: the first answered with a success.
      const example = own[route]?.find((e) => e.response.status < 400)
      if (example === undefined) {
        t.fail(`${version} ${route} has no success example to send`)
        continue
      }
      const [path, options] = requestOf(route, version, example.request)
      const answer = await call(url, path, options)
      t.ok(answer.status >= 200 && answer.status < 300, `${version} ${route}: a success by default (${answer.status})`)
      t.equal(breach(version, route, answer.status, answer.json), null, `${version} ${route}: valid by default`)
      for (let i = 0; i < DYNAMIC_RUNS; i++) {
        const generated = await call(url, path, { ...options, headers: { prefer: 'dynamic=true' } })
        // An older app may be refused a generated record it never sees (a podcast): then in its error shape.
        t.ok(generated.status < 500, `${version} ${route}: answered with dynamic=true (${generated.status})`)
        t.equal(breach(version, route, generated.status, generated.json), null, `${version} ${route}: valid with dynamic=true`)
      }
    }
  })
}
