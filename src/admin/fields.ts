import { RuleInvalidError, ReleaseInvalidError } from '../errors.js'
import { instantOf } from '../release/dates.js'
import { releaseVersionProblem } from '../release/latest.js'
import { rangeProblem } from '../release/policy.js'
import type { ReleaseFields, RuleFields } from '../release/repository.js'
import type { ReleaseFieldsInput, RuleFieldsInput, RulePatchInput } from './schemas.js'

// What the admin API checks in rules and releases beyond their schemas, with a message that says
// what is wrong. `platforms` are those apps are told apart by (EVERGATE_PLATFORMS, and other).

function isoDate (field: string, value: string | null | undefined, invalid: (message: string) => Error = (m) => new RuleInvalidError(m)): string | null | undefined {
  if (value === undefined || value === null) return value
  const instant = instantOf(value)
  if (instant === null) throw invalid(`${field} "${value}" is not a date`)
  return instant
}

/**
 * Why a rule or release cannot name `platform`, or null when it can. Apps are told apart by the
 * platforms configured, any other being `other`: a rule for "iphone" would never apply.
 */
export function platformProblem (platform: string | null | undefined, platforms: readonly string[]): string | null {
  if (platform === null || platform === undefined || platforms.includes(platform)) return null
  return `platform "${platform}" is not one apps are told apart by: ${platforms.join(', ')} (EVERGATE_PLATFORMS, and other)`
}

/** Checks what the schema cannot: the range is semver, the platform is known, the dates are real dates. */
export function ruleFields<T extends RuleFieldsInput | RulePatchInput> (input: T, platforms: readonly string[]): Partial<RuleFields> {
  const range = input.range === undefined ? null : rangeProblem(input.range)
  const problem = (range === null ? null : `range ${range}`) ?? platformProblem(input.platform, platforms)
  if (problem !== null) throw new RuleInvalidError(problem)
  const fields: Partial<RuleFields> = { ...input } as Partial<RuleFields>
  const deprecation = isoDate('deprecation_date', input.deprecation_date)
  const sunset = isoDate('sunset_date', input.sunset_date)
  if (deprecation !== undefined) fields.deprecation_date = deprecation
  if (sunset !== undefined) fields.sunset_date = sunset
  return fields
}

/** A release as announced: a version the stores carry (x.y.z, no pre-release), out from `released_at` (default: now). */
export function releaseFields (input: ReleaseFieldsInput, platforms: readonly string[]): ReleaseFields {
  const invalid = (message: string) => new ReleaseInvalidError(message)
  const problem = releaseVersionProblem(input.version) ?? platformProblem(input.platform, platforms)
  if (problem !== null) throw invalid(problem)
  return {
    platform: input.platform ?? null,
    version: input.version,
    released_at: isoDate('released_at', input.released_at, invalid) ?? new Date().toISOString()
  }
}

/** A new rule's fields, checked, with what is left out filled in. */
export function newRule (input: RuleFieldsInput, platforms: readonly string[]): RuleFields {
  const fields = {
    platform: null, deprecation_date: null, sunset_date: null, message: null, upgrade_url: null, ...ruleFields(input, platforms)
  } as RuleFields
  // Deprecated as of now, unless the release manager dated it.
  if (fields.status === 'deprecated' && fields.deprecation_date === null) fields.deprecation_date = new Date().toISOString()
  return fields
}
