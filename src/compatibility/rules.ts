// The catalogue of compatibility rules: every finding the gate can report, by a stable id, with how
// much it matters to an app built against the frozen contract. docs/compatibility-rules.md lists
// them all (a test keeps the two in step).

/** ERR breaks apps; WARN may break them; INFO is safe, and said so a reviewer sees what changed. */
export type Severity = 'ERR' | 'WARN' | 'INFO'

export const SEVERITIES: readonly Severity[] = ['ERR', 'WARN', 'INFO']

export interface Rule {
  readonly id: string
  readonly severity: Severity
  /** What happened, for the changelog of findings: "a response field was removed". */
  readonly summary: string
}

const rules: Rule[] = []
const rule = (id: string, severity: Severity, summary: string): void => { rules.push({ id, severity, summary }) }

// Contracts and routes.
rule('contract-not-frozen', 'ERR', 'a contract older than head has no frozen copy: it shipped, so its apps are unprotected')
rule('contract-dropped', 'ERR', 'a frozen contract left the bundle: its apps still call it')
rule('route-removed', 'ERR', 'a route the apps call is gone from the contract they are served')
rule('route-added', 'INFO', 'a route was added')
rule('route-path-parameter-renamed', 'INFO', 'a path parameter was renamed: the URL apps call is the same')

// Requests: what apps send must still be accepted, and mean the same.
rule('request-body-added', 'ERR', 'the route now reads a body that apps never send')
rule('request-body-removed', 'WARN', 'the route no longer reads the body apps send: it is ignored')
rule('request-required-property-added', 'ERR', 'a request field apps never send is now required')
rule('request-optional-property-added', 'INFO', 'an optional request field was added')
rule('request-property-became-required', 'ERR', 'a request field apps may leave out is now required')
rule('request-property-became-optional', 'INFO', 'a required request field became optional')
rule('request-property-removed', 'ERR', 'a request field apps send is refused now (additional properties are refused)')
rule('request-property-ignored', 'WARN', 'a request field apps send was removed: it is ignored now')
rule('request-property-renamed', 'ERR', 'a request field was renamed: what apps send under the old name is lost or refused')
rule('request-parameter-removed', 'ERR', 'a query or path parameter apps send was removed')
rule('request-parameter-renamed', 'ERR', 'a query or path parameter was renamed: apps send the old name')
rule('request-required-parameter-added', 'ERR', 'a query or path parameter apps never send is now required')
rule('request-optional-parameter-added', 'INFO', 'an optional query parameter was added')
rule('request-parameter-became-required', 'ERR', 'a query parameter apps may leave out is now required')
rule('request-parameter-became-optional', 'INFO', 'a required query parameter became optional')
rule('request-type-changed', 'ERR', 'a request value has another type: what apps send is refused')
rule('request-type-narrowed', 'ERR', 'a request value accepts fewer types (a number that must now be an integer, one type of several dropped)')
rule('request-type-widened', 'INFO', 'a request value accepts more types')
rule('request-null-refused', 'ERR', 'a request value that accepted null refuses it now')
rule('request-null-accepted', 'INFO', 'a request value accepts null now')
rule('request-enum-value-removed', 'ERR', 'a value apps may send is no longer in the request enum')
rule('request-enum-value-added', 'INFO', 'a value was added to a request enum')
rule('request-enum-added', 'ERR', 'a free request value became an enum: most values apps send are refused')
rule('request-enum-removed', 'INFO', 'a request enum became a free value')
rule('request-additional-properties-refused', 'ERR', 'a request object refuses fields it used to accept')
rule('request-additional-properties-allowed', 'INFO', 'a request object accepts fields it used to refuse')
rule('request-additional-properties-changed', 'ERR', 'the schema of a request object\'s other fields changed')
rule('request-pattern-added', 'ERR', 'a request string must now match a pattern')
rule('request-pattern-changed', 'ERR', 'a request string must match another pattern: values apps send may be refused')
rule('request-pattern-removed', 'INFO', 'a request string no longer has to match a pattern')
rule('request-format-added', 'ERR', 'a request string must now have a format')
rule('request-format-changed', 'ERR', 'a request string must have another format')
rule('request-format-removed', 'INFO', 'a request string no longer needs a format')
rule('request-multiple-of-changed', 'ERR', 'a request number must be a multiple of a value that refuses numbers apps send')
rule('request-multiple-of-loosened', 'INFO', 'a request number\'s multipleOf accepts everything it did')
rule('request-unique-items-added', 'ERR', 'a request array must now hold unique items')
rule('request-unique-items-removed', 'INFO', 'a request array may hold repeated items now')
rule('request-tuple-changed', 'ERR', 'a request tuple has another length')
rule('request-variant-removed', 'ERR', 'a request union lost a variant apps may send')
rule('request-variant-added', 'INFO', 'a request union gained a variant')
rule('request-default-changed', 'WARN', 'a request value left out now means something else (its default changed)')

// Responses: what apps are sent must still decode, and mean the same.
rule('response-status-removed', 'ERR', 'a success status apps are written for is no longer answered')
rule('response-status-added', 'WARN', 'a success status apps were not written for may be answered')
rule('response-header-removed', 'ERR', 'a response header apps read is gone')
rule('response-optional-header-removed', 'WARN', 'an optional response header is gone')
rule('response-header-added', 'INFO', 'a response header was added')
rule('response-header-became-optional', 'ERR', 'a response header apps rely on may now be missing')
rule('response-header-became-required', 'INFO', 'an optional response header is now always sent')
rule('response-property-removed', 'ERR', 'a response field apps read is gone')
rule('response-optional-property-removed', 'WARN', 'an optional response field is gone: apps handled its absence, but lose its value')
rule('response-property-renamed', 'ERR', 'a response field was renamed: apps read the old name')
rule('response-property-added', 'INFO', 'a response field was added (apps that decode strictly refuse it: make this rule ERR for them)')
rule('response-property-added-to-closed-object', 'ERR', 'a field was added to a response object that promised no other fields')
rule('response-property-became-optional', 'ERR', 'a response field apps rely on may now be missing')
rule('response-property-became-required', 'INFO', 'an optional response field is now always sent')
rule('response-type-changed', 'ERR', 'a response value has another type: apps fail to decode it')
rule('response-type-widened', 'ERR', 'a response value may have a type apps do not expect (a number where an integer was, a new type in a union)')
rule('response-type-narrowed', 'INFO', 'a response value has fewer possible types')
rule('response-became-nullable', 'ERR', 'a response value may now be null')
rule('response-null-removed', 'INFO', 'a response value is never null now')
rule('response-enum-value-added', 'ERR', 'a response enum has a value apps do not know')
rule('response-enum-value-removed', 'INFO', 'a response enum value is never sent now')
rule('response-enum-removed', 'ERR', 'a response enum became a free value: apps may meet values they do not know')
rule('response-enum-added', 'INFO', 'a free response value became an enum')
rule('response-additional-properties-allowed', 'WARN', 'a response object that promised no other fields may now carry some')
rule('response-additional-properties-refused', 'INFO', 'a response object promises no other fields now')
rule('response-additional-properties-changed', 'ERR', 'the schema of a response object\'s other fields changed')
rule('response-pattern-added', 'INFO', 'a response string now matches a pattern')
rule('response-pattern-changed', 'WARN', 'a response string matches another pattern: apps that parse it may fail')
rule('response-pattern-removed', 'WARN', 'a response string no longer matches the pattern apps may parse it with')
rule('response-format-added', 'INFO', 'a response string now has a format')
rule('response-format-changed', 'ERR', 'a response string has another format: apps parse it as the old one')
rule('response-format-removed', 'WARN', 'a response string no longer promises its format')
rule('response-multiple-of-changed', 'WARN', 'a response number is no longer a multiple of what apps expect')
rule('response-multiple-of-tightened', 'INFO', 'a response number\'s multipleOf still satisfies the old one')
rule('response-unique-items-removed', 'WARN', 'a response array may hold repeated items now')
rule('response-unique-items-added', 'INFO', 'a response array holds unique items now')
rule('response-tuple-changed', 'ERR', 'a response tuple has another length')
rule('response-variant-added', 'ERR', 'a response union may be a variant apps do not know')
rule('response-variant-removed', 'INFO', 'a response union lost a variant')

// Either side: a change no rule above names, reported so that nothing passes unseen.
rule('schema-keyword-changed', 'WARN', 'a schema keyword no rule covers changed: review it by hand')

/**
 * Bounds: each can be added or removed, raised or lowered. A tighter request bound refuses what
 * apps send (ERR); a looser response bound sends what apps may not expect (WARN: apps seldom
 * check bounds, but some size buffers or layouts by them).
 */
export const BOUNDS = {
  maxLength: { tighter: 'lower', noun: 'max-length' },
  minLength: { tighter: 'higher', noun: 'min-length' },
  maximum: { tighter: 'lower', noun: 'maximum' },
  minimum: { tighter: 'higher', noun: 'minimum' },
  exclusiveMaximum: { tighter: 'lower', noun: 'exclusive-maximum' },
  exclusiveMinimum: { tighter: 'higher', noun: 'exclusive-minimum' },
  maxItems: { tighter: 'lower', noun: 'max-items' },
  minItems: { tighter: 'higher', noun: 'min-items' },
  maxProperties: { tighter: 'lower', noun: 'max-properties' },
  minProperties: { tighter: 'higher', noun: 'min-properties' }
} as const

export type Bound = keyof typeof BOUNDS

/** How a bound moved: `added`/`removed`, or `increased`/`decreased`. */
export type BoundMove = 'added' | 'removed' | 'increased' | 'decreased'

export function boundRuleId (side: 'request' | 'response', bound: Bound, move: BoundMove): string {
  return `${side}-${BOUNDS[bound].noun}-${move}`
}

for (const [bound, { tighter, noun }] of Object.entries(BOUNDS)) {
  const tightening: BoundMove = tighter === 'lower' ? 'decreased' : 'increased'
  const loosening: BoundMove = tighter === 'lower' ? 'increased' : 'decreased'
  const word = noun.replace(/-/g, ' ')
  rule(boundRuleId('request', bound as Bound, 'added'), 'ERR', `a request ${word} was added: values apps send may be refused`)
  rule(boundRuleId('request', bound as Bound, tightening), 'ERR', `a request ${word} was tightened: values apps send may be refused`)
  rule(boundRuleId('request', bound as Bound, 'removed'), 'INFO', `a request ${word} was removed`)
  rule(boundRuleId('request', bound as Bound, loosening), 'INFO', `a request ${word} was loosened`)
  rule(boundRuleId('response', bound as Bound, 'added'), 'INFO', `a response ${word} was added`)
  rule(boundRuleId('response', bound as Bound, tightening), 'INFO', `a response ${word} was tightened`)
  rule(boundRuleId('response', bound as Bound, 'removed'), 'WARN', `a response ${word} was removed: apps may meet values past the old one`)
  rule(boundRuleId('response', bound as Bound, loosening), 'WARN', `a response ${word} was loosened: apps may meet values past the old one`)
}

/** Every rule, by id. */
export const RULES: ReadonlyMap<string, Rule> = new Map(rules.map((r) => [r.id, Object.freeze(r)]))

/** A deployment's own severities, by rule id: `{ 'response-property-added': 'ERR' }` for strict decoders. */
export type SeverityOverrides = Readonly<Record<string, Severity>>

export function checkOverrides (overrides: SeverityOverrides): void {
  for (const [id, severity] of Object.entries(overrides)) {
    if (!RULES.has(id)) throw new TypeError(`compatibility rule "${id}" does not exist (docs/compatibility-rules.md lists them)`)
    if (!SEVERITIES.includes(severity)) throw new TypeError(`compatibility rule ${id}: severity "${String(severity)}" is not ERR, WARN or INFO`)
  }
}
