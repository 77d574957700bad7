import { parseArgs } from 'node:util'
import { platformProblem } from '../admin/fields.js'
import type { RuleFieldsInput } from '../admin/schemas.js'
import { loadConfig } from '../config.js'
import { addressesOf, type Addresses } from '../mock/addresses.js'
import { startMock, type Mock } from '../mock/server.js'
import { instantOf } from '../release/dates.js'
import { rangeProblem } from '../release/policy.js'
import { loadBundleSource } from './bundle.js'
import { UsageError, type Io } from './io.js'

// `evergate mock`: every version's API with no core behind it, for app teams, until stopped.

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  retired: { type: 'string' },
  deprecated: { type: 'string' },
  sunset: { type: 'string' },
  message: { type: 'string' },
  'upgrade-url': { type: 'string' },
  platform: { type: 'string' }
} as const

type Values = { [K in keyof typeof OPTIONS]?: string }

const RULE_DETAILS = ['sunset', 'message', 'upgrade-url', 'platform'] as const

function portOf (text: string): number {
  const port = Number(text)
  if (!/^\d{1,5}$/.test(text) || port > 65535) throw new UsageError(`--port "${text}" is not a port (0 to 65535)`)
  return port
}

/** The release rules to simulate, checked as `versions deprecate` and `retire` check theirs. */
function rulesOf (values: Values, platforms: readonly string[]): RuleFieldsInput[] {
  const { retired, deprecated, sunset, message, platform } = values
  const upgradeUrl = values['upgrade-url']
  if (retired === undefined && deprecated === undefined) {
    const stray = RULE_DETAILS.find((option) => values[option] !== undefined)
    if (stray !== undefined) throw new UsageError(`--${stray} is about the simulated rules: give --retired or --deprecated too`)
    return []
  }
  for (const [option, range] of [['retired', retired], ['deprecated', deprecated]] as const) {
    const problem = range === undefined ? null : rangeProblem(range)
    if (problem !== null) throw new UsageError(`--${option}: ${problem}`)
  }
  if (sunset !== undefined && deprecated === undefined) throw new UsageError('--sunset is the deprecated versions\' sunset: give --deprecated too')
  if (sunset !== undefined && (sunset.length !== 10 || instantOf(sunset) === null)) throw new UsageError(`--sunset "${sunset}" is not a date (YYYY-MM-DD)`)
  if (upgradeUrl !== undefined && !URL.canParse(upgradeUrl)) throw new UsageError(`--upgrade-url "${upgradeUrl}" is not a URL`)
  const problem = platformProblem(platform?.toLowerCase(), [...platforms, 'other'])
  if (problem !== null) throw new UsageError(problem)
  const common = { platform: platform?.toLowerCase() ?? null, message: message ?? null, upgrade_url: upgradeUrl ?? null }
  // The retirement made last: where the ranges overlap, the newest rule wins, as for a release manager.
  return [
    ...(deprecated === undefined ? [] : [{ ...common, range: deprecated, status: 'deprecated' as const, sunset_date: sunset ?? null }]),
    ...(retired === undefined ? [] : [{ ...common, range: retired, status: 'retired' as const }])
  ]
}

function lanLine (host: string, lan: readonly string[]): string {
  if (lan.length > 0) return `${lan.join('  ')}  (a phone on the same network)`
  if (host === '0.0.0.0' || host === '::') return 'none found: is this machine on a network?'
  return `none: it listens on ${host} only (--host 0.0.0.0 lets a phone in)`
}

/** What the mock prints once it listens: where to point an app, and how to ask it for answers. */
export function banner (mock: Pick<Mock, 'config' | 'port' | 'versions'>, rules: readonly RuleFieldsInput[],
  { local, lan, androidEmulator }: Addresses = addressesOf(mock.config.host, mock.port)): string[] {
  const { host, versionHeader } = mock.config
  const head = mock.versions[mock.versions.length - 1]
  const platform = (rule: RuleFieldsInput) => rule.platform == null ? '' : ` on ${rule.platform}`
  return [
    `evergate mock: contract versions ${mock.versions.join(', ')} (head ${head}), answered from the examples, no core behind it`,
    '',
    ...(local === null ? [] : [`  this machine      ${local}  (a browser; the iOS simulator too)`]),
    `  on the LAN        ${lanLine(host, lan)}`,
    ...(androidEmulator === null ? [] : [`  Android emulator  ${androidEmulator}`]),
    '',
    `  Apps send their version in ${versionHeader}. Prefer: code=404, example="<name>" or dynamic=true chooses an answer.`,
    ...rules.map((rule) => rule.status === 'retired'
      ? `  Retired${platform(rule)}: ${rule.range}, answered with the upgrade 426.`
      : `  Deprecated${platform(rule)}: ${rule.range}${rule.sunset_date == null ? '' : `, sunset ${rule.sunset_date}`}, with Deprecation, Sunset and Link headers.`),
    `  Nothing is stored: a write is validated and answered from the examples. The API reference: ${local ?? lan[0]}/_evergate/docs`,
    '  Ctrl-C stops it.'
  ]
}

/** Resolves at the first SIGINT or SIGTERM; a second one ends the process at once, as Node does. */
function stopSignal (): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve(signal)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}

/** Starts the mock, prints where it is, serves until `until` resolves (a signal), then closes. */
export async function mockCommand (args: string[], io: Io, until: (mock: Mock) => Promise<unknown> = stopSignal): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  if (positionals.length > 0) throw new UsageError(`mock takes no argument (got ${positionals.join(' ')})`)
  const port = values.port === undefined ? undefined : portOf(values.port)
  // The deployment's platforms: a rule for one apps are not told apart by would never apply.
  const rules = rulesOf(values, loadConfig(io.env).platforms)
  const mock = await startMock({ source: await loadBundleSource(), env: io.env, port, host: values.host, rules })
  for (const line of banner(mock, rules)) io.out(line)
  await until(mock)
  await mock.close()
  return 0
}
