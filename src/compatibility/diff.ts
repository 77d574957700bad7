import { isDeepStrictEqual } from 'node:util'
import { schemaShape } from '../engine/index.js'
import { boundRuleId, RULES, type Bound, type Severity, type SeverityOverrides } from './rules.js'

// Compares a frozen contract (what a version's apps were built against) with the contract the
// gateway serves that version today, route by route and field by field, and names every
// difference by a rule of the catalogue. Both sides are plain JSON Schema, as contracts freeze.
//
// The question is never "did the schema change" but "does an app built against the old one still
// work": a request must accept everything it accepted (new ⊇ old), a response must send nothing
// the app cannot read (new ⊆ old). So each comparison knows its side.

type Schema = Record<string, unknown>
type Side = 'request' | 'response'

/** A contract as frozen: see `contractSnapshot`. */
export interface FrozenContract {
  version: string
  error: unknown
  routes: Record<string, FrozenRoute>
}

export interface FrozenRoute {
  summary?: string
  params?: unknown
  querystring?: unknown
  headers?: unknown
  body?: unknown
  responses: Record<string, unknown>
  responseHeaders?: unknown
}

export interface Finding {
  readonly rule: string
  readonly severity: Severity
  /** `GET /articles`; `*` for the contract as a whole (its error shape, its presence). */
  readonly route: string
  /** `body`, `query`, `path`, `headers`, `response 200`, `response headers`, `error`; '' for the route itself. */
  readonly location: string
  /** The field: `items[].price_cents`; '' for the whole location. */
  readonly path: string
  readonly before: string
  readonly after: string
}

interface Where {
  readonly side: Side
  readonly route: string
  readonly location: string
  readonly path: string
  /** The top level of the path, query or headers: its properties are parameters, not fields. */
  readonly parameters: boolean
}

// Words about a schema, not its shape: rewording them breaks nobody. Unlike the boot's check of
// error shapes, `default` is shape here: a request's default changed is a finding of its own.
const ANNOTATIONS = new Set(['title', 'description', 'examples', 'example', '$comment', '$id', 'deprecated', 'readOnly', 'writeOnly'])

/** A schema without its annotations, so that equal shapes compare equal. */
export const shapeOf = (schema: unknown): unknown => schema === undefined ? undefined : schemaShape(schema, ANNOTATIONS)

const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(shapeOf(a), shapeOf(b))

type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array' | 'any'

/** One alternative of a schema: a union is several, and an enum restricts one to `values`. */
interface Branch {
  kind: Kind
  schema: Schema
  values?: unknown[]
}

const kindOfValue = (value: unknown): Kind =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value as Kind

/** `allOf` of objects, as TypeBox's Intersect writes them: one object with every property. */
function mergeAll (parts: unknown[]): Schema {
  const merged: Schema = { type: 'object', properties: {}, required: [] }
  for (const part of parts as Schema[]) {
    Object.assign(merged.properties as Schema, part.properties)
    ;(merged.required as string[]).push(...((part.required as string[] | undefined) ?? []))
    if (part.additionalProperties === false || part.unevaluatedProperties === false) merged.additionalProperties = false
  }
  return merged
}

function branchesOf (schema: unknown): Branch[] {
  if (schema === true || schema === undefined) return [{ kind: 'any', schema: {} }]
  if (typeof schema !== 'object' || schema === null) return []
  const s = schema as Schema
  if (typeof s.not === 'object' && s.not !== null && Object.keys(s.not).length === 0) return [] // never: TypeBox's Never
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined
  if (Array.isArray(union)) return union.flatMap(branchesOf)
  if (Array.isArray(s.allOf)) return branchesOf({ ...mergeAll(s.allOf), ...withoutKeys(s, ['allOf', 'unevaluatedProperties']) })
  if ('const' in s) return [{ kind: typeOf(s) ?? kindOfValue(s.const), schema: s, values: [s.const] }]
  if (Array.isArray(s.enum)) return s.enum.map((value) => ({ kind: typeOf(s) ?? kindOfValue(value), schema: s, values: [value] }))
  if (Array.isArray(s.type)) return s.type.map((type) => ({ kind: type as Kind, schema: { ...s, type } }))
  const kind = typeOf(s) ?? (s.properties !== undefined ? 'object' : s.items !== undefined ? 'array' : 'any')
  return [{ kind, schema: s }]
}

function typeOf (s: Schema): Kind | undefined {
  return typeof s.type === 'string' ? s.type as Kind : undefined
}

function withoutKeys (s: Schema, keys: string[]): Schema {
  return Object.fromEntries(Object.entries(s).filter(([k]) => !keys.includes(k)))
}

/**
 * The branches of each kind. Enum members of one kind become one branch with their values; a
 * member of a kind that also has a free branch adds nothing (the free one accepts it).
 */
function byKind (schema: unknown): Map<Kind, Branch[]> {
  const out = new Map<Kind, Branch[]>()
  for (const branch of branchesOf(schema)) {
    const list = out.get(branch.kind) ?? []
    list.push(branch)
    out.set(branch.kind, list)
  }
  for (const [kind, list] of out) {
    const free = list.filter((b) => b.values === undefined)
    const unique = free.filter((b, i) => free.findIndex((other) => same(other.schema, b.schema)) === i)
    if (unique.length > 0) out.set(kind, unique)
    else out.set(kind, [{ kind, schema: withoutKeys(list[0].schema, ['const', 'enum']), values: [...new Set(list.flatMap((b) => b.values as unknown[]))] }])
  }
  return out
}

const show = (value: unknown): string => JSON.stringify(value)
const showKinds = (kinds: Iterable<Kind>): string => [...kinds].join(' | ')
const showValues = (values: unknown[]): string => values.map(show).join(' | ')
const ABSENT = '(none)'

class Comparison {
  readonly findings: Finding[] = []

  constructor (private readonly severities: SeverityOverrides) {}

  report (rule: string, where: Pick<Where, 'route' | 'location' | 'path'>, before: string, after: string): void {
    const known = RULES.get(rule)
    /* c8 ignore next -- a rule id this file names that the catalogue lacks is a bug here */
    if (known === undefined) throw new Error(`no compatibility rule ${rule}`)
    this.findings.push({ rule, severity: this.severities[rule] ?? known.severity, route: where.route, location: where.location, path: where.path, before, after })
  }

  /** Any two schemas of one side. */
  schema (old: unknown, now: unknown, where: Where): void {
    if (same(old, now)) return
    const before = byKind(old)
    const after = byKind(now)
    if (before.has('any') || after.has('any')) return this.anything(before, after, where)
    const side = where.side
    const beforeKinds = showKinds(before.keys())
    const numbers = pairNumbers(before, after)
    if (numbers !== null) this.report(`${side}-type-${numbers}`, where, beforeKinds, showKinds(after.keys()))
    const lost = [...before.keys()].filter((k) => !after.has(k))
    const gained = [...after.keys()].filter((k) => !before.has(k))
    const lostTypes = lost.filter((k) => k !== 'null')
    const gainedTypes = gained.filter((k) => k !== 'null')
    if (lostTypes.length === 1 && gainedTypes.length === 1) {
      this.report(`${side}-type-changed`, where, showKinds(lostTypes), showKinds(gainedTypes))
    } else {
      if (gainedTypes.length > 0) this.report(`${side}-type-widened`, where, beforeKinds, showKinds(after.keys()))
      if (lostTypes.length > 0) this.report(`${side}-type-narrowed`, where, beforeKinds, showKinds(after.keys()))
    }
    if (gained.includes('null')) this.report(side === 'request' ? 'request-null-accepted' : 'response-became-nullable', where, beforeKinds, showKinds(after.keys()))
    if (lost.includes('null')) this.report(side === 'request' ? 'request-null-refused' : 'response-null-removed', where, beforeKinds, showKinds(after.keys()))
    for (const [kind, olds] of before) {
      const nows = after.get(kind)
      if (nows !== undefined) this.kind(olds, nows, where)
    }
  }

  /** `{}` (any value) on either side. */
  private anything (before: Map<Kind, Branch[]>, after: Map<Kind, Branch[]>, where: Where): void {
    const oldAny = before.has('any')
    const newAny = after.has('any')
    if (oldAny && newAny) return this.defaults(before.get('any')![0].schema, after.get('any')![0].schema, where)
    const move = oldAny ? 'narrowed' : 'widened'
    this.report(`${where.side}-type-${move}`, where, oldAny ? 'any' : showKinds(before.keys()), newAny ? 'any' : showKinds(after.keys()))
  }

  /** The branches of one kind on both sides. */
  private kind (olds: Branch[], nows: Branch[], where: Where): void {
    if (olds.length === 1 && nows.length === 1) return this.branch(olds[0], nows[0], where)
    // Several objects (or arrays) in one union: which is which cannot be told, so a variant is
    // the same only when it is equal, and any other is one gained and one lost.
    for (const now of nows) {
      if (!olds.some((old) => same(old.schema, now.schema))) this.report(`${where.side}-variant-added`, where, `${olds.length} ${now.kind} variants`, show(shapeOf(now.schema)))
    }
    for (const old of olds) {
      if (!nows.some((now) => same(old.schema, now.schema))) this.report(`${where.side}-variant-removed`, where, show(shapeOf(old.schema)), `${nows.length} ${old.kind} variants`)
    }
  }

  private branch (old: Branch, now: Branch, where: Where): void {
    const side = where.side
    if (old.values !== undefined || now.values !== undefined) {
      if (old.values !== undefined && now.values !== undefined) {
        const added = now.values.filter((v) => !old.values!.some((o) => isDeepStrictEqual(o, v)))
        const removed = old.values.filter((v) => !now.values!.some((n) => isDeepStrictEqual(n, v)))
        if (added.length > 0) this.report(`${side}-enum-value-added`, where, showValues(old.values), showValues(now.values))
        if (removed.length > 0) this.report(`${side}-enum-value-removed`, where, showValues(old.values), showValues(now.values))
      } else if (old.values !== undefined) {
        this.report(`${side}-enum-removed`, where, showValues(old.values), `any ${now.kind}`)
      } else {
        this.report(`${side}-enum-added`, where, `any ${old.kind}`, showValues(now.values!))
      }
      return this.defaults(old.schema, now.schema, where)
    }
    const handled = new Set(['type', 'const', 'enum', 'default'])
    const o = old.schema
    const n = now.schema
    const bounds: Bound[] = []
    if (old.kind === 'string') {
      bounds.push('minLength', 'maxLength')
      this.constraint('pattern', o.pattern, n.pattern, where)
      this.constraint('format', o.format, n.format, where)
      handled.add('pattern').add('format')
    } else if (old.kind === 'number' || old.kind === 'integer') {
      bounds.push('minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum')
      this.multipleOf(o.multipleOf as number | undefined, n.multipleOf as number | undefined, where)
      handled.add('multipleOf')
    } else if (old.kind === 'array') {
      bounds.push('minItems', 'maxItems')
      this.array(o, n, where)
      for (const k of ['items', 'prefixItems', 'additionalItems', 'uniqueItems']) handled.add(k)
    } else if (old.kind === 'object') {
      bounds.push('minProperties', 'maxProperties')
      this.object(o, n, where)
      for (const k of ['properties', 'required', 'additionalProperties', 'patternProperties']) handled.add(k)
    }
    for (const bound of bounds) {
      this.bound(bound, o[bound] as number | undefined, n[bound] as number | undefined, where)
      handled.add(bound)
    }
    this.defaults(o, n, where)
    // Whatever no rule reads is still compared: a change nobody classified is a WARN, never silence.
    for (const key of new Set([...Object.keys(o), ...Object.keys(n)])) {
      if (handled.has(key) || ANNOTATIONS.has(key) || same(o[key], n[key])) continue
      this.report('schema-keyword-changed', { ...where, path: where.path === '' ? `(${key})` : `${where.path} (${key})` }, o[key] === undefined ? ABSENT : show(o[key]), n[key] === undefined ? ABSENT : show(n[key]))
    }
  }

  private defaults (o: Schema, n: Schema, where: Where): void {
    if (where.side === 'request' && !isDeepStrictEqual(o.default, n.default)) {
      this.report('request-default-changed', where, o.default === undefined ? ABSENT : show(o.default), n.default === undefined ? ABSENT : show(n.default))
    }
  }

  private bound (bound: Bound, old: number | undefined, now: number | undefined, where: Where): void {
    if (old === now) return
    const move = old === undefined ? 'added' : now === undefined ? 'removed' : now > old ? 'increased' : 'decreased'
    this.report(boundRuleId(where.side, bound, move), where, old === undefined ? ABSENT : `${bound} ${old}`, now === undefined ? ABSENT : `${bound} ${now}`)
  }

  /** pattern and format: any new one may refuse (request) or break a parser (response). */
  private constraint (keyword: 'pattern' | 'format', old: unknown, now: unknown, where: Where): void {
    if (old === now) return
    const move = old === undefined ? 'added' : now === undefined ? 'removed' : 'changed'
    this.report(`${where.side}-${keyword}-${move}`, where, old === undefined ? ABSENT : show(old), now === undefined ? ABSENT : show(now))
  }

  private multipleOf (old: number | undefined, now: number | undefined, where: Where): void {
    if (old === now) return
    const divides = (a: number, b: number) => Number.isInteger(b / a)
    const before = old === undefined ? ABSENT : `multipleOf ${old}`
    const after = now === undefined ? ABSENT : `multipleOf ${now}`
    if (where.side === 'request') {
      // Every value apps send is a multiple of `old`: still accepted when `now` divides it.
      const fine = now === undefined || (old !== undefined && divides(now, old))
      this.report(fine ? 'request-multiple-of-loosened' : 'request-multiple-of-changed', where, before, after)
    } else {
      const fine = old === undefined || (now !== undefined && divides(old, now))
      this.report(fine ? 'response-multiple-of-tightened' : 'response-multiple-of-changed', where, before, after)
    }
  }

  private array (o: Schema, n: Schema, where: Where): void {
    const side = where.side
    const item = { ...where, path: `${where.path}[]`, parameters: false }
    if (Array.isArray(o.items) || Array.isArray(n.items) || Array.isArray(o.prefixItems) || Array.isArray(n.prefixItems)) {
      const oldTuple = (o.prefixItems ?? o.items) as unknown[]
      const newTuple = (n.prefixItems ?? n.items) as unknown[]
      if (!Array.isArray(oldTuple) || !Array.isArray(newTuple) || oldTuple.length !== newTuple.length) {
        this.report(`${side}-tuple-changed`, where, Array.isArray(oldTuple) ? `${oldTuple.length} items` : 'an array', Array.isArray(newTuple) ? `${newTuple.length} items` : 'an array')
        return
      }
      oldTuple.forEach((schema, i) => { this.schema(schema, newTuple[i], { ...where, path: `${where.path}[${i}]`, parameters: false }) })
    } else {
      this.schema(o.items, n.items, item)
    }
    if (o.uniqueItems !== n.uniqueItems) {
      const nowUnique = n.uniqueItems === true
      this.report(`${side}-unique-items-${nowUnique ? 'added' : 'removed'}`, where, `uniqueItems ${String(o.uniqueItems === true)}`, `uniqueItems ${String(nowUnique)}`)
    }
  }

  private object (o: Schema, n: Schema, where: Where): void {
    const side = where.side
    const oldProps = (o.properties ?? {}) as Schema
    const newProps = (n.properties ?? {}) as Schema
    const oldRequired = new Set((o.required ?? []) as string[])
    const newRequired = new Set((n.required ?? []) as string[])
    const at = (name: string) => ({ ...where, path: where.path === '' ? name : `${where.path}.${name}`, parameters: false })
    const describe = (schema: unknown, required: boolean) => `${required ? 'required' : 'optional'} ${showKinds(byKind(schema).keys())}`
    let removed = Object.keys(oldProps).filter((k) => !(k in newProps))
    let added = Object.keys(newProps).filter((k) => !(k in oldProps))
    const headers = where.location.endsWith('headers')
    const noun = where.parameters ? (headers && side === 'response' ? 'header' : 'parameter') : 'property'

    // A field gone and one come with the same shape is one rename, and is reported as one.
    for (const name of [...removed]) {
      const match = added.filter((k) => same(oldProps[name], newProps[k]) && oldRequired.has(name) === newRequired.has(k))
      if (match.length !== 1) continue
      const rule = side === 'request' ? (where.parameters ? 'request-parameter-renamed' : 'request-property-renamed') : 'response-property-renamed'
      this.report(rule, at(name), name, match[0])
      removed = removed.filter((k) => k !== name)
      added = added.filter((k) => k !== match[0])
    }
    for (const name of removed) {
      const required = oldRequired.has(name)
      let rule: string
      if (side === 'response') rule = noun === 'header' ? (required ? 'response-header-removed' : 'response-optional-header-removed') : (required ? 'response-property-removed' : 'response-optional-property-removed')
      else if (where.parameters) rule = 'request-parameter-removed'
      else rule = n.additionalProperties === false ? 'request-property-removed' : 'request-property-ignored'
      this.report(rule, at(name), describe(oldProps[name], required), ABSENT)
    }
    for (const name of added) {
      const required = newRequired.has(name)
      let rule: string
      if (side === 'response') rule = noun === 'header' ? 'response-header-added' : o.additionalProperties === false ? 'response-property-added-to-closed-object' : 'response-property-added'
      else rule = `request-${required ? 'required' : 'optional'}-${noun}-added`
      this.report(rule, at(name), ABSENT, describe(newProps[name], required))
    }
    for (const name of Object.keys(oldProps)) {
      if (!(name in newProps)) continue
      const was = oldRequired.has(name)
      const is = newRequired.has(name)
      if (was !== is) {
        const subject = side === 'request' ? `request-${noun}` : noun === 'header' ? 'response-header' : 'response-property'
        this.report(`${subject}-became-${is ? 'required' : 'optional'}`, at(name), was ? 'required' : 'optional', is ? 'required' : 'optional')
      }
      this.schema(oldProps[name], newProps[name], at(name))
    }
    this.additional(o, n, where)
    const oldPatterns = (o.patternProperties ?? {}) as Schema
    const newPatterns = (n.patternProperties ?? {}) as Schema
    for (const pattern of new Set([...Object.keys(oldPatterns), ...Object.keys(newPatterns)])) {
      const path = { ...where, path: `${where.path}[${pattern}]`, parameters: false }
      if (pattern in oldPatterns && pattern in newPatterns) this.schema(oldPatterns[pattern], newPatterns[pattern], path)
      else this.report('schema-keyword-changed', { ...path, path: `${path.path} (patternProperties)` }, pattern in oldPatterns ? show(shapeOf(oldPatterns[pattern])) : ABSENT, pattern in newPatterns ? show(shapeOf(newPatterns[pattern])) : ABSENT)
    }
  }

  private additional (o: Schema, n: Schema, where: Where): void {
    const old = o.additionalProperties
    const now = n.additionalProperties
    if (same(old, now)) return
    const side = where.side
    const oldClosed = old === false
    const newClosed = now === false
    const show = (v: unknown) => v === false ? 'refused' : v === undefined || v === true ? 'allowed' : 'a schema'
    if (oldClosed !== newClosed) {
      this.report(`${side}-additional-properties-${newClosed ? 'refused' : 'allowed'}`, where, show(old), show(now))
    } else if (typeof old === 'object' && typeof now === 'object') {
      this.schema(old, now, { ...where, path: where.path === '' ? '*' : `${where.path}.*`, parameters: false })
    } else {
      this.report(`${side}-additional-properties-changed`, where, show(old), show(now))
    }
  }
}

/**
 * An integer where a number was, or the reverse, is one value space made larger or smaller, not
 * another type: the two are compared as one kind, and the move is returned to be reported.
 */
function pairNumbers (before: Map<Kind, Branch[]>, after: Map<Kind, Branch[]>): 'widened' | 'narrowed' | null {
  for (const [from, to] of [['integer', 'number'], ['number', 'integer']] as const) {
    if (before.has(from) && !before.has(to) && after.has(to) && !after.has(from)) {
      before.set(to, before.get(from)!.map((b) => ({ ...b, kind: to })))
      before.delete(from)
      return to === 'number' ? 'widened' : 'narrowed'
    }
  }
  return null
}

const EMPTY = { type: 'object', properties: {} }
const paramNames = (key: string): string[] => [...key.matchAll(/:([^/]+)/g)].map((m) => m[1])
const routeShape = (key: string): string => key.replace(/:[^/]+/g, ':')

/** The old route's path parameters under the new route's names (`:id` -> `:articleId`). */
function renameParams (params: unknown, from: string[], to: string[]): unknown {
  if (typeof params !== 'object' || params === null) return params
  const s = params as Schema
  const rename = (name: string) => { const i = from.indexOf(name); return i === -1 ? name : to[i] }
  return {
    ...s,
    ...(s.properties === undefined ? {} : { properties: Object.fromEntries(Object.entries(s.properties as Schema).map(([k, v]) => [rename(k), v])) }),
    ...(s.required === undefined ? {} : { required: (s.required as string[]).map(rename) })
  }
}

function compareRoute (c: Comparison, route: string, old: FrozenRoute, now: FrozenRoute): void {
  const request = (location: string, parameters: boolean) => ({ side: 'request' as const, route, location, path: '', parameters })
  c.schema(old.params ?? EMPTY, now.params ?? EMPTY, request('path', true))
  c.schema(old.querystring ?? EMPTY, now.querystring ?? EMPTY, request('query', true))
  c.schema(old.headers ?? EMPTY, now.headers ?? EMPTY, request('headers', true))
  if (old.body === undefined && now.body !== undefined) c.report('request-body-added', request('body', false), ABSENT, 'a body')
  else if (old.body !== undefined && now.body === undefined) c.report('request-body-removed', request('body', false), 'a body', ABSENT)
  else if (old.body !== undefined) c.schema(old.body, now.body, request('body', false))

  for (const [status, schema] of Object.entries(old.responses)) {
    const where = { side: 'response' as const, route, location: `response ${status}`, path: '', parameters: false }
    if (!(status in now.responses)) c.report('response-status-removed', where, status, ABSENT)
    else c.schema(schema, now.responses[status], where)
  }
  for (const status of Object.keys(now.responses)) {
    if (!(status in old.responses)) c.report('response-status-added', { route, location: `response ${status}`, path: '' }, ABSENT, status)
  }
  c.schema(old.responseHeaders ?? EMPTY, now.responseHeaders ?? EMPTY, { side: 'response', route, location: 'response headers', path: '', parameters: true })
}

/** Every finding between what a version's apps were built against and what it is served today. */
export function compareContracts (frozen: FrozenContract, current: FrozenContract, severities: SeverityOverrides = {}): Finding[] {
  const c = new Comparison(severities)
  c.schema(frozen.error, current.error, { side: 'response', route: '*', location: 'error', path: '', parameters: false })
  const matched = new Set<string>()
  for (const [key, old] of Object.entries(frozen.routes)) {
    let now = current.routes[key]
    let served = key
    if (now === undefined) {
      // Same method and path with other parameter names: the URL apps call is the same.
      served = Object.keys(current.routes).find((k) => !(k in frozen.routes) && routeShape(k) === routeShape(key)) ?? key
      now = current.routes[served]
      if (now === undefined) {
        c.report('route-removed', { route: key, location: '', path: '' }, key, ABSENT)
        continue
      }
      c.report('route-path-parameter-renamed', { route: key, location: 'path', path: '' }, key, served)
      matched.add(served)
      compareRoute(c, key, { ...old, params: renameParams(old.params, paramNames(key), paramNames(served)) }, now)
      continue
    }
    matched.add(served)
    compareRoute(c, key, old, now)
  }
  for (const key of Object.keys(current.routes)) {
    if (!matched.has(key)) c.report('route-added', { route: key, location: '', path: '' }, ABSENT, key)
  }
  return c.findings
}
