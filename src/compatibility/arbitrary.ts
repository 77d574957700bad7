import fc from 'fast-check'

// Values from a contract schema, for property checks and for made-up data. It covers the JSON
// Schema that TypeBox writes for contracts/ and refuses any keyword it does not know: a value
// generated without honouring a keyword might be invalid, and a check built on it would lie.

export interface ArbitraryOptions {
  /**
   * Whether an object the schema leaves open (no `additionalProperties: false`) may carry
   * properties it does not name, as a client may send them. Off for what a contract promises.
   */
  extraProperties?: boolean
}

type Schema = Record<string, unknown>

// Words about a schema, not constraints on its values.
const ANNOTATIONS = ['title', 'description', 'examples', 'default', '$comment', '$id', 'summary']

const KEYWORDS: Record<string, readonly string[]> = {
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  integer: ['minimum', 'maximum'],
  number: ['minimum', 'maximum'],
  boolean: [],
  null: [],
  array: ['items', 'minItems', 'maxItems'],
  object: ['properties', 'required', 'additionalProperties']
}

function refuseUnknown (schema: Schema, known: readonly string[]): void {
  for (const key of Object.keys(schema)) {
    if (key !== 'type' && !known.includes(key) && !ANNOTATIONS.includes(key)) {
      throw new Error(`arbitraryOf: the keyword "${key}" is not supported (${JSON.stringify(schema)})`)
    }
  }
}

/** Code points, as Ajv counts minLength and maxLength. */
export const codePoints = (text: string): number => [...text].length

const codePoint = (min: number, max: number) =>
  fc.integer({ min, max }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c))

// Mostly readable ASCII, some of any script (astral code points count as one, as in Ajv).
const anyChar = fc.oneof({ arbitrary: codePoint(0x20, 0x7e), weight: 3 }, { arbitrary: codePoint(0, 0x10ffff), weight: 1 })
// Whitespace JavaScript's \s and trim() know, not only the space.
const whitespace = fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u2003', '\u3000')

/**
 * Text of three kinds, as steps that split or trim text must meet them: with no whitespace, with
 * some, and of whitespace only. Lengths range up to maxLength, not only short strings.
 */
function text (minLength: number, maxLength: number | undefined): fc.Arbitrary<string> {
  const size = maxLength === undefined ? undefined : 'max' as const
  return fc.oneof(...[anyChar, fc.oneof(anyChar, whitespace), whitespace]
    .map((unit) => fc.string({ unit, minLength, maxLength, size })))
}

const DAY = 24 * 60 * 60 * 1000
// Every year the formats allow, kept one day off the ends so an offset never leaves 0000-9999.
const instant = fc.integer({ min: Date.UTC(1, 0, 2), max: Date.UTC(9999, 11, 30) })

function timestamp (time: number, offsetMinutes: number, digits: number): string {
  const local = new Date(time + offsetMinutes * 60_000).toISOString()
  const fraction = digits === 0 ? '' : `.${local.slice(20, 23).padEnd(6, '0').slice(0, digits)}`
  if (offsetMinutes === 0) return `${local.slice(0, 19)}${fraction}Z`
  const abs = Math.abs(offsetMinutes)
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`
  return `${local.slice(0, 19)}${fraction}${offsetMinutes < 0 ? '-' : '+'}${hhmm}`
}

/**
 * RFC 3339 timestamps as cores write them: UTC or with an offset, with no fraction of a second
 * or up to six digits (PostgreSQL's microseconds), and now and then a leap second, which the
 * format allows at 23:59:60 UTC.
 */
const dateTime = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.tuple(instant, fc.oneof(fc.constant(0), fc.integer({ min: -14 * 60, max: 14 * 60 })), fc.integer({ min: 0, max: 6 }))
      .map(([time, offset, digits]) => timestamp(time, offset, digits))
  },
  {
    // The last second of a UTC day, written with any offset, as its 60th.
    weight: 1,
    arbitrary: fc.tuple(instant, fc.integer({ min: -14 * 60, max: 14 * 60 })).map(([time, offset]) => {
      const stamp = timestamp(Math.floor(time / DAY) * DAY + DAY - 1000, offset, 0)
      return `${stamp.slice(0, 17)}60${stamp.slice(19)}`
    })
  }
)

const FORMATS: Record<string, fc.Arbitrary<string>> = {
  'date-time': dateTime,
  date: instant.map((time) => new Date(time).toISOString().slice(0, 10)),
  // Ajv's email format is narrower than RFC 5322 (no quoted local parts): kept to what both allow.
  email: fc.tuple(fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,15}$/), fc.stringMatching(/^[a-z0-9]{1,10}(\.[a-z0-9]{1,10}){0,2}\.[a-z]{2,6}$/))
    .filter(([local]) => !local.endsWith('.') && !local.includes('..')).map(([local, domain]) => `${local}@${domain}`),
  uri: fc.webUrl({ withQueryParameters: true, withFragments: true })
}

function stringOf (schema: Schema): fc.Arbitrary<string> {
  refuseUnknown(schema, KEYWORDS.string)
  const minLength = (schema.minLength as number | undefined) ?? 0
  const maxLength = schema.maxLength as number | undefined
  const fits = (s: string) => codePoints(s) >= minLength && (maxLength === undefined || codePoints(s) <= maxLength)
  if (schema.format !== undefined) {
    const format = FORMATS[schema.format as string]
    if (format === undefined) throw new Error(`arbitraryOf: the format "${String(schema.format)}" is not supported`)
    return format.filter(fits)
  }
  // Ajv compiles patterns with the u flag.
  if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern as string, 'u')).filter(fits)
  return text(minLength, maxLength)
}

function objectOf (schema: Schema, options: ArbitraryOptions): fc.Arbitrary<Record<string, unknown>> {
  refuseUnknown(schema, KEYWORDS.object)
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const required = (schema.required ?? []) as string[]
  const model: Record<string, fc.Arbitrary<unknown>> = {}
  for (const [name, inner] of Object.entries(properties)) model[name] = arbitraryOf(inner, options)
  const declared = fc.record(model, { requiredKeys: required })
  if (options.extraProperties !== true || schema.additionalProperties === false) return declared
  const additional = typeof schema.additionalProperties === 'object' ? arbitraryOf(schema.additionalProperties, options) : unknownValue
  const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).filter((name) => !(name in properties)), additional, { maxKeys: 2 })
  return fc.tuple(declared, extra).map(([known, more]) => ({ ...more, ...known }))
}

// What `Type.Unknown()` ({}) admits: any JSON, kept small.
const unknownValue: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2 })

/** An arbitrary of the values `schema` admits. */
export function arbitraryOf (schema: unknown, options: ArbitraryOptions = {}): fc.Arbitrary<unknown> {
  if (typeof schema !== 'object' || schema === null) throw new Error(`arbitraryOf: not a schema: ${JSON.stringify(schema)}`)
  const s = schema as Schema
  if ('const' in s) return fc.constant(s.const)
  const union = s.anyOf ?? s.oneOf
  // An anyOf's branches may overlap; a oneOf's must not, and the contracts use only anyOf.
  if (s.oneOf !== undefined) throw new Error('arbitraryOf: oneOf is not supported (TypeBox unions are anyOf)')
  if (union !== undefined) return fc.oneof(...(union as unknown[]).map((branch) => arbitraryOf(branch, options)))
  switch (s.type) {
    case undefined:
      refuseUnknown(s, [])
      return unknownValue
    case 'string': return stringOf(s)
    case 'integer':
    case 'number': {
      refuseUnknown(s, KEYWORDS[s.type])
      const min = s.minimum as number | undefined
      const max = s.maximum as number | undefined
      return s.type === 'integer'
        ? fc.integer({ min: min ?? -(2 ** 31), max: max ?? 2 ** 31 - 1 })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
    }
    case 'boolean':
      refuseUnknown(s, [])
      return fc.boolean()
    case 'null':
      refuseUnknown(s, [])
      return fc.constant(null)
    case 'array':
      refuseUnknown(s, KEYWORDS.array)
      return fc.array(s.items === undefined ? unknownValue : arbitraryOf(s.items, options),
        { minLength: s.minItems as number | undefined, maxLength: (s.maxItems as number | undefined) ?? 5 })
    case 'object': return objectOf(s, options)
    default: throw new Error(`arbitraryOf: the type ${JSON.stringify(s.type)} is not supported`)
  }
}
