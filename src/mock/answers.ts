import { STATUS_CODES } from 'node:http'
import fc from 'fast-check'
import { arbitraryOf } from '../compatibility/arbitrary.js'
import type { Example, HeadContract, Plans, RouteKey } from '../engine/index.js'
import { MockStatusError, MockUnknownExampleError, MockUnknownStatusError } from '../errors.js'
import type { MockPreferences } from './preferences.js'

// How the mock chooses its answer on one of head's routes. It speaks head only: the gateway in
// front translates the answer for each app version, as it translates a real core's.

export interface Answer {
  readonly status: number
  /** undefined: no body (a 204). */
  readonly body?: unknown
  /** An error the mock made up (no example of that status): its code, for X-Evergate-Error-Code. */
  readonly errorCode?: string
}

/** A route's answer to a request with these preferences and path parameters. */
export type Answerer = (preferences: MockPreferences, params: Readonly<Record<string, unknown>>) => Answer

/**
 * The success statuses apps may ask for on a head route, each with the head status that gives
 * it: head's own, and those a change gives older apps instead (head's 201 may be 2.0.0's 200).
 */
export function askableStatuses (plans: Plans, route: RouteKey): Map<number, number> {
  const head = plans.contracts[plans.contracts.length - 1].contract
  const statuses = new Map<number, number>()
  // Newest first: where versions give one status different meanings, head's wins.
  for (const contract of [...plans.contracts].reverse()) {
    for (const plan of contract.routes) {
      if (plan.target?.route !== route) continue
      for (const status of Object.keys(head.routes[route].responses).map(Number)) {
        const answered = plan.responseChain(status)?.status ?? status
        if (!statuses.has(answered)) statuses.set(answered, status)
      }
    }
  }
  return statuses
}

const isSuccess = (status: number) => status >= 200 && status < 300

/** Whether an example is about the resource asked for: it names path parameters, and they are these. */
function namesParams ({ request }: Example, params: Readonly<Record<string, unknown>>): boolean {
  const named = Object.entries(request.params ?? {})
  return named.length > 0 && named.every(([name, value]) => String(value) === String(params[name]))
}

/**
 * How head's route `route` answers, from its examples (head's, as `examplesFor` gives them) or
 * data generated from its schema:
 * - `example=<name>`: that example (of status `code`, when given too);
 * - `dynamic=true`: generated, with status `code` or the route's first success status;
 * - otherwise the first example of the status asked for (any, when none is) that names the path
 *   parameters asked for, else its first example of that status (a success one, when none is
 *   asked for), else generated data, or for an error status a made-up error in head's shape.
 */
export function answerer (head: HeadContract, route: RouteKey, examples: readonly Example[], statuses: ReadonlyMap<number, number>): Answerer {
  const { responses } = head.routes[route]
  const [firstSuccess] = Object.keys(responses).map(Number).sort((a, b) => a - b)
  const arbitraries = new Map<number, fc.Arbitrary<unknown>>()

  function generated (status: number): Answer {
    if (status === 204) return { status }
    let arbitrary = arbitraries.get(status)
    if (arbitrary === undefined) arbitraries.set(status, arbitrary = arbitraryOf(status >= 400 ? head.error : responses[status]))
    return { status, body: fc.sample(arbitrary, 1)[0] }
  }

  /** The head status that gives the app the status it asked for; any error status is one. */
  function headStatus (code: number): number {
    const status = code >= 400 ? code : statuses.get(code)
    if (status === undefined) {
      throw new MockUnknownStatusError(`This route answers ${[...statuses.keys()].join(' or ')}, or an error (400 to 599): not ${code}`)
    }
    return status
  }

  return ({ code, example: name, dynamic }, params) => {
    const status = code === undefined ? undefined : headStatus(code)
    if (name !== undefined) {
      const example = examples.find((e) => e.name === name && (status === undefined || e.response.status === status))
      if (example !== undefined) return example.response
      const known = examples.map((e) => `"${e.name}" (${e.response.status})`).join(', ')
      throw new MockUnknownExampleError(`No example "${name}"${code === undefined ? '' : ` answering ${code}`} on this route: ` +
        (known === '' ? 'it has none' : `its examples are ${known}`))
    }
    if (dynamic) return generated(status ?? firstSuccess)
    const ofStatus = status === undefined ? examples : examples.filter((e) => e.response.status === status)
    const chosen = ofStatus.find((e) => namesParams(e, params)) ??
      (status === undefined ? examples.find((e) => isSuccess(e.response.status)) : ofStatus[0])
    if (chosen !== undefined) return chosen.response
    if (status !== undefined && status >= 400) {
      const code = MockStatusError.code
      return { status, errorCode: code, body: head.formatError({ statusCode: status, code, message: STATUS_CODES[status] ?? `Error ${status}` }) }
    }
    return generated(status ?? firstSuccess)
  }
}
