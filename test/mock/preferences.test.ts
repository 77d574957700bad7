import t from 'tap'
import { parsePrefer, readPreferences } from '../../src/mock/preferences.js'

t.test('Prefer is read as RFC 7240 writes it, and as people type it', async (t) => {
  const cases: Array<[string, Array<[string, string]>]> = [
    ['code=404', [['code', '404']]],
    ['Code = 404 ,  DYNAMIC=true', [['code', '404'], ['dynamic', 'true']]],
    ['example="a, b; c"', [['example', 'a, b; c']]],
    ['example="say \\"hi\\" \\\\ bye"', [['example', 'say "hi" \\ bye']]],
    ['example=the first page', [['example', 'the first page']]],
    ['respond-async, wait=10; x="1, 2", example=x', [['respond-async', ''], ['wait', '10'], ['example', 'x']]],
    ['return=minimal; foo="a\\"b", code=200', [['return', 'minimal'], ['code', '200']]],
    [' , ,code=500,', [['code', '500']]],
    ['example="cut short\\', [['example', 'cut short']]],
    ['', []]
  ]
  for (const [header, expected] of cases) t.same(parsePrefer(header), expected, header)
})

t.test('the mock\'s preferences, the first of each counting', async (t) => {
  t.same(readPreferences(undefined), { dynamic: false })
  t.same(readPreferences('code=404, example="x", code=500'), { code: 404, example: 'x', dynamic: false })
  t.same(readPreferences(['dynamic=TRUE', 'code=201']), { code: 201, dynamic: true }, 'several Prefer headers')
  t.same(readPreferences('dynamic=false, example=x'), { example: 'x', dynamic: false })
  // An example's name sent in UTF-8, as Node hands the header over: byte by byte.
  const name = 'Artikel für später'
  t.same(readPreferences(`example="${Buffer.from(name).toString('latin1')}"`), { example: name, dynamic: false })
})

t.test('a value the mock cannot read is refused, not taken for the default', async (t) => {
  for (const [header, message] of [
    ['code=40', /code=40 is not an HTTP status/],
    ['code=600', /code=600 is not/],
    ['code=404x', /code=404x is not/],
    ['example=""', /example= names no example/],
    ['dynamic=yes', /dynamic=yes is neither true nor false/],
    ['example=x, dynamic=true', /two different answers/]
  ] as const) {
    t.throws(() => readPreferences(header), { code: 'EVG_ERR_MOCK_PREFER_INVALID', statusCode: 400, message }, header)
  }
})
