import { MockPreferInvalidError } from '../errors.js'

// What a request asks the mock for, in `Prefer` (RFC 7240) as Prism reads it: `code=404`,
// `example="the first page"`, `dynamic=true`, several separated by commas. A preference the mock
// does not know is ignored, as the RFC asks; a value it cannot read, of one it knows, is refused,
// so that a typo never passes for the default answer.

export interface MockPreferences {
  /** The status asked for, as the app gets it. */
  readonly code?: number
  /** An example, by name. */
  readonly example?: string
  /** Data generated from head's schema instead of an example. */
  readonly dynamic: boolean
}

/**
 * Each preference of a Prefer header, its name in lower case and its value unquoted, in order; the
 * parameters after `;` left out. A value with spaces is taken unquoted too (`example=the first
 * page`), as people type it; a quoted one may hold commas.
 */
export function parsePrefer (text: string): Array<[name: string, value: string]> {
  const found: Array<[string, string]> = []
  let name = ''
  let value = ''
  let part: 'name' | 'value' | 'parameters' = 'name'
  let quoted = false
  let wasQuoted = false
  const end = () => {
    if (name.trim() !== '') found.push([name.trim().toLowerCase(), wasQuoted ? value : value.trim()])
    name = value = ''
    part = 'name'
    wasQuoted = false
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '\\') {
        i++
        if (part === 'value') value += text[i] ?? ''
      } else if (c === '"') quoted = false
      else if (part === 'value') value += c
      continue
    }
    if (c === '"') {
      quoted = true
      if (part === 'value') {
        wasQuoted = true
        value = ''
      }
    } else if (c === ',') end()
    else if (c === ';') part = 'parameters'
    else if (c === '=' && part === 'name') part = 'value'
    else if (part === 'name') name += c
    else if (part === 'value' && !wasQuoted) value += c
  }
  end()
  return found
}

/** The mock's preferences in a request's Prefer header (or headers); throws MockPreferInvalidError. */
export function readPreferences (header: string | string[] | undefined): MockPreferences {
  const text = Array.isArray(header) ? header.join(', ') : header ?? ''
  const given = new Map<string, string>()
  // Node reads header bytes as Latin-1; clients send an example's name in UTF-8. Only the first
  // of a preference given twice counts (RFC 7240 2).
  for (const [name, value] of parsePrefer(Buffer.from(text, 'latin1').toString('utf8'))) {
    if (!given.has(name)) given.set(name, value)
  }
  const code = given.get('code')
  if (code !== undefined && !/^[1-5]\d\d$/.test(code)) throw new MockPreferInvalidError(`Prefer: code=${code} is not an HTTP status`)
  const example = given.get('example')
  if (example === '') throw new MockPreferInvalidError('Prefer: example= names no example')
  const dynamic = given.get('dynamic')?.toLowerCase()
  if (dynamic !== undefined && dynamic !== 'true' && dynamic !== 'false') {
    throw new MockPreferInvalidError(`Prefer: dynamic=${dynamic} is neither true nor false`)
  }
  if (example !== undefined && dynamic === 'true') {
    throw new MockPreferInvalidError('Prefer: example= and dynamic=true ask for two different answers: give one')
  }
  return { ...(code === undefined ? {} : { code: Number(code) }), ...(example === undefined ? {} : { example }), dynamic: dynamic === 'true' }
}
