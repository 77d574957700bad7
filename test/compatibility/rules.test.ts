import t from 'tap'
import { compareContracts, type FrozenContract, type FrozenRoute } from '../../src/compatibility/diff.js'
import { BOUNDS, boundRuleId, RULES, type Bound } from '../../src/compatibility/rules.js'

// The catalogue, one case per rule: a frozen contract, the same contract changed one way, and the
// finding that must come of it. The last test checks that every rule of the catalogue has a case.

type S = Record<string, unknown>
const str: S = { type: 'string' }
const int: S = { type: 'integer' }
const num: S = { type: 'number' }
const obj = (properties: S, required: string[] = [], extra: S = {}): S => ({ type: 'object', properties, required, ...extra })
const ERROR = obj({ message: str }, ['message'])

const contract = (routes: Record<string, FrozenRoute>, error: unknown = ERROR): FrozenContract => ({ version: '1.0.0', error, routes })
const body = (schema: unknown): FrozenRoute => ({ body: schema, responses: { 200: obj({}) } })
const query = (schema: unknown): FrozenRoute => ({ querystring: schema, responses: { 200: obj({}) } })
const headers = (schema: unknown): FrozenRoute => ({ headers: schema, responses: { 200: obj({}) } })
const response = (schema: unknown): FrozenRoute => ({ responses: { 200: schema } })
const responseHeaders = (schema: unknown): FrozenRoute => ({ responses: { 200: obj({}) }, responseHeaders: schema })

interface Case { rule: string, old: FrozenRoute, now: FrozenRoute, location: string, path: string }

/** One field `v` (required) of a request body or a response, before and after. */
const field = (kind: 'request' | 'response', before: S, after: S, required = true): Pick<Case, 'old' | 'now' | 'location' | 'path'> => {
  const wrap = kind === 'request' ? body : response
  return { old: wrap(obj({ v: before }, required ? ['v'] : [])), now: wrap(obj({ v: after }, required ? ['v'] : [])), location: kind === 'request' ? 'body' : 'response 200', path: 'v' }
}
const enumOf = (...values: string[]): S => ({ anyOf: values.map((v) => ({ const: v, type: 'string' })) })
const nullable = (s: S): S => ({ anyOf: [s, { type: 'null' }] })
const variants = (...shapes: S[]): S => ({ anyOf: shapes })
const A = obj({ a: str }, ['a'])
const B = obj({ b: str }, ['b'])
const C = obj({ c: str }, ['c'])

const cases: Case[] = [
  // Requests
  { rule: 'request-body-added', old: { responses: { 200: obj({}) } }, now: body(obj({ a: str })), location: 'body', path: '' },
  { rule: 'request-body-removed', old: body(obj({ a: str })), now: { responses: { 200: obj({}) } }, location: 'body', path: '' },
  { rule: 'request-required-property-added', old: body(obj({})), now: body(obj({ b: str }, ['b'])), location: 'body', path: 'b' },
  { rule: 'request-optional-property-added', old: body(obj({})), now: body(obj({ b: str })), location: 'body', path: 'b' },
  { rule: 'request-property-became-required', old: body(obj({ a: str })), now: body(obj({ a: str }, ['a'])), location: 'body', path: 'a' },
  { rule: 'request-property-became-optional', old: body(obj({ a: str }, ['a'])), now: body(obj({ a: str })), location: 'body', path: 'a' },
  { rule: 'request-property-removed', old: body(obj({ a: str, b: int })), now: body(obj({ a: str }, [], { additionalProperties: false })), location: 'body', path: 'b' },
  { rule: 'request-property-ignored', old: body(obj({ a: str, b: int })), now: body(obj({ a: str })), location: 'body', path: 'b' },
  { rule: 'request-property-renamed', old: body(obj({ name: str }, ['name'])), now: body(obj({ full_name: str }, ['full_name'])), location: 'body', path: 'name' },
  { rule: 'request-parameter-removed', old: query(obj({ limit: int })), now: query(obj({})), location: 'query', path: 'limit' },
  { rule: 'request-parameter-renamed', old: query(obj({ limit: int })), now: query(obj({ page_size: int })), location: 'query', path: 'limit' },
  { rule: 'request-required-parameter-added', old: query(obj({})), now: query(obj({ page: int }, ['page'])), location: 'query', path: 'page' },
  { rule: 'request-optional-parameter-added', old: { responses: { 200: obj({}) } }, now: query(obj({ page: int })), location: 'query', path: 'page' },
  { rule: 'request-parameter-became-required', old: headers(obj({ 'x-key': str })), now: headers(obj({ 'x-key': str }, ['x-key'])), location: 'headers', path: 'x-key' },
  { rule: 'request-parameter-became-optional', old: query(obj({ page: int }, ['page'])), now: query(obj({ page: int })), location: 'query', path: 'page' },
  { rule: 'request-type-changed', ...field('request', str, int) },
  { rule: 'request-type-narrowed', ...field('request', num, int) },
  { rule: 'request-type-widened', ...field('request', str, { type: ['string', 'integer'] }) },
  { rule: 'request-null-refused', ...field('request', nullable(str), str) },
  { rule: 'request-null-accepted', ...field('request', str, nullable(str)) },
  { rule: 'request-enum-value-removed', ...field('request', enumOf('a', 'b'), enumOf('a')) },
  { rule: 'request-enum-value-added', ...field('request', enumOf('a'), enumOf('a', 'b')) },
  { rule: 'request-enum-added', ...field('request', str, enumOf('a', 'b')) },
  { rule: 'request-enum-removed', ...field('request', { type: 'string', enum: ['a', 'b'] }, str) },
  { rule: 'request-additional-properties-refused', ...field('request', obj({}), obj({}, [], { additionalProperties: false })) },
  { rule: 'request-additional-properties-allowed', ...field('request', obj({}, [], { additionalProperties: false }), obj({})) },
  { rule: 'request-additional-properties-changed', ...field('request', obj({}, [], { additionalProperties: str }), obj({})) },
  { rule: 'request-pattern-added', ...field('request', str, { type: 'string', pattern: '^[A-Z]+$' }) },
  { rule: 'request-pattern-changed', ...field('request', { type: 'string', pattern: '^[A-Z]+$' }, { type: 'string', pattern: '^[a-z]+$' }) },
  { rule: 'request-pattern-removed', ...field('request', { type: 'string', pattern: '^[A-Z]+$' }, str) },
  { rule: 'request-format-added', ...field('request', str, { type: 'string', format: 'email' }) },
  { rule: 'request-format-changed', ...field('request', { type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }) },
  { rule: 'request-format-removed', ...field('request', { type: 'string', format: 'uri' }, str) },
  { rule: 'request-multiple-of-changed', ...field('request', { type: 'integer', multipleOf: 5 }, { type: 'integer', multipleOf: 10 }) },
  { rule: 'request-multiple-of-loosened', ...field('request', { type: 'integer', multipleOf: 10 }, { type: 'integer', multipleOf: 5 }) },
  { rule: 'request-unique-items-added', ...field('request', { type: 'array', items: str }, { type: 'array', items: str, uniqueItems: true }) },
  { rule: 'request-unique-items-removed', ...field('request', { type: 'array', items: str, uniqueItems: true }, { type: 'array', items: str }) },
  { rule: 'request-tuple-changed', ...field('request', { type: 'array', items: [str, int] }, { type: 'array', items: [str] }) },
  { rule: 'request-variant-removed', ...field('request', variants(A, B), variants(A, C)) },
  { rule: 'request-variant-added', ...field('request', variants(A, B), variants(A, C)) },
  { rule: 'request-default-changed', ...field('request', { type: 'integer', default: 20 }, { type: 'integer', default: 50 }, false) },
  // Responses
  { rule: 'response-status-removed', old: { responses: { 200: obj({}) } }, now: { responses: { 201: obj({}) } }, location: 'response 200', path: '' },
  { rule: 'response-status-added', old: { responses: { 200: obj({}) } }, now: { responses: { 200: obj({}), 202: obj({}) } }, location: 'response 202', path: '' },
  { rule: 'response-header-removed', old: responseHeaders(obj({ etag: str }, ['etag'])), now: responseHeaders(obj({})), location: 'response headers', path: 'etag' },
  { rule: 'response-optional-header-removed', old: responseHeaders(obj({ 'x-total': int })), now: { responses: { 200: obj({}) } }, location: 'response headers', path: 'x-total' },
  { rule: 'response-header-added', old: { responses: { 200: obj({}) } }, now: responseHeaders(obj({ 'x-total': int })), location: 'response headers', path: 'x-total' },
  { rule: 'response-header-became-optional', old: responseHeaders(obj({ etag: str }, ['etag'])), now: responseHeaders(obj({ etag: str })), location: 'response headers', path: 'etag' },
  { rule: 'response-header-became-required', old: responseHeaders(obj({ etag: str })), now: responseHeaders(obj({ etag: str }, ['etag'])), location: 'response headers', path: 'etag' },
  { rule: 'response-property-removed', old: response(obj({ a: str, b: str }, ['a', 'b'])), now: response(obj({ a: str }, ['a'])), location: 'response 200', path: 'b' },
  { rule: 'response-optional-property-removed', old: response(obj({ a: str, b: str }, ['a'])), now: response(obj({ a: str }, ['a'])), location: 'response 200', path: 'b' },
  { rule: 'response-property-renamed', old: response(obj({ name: str }, ['name'])), now: response(obj({ title: str }, ['title'])), location: 'response 200', path: 'name' },
  { rule: 'response-property-added', old: response(obj({ a: str }, ['a'])), now: response(obj({ a: str, b: int }, ['a', 'b'])), location: 'response 200', path: 'b' },
  { rule: 'response-property-added-to-closed-object', old: response(obj({ a: str }, ['a'], { additionalProperties: false })), now: response(obj({ a: str, b: int }, ['a', 'b'], { additionalProperties: false })), location: 'response 200', path: 'b' },
  { rule: 'response-property-became-optional', old: response(obj({ a: str }, ['a'])), now: response(obj({ a: str })), location: 'response 200', path: 'a' },
  { rule: 'response-property-became-required', old: response(obj({ a: str })), now: response(obj({ a: str }, ['a'])), location: 'response 200', path: 'a' },
  { rule: 'response-type-changed', ...field('response', int, str) },
  { rule: 'response-type-widened', ...field('response', int, num) },
  { rule: 'response-type-narrowed', ...field('response', { type: ['string', 'integer'] }, str) },
  { rule: 'response-became-nullable', ...field('response', { type: 'string', format: 'date-time' }, nullable({ type: 'string', format: 'date-time' })) },
  { rule: 'response-null-removed', ...field('response', nullable(str), str) },
  { rule: 'response-enum-value-added', ...field('response', enumOf('article', 'video'), enumOf('article', 'video', 'podcast')) },
  { rule: 'response-enum-value-removed', ...field('response', enumOf('a', 'b'), enumOf('a')) },
  { rule: 'response-enum-removed', ...field('response', enumOf('a', 'b'), str) },
  { rule: 'response-enum-added', ...field('response', str, enumOf('a')) },
  { rule: 'response-additional-properties-allowed', ...field('response', obj({}, [], { additionalProperties: false }), obj({})) },
  { rule: 'response-additional-properties-refused', ...field('response', obj({}), obj({}, [], { additionalProperties: false })) },
  { rule: 'response-additional-properties-changed', ...field('response', obj({}), obj({}, [], { additionalProperties: int })) },
  { rule: 'response-pattern-added', ...field('response', str, { type: 'string', pattern: '^[A-Z]{3}$' }) },
  { rule: 'response-pattern-changed', ...field('response', { type: 'string', pattern: '^[A-Z]{3}$' }, { type: 'string', pattern: '^[A-Z]{3,4}$' }) },
  { rule: 'response-pattern-removed', ...field('response', { type: 'string', pattern: '^[A-Z]{3}$' }, str) },
  { rule: 'response-format-added', ...field('response', str, { type: 'string', format: 'uri' }) },
  { rule: 'response-format-changed', ...field('response', { type: 'string', format: 'date' }, { type: 'string', format: 'date-time' }) },
  { rule: 'response-format-removed', ...field('response', { type: 'string', format: 'uri' }, str) },
  { rule: 'response-multiple-of-changed', ...field('response', { type: 'integer', multipleOf: 10 }, { type: 'integer', multipleOf: 5 }) },
  { rule: 'response-multiple-of-tightened', ...field('response', { type: 'integer', multipleOf: 5 }, { type: 'integer', multipleOf: 10 }) },
  { rule: 'response-unique-items-removed', ...field('response', { type: 'array', items: str, uniqueItems: true }, { type: 'array', items: str }) },
  { rule: 'response-unique-items-added', ...field('response', { type: 'array', items: str }, { type: 'array', items: str, uniqueItems: true }) },
  { rule: 'response-tuple-changed', ...field('response', { type: 'array', items: [str, int] }, { type: 'array', items: [str, int, int] }) },
  { rule: 'response-variant-added', ...field('response', variants(A, B), variants(A, B, C)) },
  { rule: 'response-variant-removed', ...field('response', variants(A, B, C), variants(A, B)) },
  { rule: 'schema-keyword-changed', ...field('response', { type: 'string', contentEncoding: 'base64' }, str) },
  // Routes
  { rule: 'route-removed', old: { responses: { 200: obj({}) } }, now: { responses: {} }, location: '', path: '' },
  { rule: 'route-added', old: { responses: { 200: obj({}) } }, now: { responses: { 200: obj({}) } }, location: '', path: '' }
]

// Bounds: each can be added, removed, raised and lowered, on either side.
const VALUES: Record<Bound, [S, number, number]> = {
  maxLength: [str, 10, 20],
  minLength: [str, 1, 2],
  maximum: [int, 50, 100],
  minimum: [int, 0, 1],
  exclusiveMaximum: [num, 50, 100],
  exclusiveMinimum: [num, 0, 1],
  maxItems: [{ type: 'array', items: str }, 5, 10],
  minItems: [{ type: 'array', items: str }, 1, 2],
  maxProperties: [obj({}), 5, 10],
  minProperties: [obj({}), 1, 2]
}
for (const bound of Object.keys(BOUNDS) as Bound[]) {
  const [base, low, high] = VALUES[bound]
  for (const side of ['request', 'response'] as const) {
    cases.push(
      { rule: boundRuleId(side, bound, 'added'), ...field(side, base, { ...base, [bound]: low }) },
      { rule: boundRuleId(side, bound, 'removed'), ...field(side, { ...base, [bound]: low }, base) },
      { rule: boundRuleId(side, bound, 'increased'), ...field(side, { ...base, [bound]: low }, { ...base, [bound]: high }) },
      { rule: boundRuleId(side, bound, 'decreased'), ...field(side, { ...base, [bound]: high }, { ...base, [bound]: low }) }
    )
  }
}

const seen = new Set<string>()

t.test('each rule of the catalogue, on the change it names', async (t) => {
  for (const c of cases) {
    const route = c.rule === 'route-added' ? 'GET /y' : 'POST /x'
    const frozen = contract(c.rule === 'route-removed' ? { 'POST /x': c.old } : { 'POST /x': c.old })
    const today = contract(c.rule === 'route-removed' ? {} : c.rule === 'route-added' ? { 'POST /x': c.now, 'GET /y': c.now } : { 'POST /x': c.now })
    const findings = compareContracts(frozen, today)
    const found = findings.find((f) => f.rule === c.rule)
    t.ok(found, `${c.rule}: found among ${findings.map((f) => f.rule).join(', ') || 'nothing'}`)
    if (found === undefined) continue
    seen.add(c.rule)
    t.match(found, { severity: RULES.get(c.rule)?.severity, route, location: c.location, path: c.path }, c.rule)
    t.not(found.before, found.after, `${c.rule} says what changed`)
  }
})

t.test('the route-level and contract-level rules', async (t) => {
  const renamed = compareContracts(contract({ 'GET /a/:id': { params: obj({ id: str }, ['id']), responses: { 200: obj({}) } } }),
    contract({ 'GET /a/:articleId': { params: obj({ articleId: str }, ['articleId']), responses: { 200: obj({}) } } }))
  t.same(renamed.map((f) => [f.rule, f.severity, f.before, f.after]), [['route-path-parameter-renamed', 'INFO', 'GET /a/:id', 'GET /a/:articleId']],
    'the URL apps call is the same: one INFO, and the parameter is not reported as removed')
  seen.add('route-path-parameter-renamed')
  // contract-not-frozen and contract-dropped come of the snapshot folder: test/compatibility/check.test.ts.
  seen.add('contract-not-frozen').add('contract-dropped')
})

t.test('words and order are not changes', async (t) => {
  const before = contract({
    'GET /a': { summary: 'A', querystring: obj({ q: { type: 'string', description: 'what to find' } }), responses: { 200: obj({ a: str, b: int }, ['a', 'b']) } }
  })
  const after = contract({
    'GET /a': { summary: 'Another summary', querystring: obj({ q: { type: 'string', description: 'the words', examples: ['news'] } }), responses: { 200: { title: 'Thing', required: ['b', 'a'], properties: { b: int, a: { ...str, $comment: 'x' } }, type: 'object' } } }
  })
  t.same(compareContracts(before, after), [], 'descriptions, examples, titles, summaries and the order of properties and of required')
})

t.test('the error shape is compared as a response every route may answer', async (t) => {
  const findings = compareContracts(contract({}, obj({ message: str, code: int }, ['message', 'code'])), contract({}, obj({ message: str }, ['message'])))
  t.match(findings, [{ rule: 'response-property-removed', severity: 'ERR', route: '*', location: 'error', path: 'code' }])
})

t.test('findings name the field deep in a structure', async (t) => {
  const page = (article: S) => response(obj({ items: { type: 'array', items: article } }, ['items']))
  const findings = compareContracts(contract({ 'GET /articles': page(obj({ price: int }, ['price'])) }), contract({ 'GET /articles': page(obj({ price: str }, ['price'])) }))
  t.match(findings, [{ rule: 'response-type-changed', path: 'items[].price', before: 'integer', after: 'string' }])
  const records = compareContracts(contract({ 'GET /m': response(obj({}, [], { additionalProperties: obj({ n: int }, ['n']) })) }),
    contract({ 'GET /m': response(obj({}, [], { additionalProperties: obj({}, []) })) }))
  t.match(records, [{ rule: 'response-property-removed', path: '*.n' }])
  const patterned = (s: S) => response(obj({}, [], { patternProperties: { '^x-': s } }))
  t.match(compareContracts(contract({ 'GET /p': patterned(str) }), contract({ 'GET /p': patterned(int) })), [{ rule: 'response-type-changed', path: '[^x-]' }])
  t.match(compareContracts(contract({ 'GET /p': patterned(str) }), contract({ 'GET /p': response(obj({})) })), [{ rule: 'schema-keyword-changed', path: '[^x-] (patternProperties)' }])
  const tuple = (a: S) => response({ type: 'array', items: [str, a] })
  t.match(compareContracts(contract({ 'GET /t': tuple(int) }), contract({ 'GET /t': tuple(str) })), [{ rule: 'response-type-changed', path: '[1]' }])
})

t.test('TypeBox shapes: Intersect, any, enum keyword, literals of other types', async (t) => {
  const intersect = { allOf: [obj({ a: str }, ['a']), obj({ b: int }, ['b'])], unevaluatedProperties: false }
  t.match(compareContracts(contract({ 'GET /i': response(intersect) }), contract({ 'GET /i': response(obj({ a: str }, ['a'], { additionalProperties: false })) })),
    [{ rule: 'response-property-removed', path: 'b' }])
  t.match(compareContracts(contract({ 'GET /u': response(obj({ v: {} }, ['v'])) }), contract({ 'GET /u': response(obj({ v: str }, ['v'])) })),
    [{ rule: 'response-type-narrowed', before: 'any', after: 'string' }])
  t.match(compareContracts(contract({ 'GET /u': response(obj({ v: str }, ['v'])) }), contract({ 'GET /u': response(obj({ v: {} }, ['v'])) })),
    [{ rule: 'response-type-widened', before: 'string', after: 'any' }])
  t.same(compareContracts(contract({ 'GET /u': body(obj({ v: { default: 1 } })) }), contract({ 'GET /u': body(obj({ v: { default: 1, description: 'x' } })) })), [])
  t.match(compareContracts(contract({ 'GET /e': response(obj({ v: { enum: [1, 2] } }, ['v'])) }), contract({ 'GET /e': response(obj({ v: { enum: [1, 2, 3] } }, ['v'])) })),
    [{ rule: 'response-enum-value-added', before: '1 | 2', after: '1 | 2 | 3' }])
  t.match(compareContracts(contract({ 'GET /l': response(obj({ ok: { const: true } }, ['ok'])) }), contract({ 'GET /l': response(obj({ ok: { type: 'boolean' } }, ['ok'])) })),
    [{ rule: 'response-enum-removed' }])
  t.same(compareContracts(contract({ 'GET /n': response(obj({ v: { anyOf: [str, { const: 'x', type: 'string' }] } }, ['v'])) }), contract({ 'GET /n': response(obj({ v: str }, ['v'])) })),
    [], 'a literal beside a free string of its type adds nothing')
  t.same(compareContracts(contract({ 'GET /p': response(obj({ p: obj({ a: str }, ['a']) }, ['p'])) }), contract({ 'GET /p': response(obj({ p: { properties: { a: str }, required: ['a'] } }, ['p'])) })),
    [], 'an object without its type keyword')
  t.match(compareContracts(contract({ 'GET /never': response(obj({ v: str }, ['v'])) }), contract({ 'GET /never': response(obj({ v: { not: {} } }, ['v'])) })),
    [{ rule: 'response-type-narrowed' }], 'TypeBox\'s Never')
  t.match(compareContracts(contract({ 'GET /never': response(obj({ v: str }, ['v'])) }), contract({ 'GET /never': response(obj({ v: false as unknown as S }, ['v'])) })),
    [{ rule: 'response-type-narrowed' }])
})

t.test('a deployment sets its own severities: strict decoders make additions breaking', async (t) => {
  const old = contract({ 'GET /a': response(obj({ a: str }, ['a'])) })
  const now = contract({ 'GET /a': response(obj({ a: str, b: str }, ['a', 'b'])) })
  t.match(compareContracts(old, now), [{ rule: 'response-property-added', severity: 'INFO' }])
  t.match(compareContracts(old, now, { 'response-property-added': 'ERR' }), [{ rule: 'response-property-added', severity: 'ERR' }])
})

t.test('every rule of the catalogue has a case here', async (t) => {
  t.same([...RULES.keys()].filter((id) => !seen.has(id)), [])
})


t.test('docs/compatibility-rules.md lists every rule with its severity', async (t) => {
  const { readFile } = await import('node:fs/promises')
  const doc = await readFile(new URL('../../docs/compatibility-rules.md', import.meta.url), 'utf8')
  const listed = new Map([...doc.matchAll(/^\| `([a-z-]+)` \| (ERR|WARN|INFO) \|/gm)].map((m) => [m[1], m[2]]))
  t.same([...RULES.values()].filter((r) => listed.get(r.id) !== r.severity).map((r) => r.id), [], 'every rule, at its severity')
  t.same([...listed.keys()].filter((id) => !RULES.has(id)), [], 'no rule the catalogue lacks')
})
