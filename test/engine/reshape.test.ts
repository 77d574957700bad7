import t from 'tap'
import { reshape } from '../../src/engine/index.js'

t.test('drops keys and adds keys, in place', async (t) => {
  const article = { id: 'a1', kind: 'video', price_cents: 199, title: 'T' }
  const out = reshape(article, ['kind', 'price_cents'], { price: 1.99 })
  t.equal(out, article, 'the same object: a step owns the value it is given')
  t.same(out, { id: 'a1', title: 'T', price: 1.99 })
  t.same(Object.keys(out), ['id', 'title', 'price'], 'kept keys keep their order, added keys come last')
  t.notOk('kind' in out, 'a dropped key is gone, not undefined')
})

t.test('means what rest and spread mean', async (t) => {
  const value = () => ({ a: 1, b: 2, c: 3, d: undefined })
  const { b: _b, ...rest } = value()
  const spread = { ...rest, a: 10, e: 5 }
  const reshaped = reshape(value(), ['b'], { a: 10, e: 5 })
  t.same(reshaped, spread)
  t.same(Object.keys(reshaped), Object.keys(spread), 'a key of add that the value has keeps its place')
  t.same(Object.keys(reshape(value(), [])), ['a', 'b', 'c', 'd'], 'undefined values stay, as spread keeps them')
})

t.test('sets own keys of add only', async (t) => {
  const add = Object.assign(Object.create({ inherited: true }) as object, { extra: 2 })
  t.same(reshape({ own: 1 }, [], add), { own: 1, extra: 2 })
})

t.test('is typed from its input', async (t) => {
  const out = reshape({ id: 'a', cents: 100 }, ['cents'], { pounds: 1 })
  const id: string = out.id
  const pounds: number = out.pounds
  // @ts-expect-error dropped keys are gone from the type
  t.equal(out.cents, undefined)
  t.same([id, pounds], ['a', 1])
})
