import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import fc from 'fast-check'
import { arbitraryOf, codePoints } from '../../src/compatibility/arbitrary.js'
import { SchemaChecker } from '../../src/compatibility/schema-checker.js'

const frozenDir = fileURLToPath(new URL('../../contracts/snapshots', import.meta.url))
const checker = new SchemaChecker()
const valid = (schema: object, options = {}) => fc.check(fc.property(arbitraryOf(schema, options), (value) => checker.check(schema, value) === null), { seed: 1, numRuns: 60 })

t.test('every schema of every frozen contract yields only values it admits', async (t) => {
  for (const file of await readdir(frozenDir)) {
    const contract = JSON.parse(await readFile(`${frozenDir}/${file}`, 'utf8'))
    const schemas = [contract.error, ...Object.values<any>(contract.routes).flatMap((r) => [r.params, r.querystring, r.body, ...Object.values(r.responses)])]
    for (const schema of schemas.filter((s) => s !== undefined)) {
      for (const options of [{}, { extraProperties: true }]) {
        const run = valid(schema, options)
        t.notOk(run.failed, `${file} ${JSON.stringify(schema).slice(0, 80)}: ${JSON.stringify(run.counterexample)}`)
      }
    }
  }
})

t.test('the rest of the subset: numbers, booleans, arrays, open objects, unknown', async (t) => {
  const schemas = [
    { type: 'number', minimum: -1.5, maximum: 2 },
    { type: 'boolean' },
    { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 3 },
    { type: 'array' },
    { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'integer' } },
    { anyOf: [{ type: 'null' }, { const: 'x' }] },
    {}
  ]
  for (const schema of schemas) t.notOk(valid(schema, { extraProperties: true }).failed, JSON.stringify(schema))
  const extra = fc.sample(arbitraryOf(schemas[4], { extraProperties: true }), { seed: 2, numRuns: 50 })
  t.ok(extra.some((v: any) => Object.keys(v).some((k) => k !== 'a')), 'an open object gets properties it does not name')
})

t.test('text meets whitespace, long strings and code points beyond UTF-16', async (t) => {
  const names = fc.sample(arbitraryOf({ type: 'string', minLength: 1, maxLength: 200 }), { seed: 3, numRuns: 300 }) as string[]
  t.ok(names.some((n) => n.trim() === ''), 'whitespace only')
  t.ok(names.some((n) => codePoints(n) > 100 && !/\s/.test(n)), 'long, with no whitespace')
  t.ok(names.some((n) => n.length > codePoints(n)), 'astral code points')
})

t.test('a keyword it does not know is refused, never ignored', async (t) => {
  t.throws(() => arbitraryOf({ type: 'string', enum: ['a'] }), /keyword "enum"/)
  t.throws(() => arbitraryOf({ type: 'string', format: 'ipv4' }), /format "ipv4"/)
  t.throws(() => arbitraryOf({ oneOf: [{ type: 'null' }] }), /oneOf/)
  t.throws(() => arbitraryOf({ type: ['string', 'null'] }), /type \["string","null"\]/)
  t.throws(() => arbitraryOf(true), /not a schema/)
})
