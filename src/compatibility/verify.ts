import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TSchema } from '@sinclair/typebox'
import { Agent, request } from 'undici'
import { AppRetiredError } from '../errors.js'
import { contractSnapshot, type Example, type ExampleSet, type Plans, type RouteKey } from '../engine/index.js'
import { SchemaChecker, type RouteSchemas, type Violation } from './schema-checker.js'
import { examplesFor } from './examples.js'

// The deployment check: every supported version's examples, replayed against a running gateway
// (and the core behind it), each answer checked against the contract that version's apps were
// built with, as frozen when it shipped.

export interface VerifyOptions {
  /** The gateway's public origin: `https://api.example.com`. */
  url: string
  plans: Plans
  examples: ExampleSet
  /** The folder of frozen contracts (`<version>.json`). */
  snapshots: string
  /** The header apps send their version in (the gateway's EVERGATE_VERSION_HEADER). */
  versionHeader?: string
  /** How long one answer may take, in ms. */
  timeout?: number
  /** Told each check as it is made, to report progress. */
  onCheck?: (check: Check) => void
}

export interface Check {
  readonly version: string
  readonly route: RouteKey
  readonly example: string
  readonly outcome: 'pass' | 'fail' | 'skip'
  readonly expected: number
  /** The status the gateway answered; null when it did not answer. */
  readonly got: number | null
  /** Where the body breaks the contract (or why the check failed or was skipped otherwise). */
  readonly reasons: readonly string[]
}

export interface VerifyReport {
  readonly checks: readonly Check[]
  readonly failed: number
}

interface Frozen {
  /** false: the version has no frozen copy yet (an unreleased head), and the bundle's is used. */
  frozen: boolean
  error: TSchema
  routes: Record<string, RouteSchemas | undefined>
}

async function frozenContract (dir: string, plans: Plans, version: string): Promise<Frozen> {
  try {
    return { frozen: true, ...JSON.parse(await readFile(join(dir, `${version}.json`), 'utf8')) }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const contract = plans.contracts.find((c) => c.version === version)?.contract
    return { frozen: false, ...(contractSnapshot(contract as NonNullable<typeof contract>) as Omit<Frozen, 'frozen'>) }
  }
}

/** `GET /articles/:id` with `{ id: 'art 1' }` -> `/articles/art%201`, and the query. */
function pathOf (route: RouteKey, { params = {}, query = {} }: Example['request']): string {
  const url = route.slice(route.indexOf(' ') + 1)
    .replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => encodeURIComponent(String(params[name])))
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined) search.append(name, String(item))
  }
  const text = search.toString()
  return text === '' ? url : `${url}?${text}`
}

const describe = (v: Violation) => `${v.instancePath === '' ? '(the body)' : v.instancePath}: ${v.message}`

// The gateway's answer to an app version the release policy retired: not supported, so not checked.
const RETIRED = AppRetiredError.code

/** Replays every version's examples in order (some change state: run it against staging), one at a time. */
export async function verifyDeployment (opts: VerifyOptions): Promise<VerifyReport> {
  const { plans, examples, versionHeader = 'x-app-version', timeout = 10_000 } = opts
  const checker = new SchemaChecker({ allErrors: true })
  const agent = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout })
  const checks: Check[] = []
  try {
    for (const { version } of plans.contracts) {
      const frozen = await frozenContract(opts.snapshots, plans, version)
      for (const [route, list] of Object.entries(examplesFor(plans, examples, version)) as Array<[RouteKey, Example[]]>) {
        for (const example of list) {
          const check = await replay(example, route, version, frozen)
          checks.push(check)
          opts.onCheck?.(check)
        }
      }
    }
  } finally {
    await agent.close()
  }
  return { checks, failed: checks.filter((c) => c.outcome === 'fail').length }

  async function replay (example: Example, route: RouteKey, version: string, frozen: Frozen): Promise<Check> {
    const expected = example.response.status
    const result = (outcome: Check['outcome'], got: number | null, reasons: string[]): Check =>
      ({ version, route, example: example.name, outcome, expected, got, reasons })
    const { body, headers = {} } = example.request
    let status: number
    let text: string
    let code: string | string[] | undefined
    try {
      const res = await request(new URL(pathOf(route, example.request), opts.url), {
        dispatcher: agent,
        method: route.slice(0, route.indexOf(' ')) as 'GET',
        headers: { accept: 'application/json', ...headers, [versionHeader]: version, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeout)
      })
      status = res.statusCode
      code = res.headers['x-evergate-error-code']
      text = await res.body.text()
    } catch (err) {
      return result('fail', null, [`no answer: ${(err as Error).message}`])
    }
    if (status === 426 && code === RETIRED && expected !== 426) return result('skip', status, ['retired by the release policy'])

    // A status other than the example's fails (the line says both); the reasons are about the body.
    const reasons: string[] = []
    const schemas = frozen.routes[route]
    if (schemas === undefined) return result('fail', status, [`${route} is not in the frozen contract ${version}`])
    if (text !== '' || status !== 204) {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
        reasons.push(...checker.response(schemas, frozen.error, status, parsed).map(describe))
      } catch {
        reasons.push('the body is not JSON')
      }
    }
    if (!frozen.frozen && reasons.length > 0) reasons.push(`(${version} is not frozen yet: checked against the bundle's contract)`)
    return result(reasons.length === 0 && status === expected ? 'pass' : 'fail', status, reasons)
  }
}

/** Reasons shown on a check's line; a page of articles missing one field would list it per article. */
const SHOWN = 3

/** One line per check: `FAIL  2.3.0  GET /articles  "the first page"  expected 200, got 200  /items/0: must have ...`. */
export function formatCheck ({ outcome, version, route, example, expected, got, reasons }: Check): string {
  const line = `${outcome.toUpperCase()}  ${version}  ${route}  "${example}"  expected ${expected}, got ${got ?? 'none'}`
  if (reasons.length === 0) return line
  const more = reasons.length > SHOWN ? ` (and ${reasons.length - SHOWN} more)` : ''
  return `${line}  ${reasons.slice(0, SHOWN).join('; ')}${more}`
}
