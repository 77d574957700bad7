import { readFrozen } from '../../src/compatibility/snapshots.js'
import { fieldOf, SchemaChecker } from '../../src/compatibility/schema-checker.js'
import { startMock, type MockOptions } from '../../src/mock/server.js'
import bundle from '../../versions/index.js'
import { VERSIONS } from './gateway.js'

interface Teardown { teardown (fn: () => unknown): void }

/** `evergate mock` of the demo (or of `opts.source`), on a free loopback port; closed when the test ends. */
export async function startDemoMock (t: Teardown, opts: Partial<MockOptions> = {}) {
  const mock = await startMock({ source: bundle, port: 0, host: '127.0.0.1', logger: false, ...opts, env: { LOG_LEVEL: 'silent', ...opts.env } })
  t.teardown(() => mock.close())
  return { mock, url: `http://127.0.0.1:${mock.port}` }
}

/** Every released version's contract, as frozen when it shipped. */
export const frozen = await readFrozen(bundle.snapshotsDir as string, VERSIONS)

const schemas = new SchemaChecker()

/**
 * Why an answer breaks what `version`'s apps were built against (null: it does not): a success
 * of a status the route declares, with no field the contract lacks, or an error in its shape.
 */
export function breach (version: string, route: string, status: number, body: unknown): string | null {
  const contract = frozen.get(version)
  if (contract === undefined) return `${version} is not frozen`
  const declared = contract.routes[route]?.responses[status]
  if (status < 400 && declared === undefined) return `${status} is not a status ${version} declares for ${route}`
  const error = status >= 400
    ? schemas.check(contract.error as object, body)
    : schemas.check(declared as object, body, { closed: true })
  return error === null ? null : `${fieldOf(error)} ${error.message ?? 'is invalid'}`
}
