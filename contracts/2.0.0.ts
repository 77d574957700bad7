import { Type } from '@sinclair/typebox'
import { deriveContract } from '../src/engine/index.js'
import { ArticleParams } from './head.js'
import { ArticleV2, contract as next } from './2.3.0.js'

// 2.0.0, as it differs from 2.3.0: the article list was a bare array of the first page,
// dates were days and prices were decimal pounds.

export const ArticleV20 = Type.Composite([
  Type.Omit(ArticleV2, ['published_at', 'price_cents', 'currency']),
  Type.Object({
    published: Type.String({ format: 'date' }),
    price: Type.Number({ minimum: 0 })
  })
], { title: 'Article' })

export const contract = deriveContract(next, {
  version: '2.0.0',
  routes: {
    'GET /articles': { summary: 'The latest articles', responses: { 200: Type.Array(ArticleV20) } },
    'GET /articles/:id': { summary: 'One article', params: ArticleParams, responses: { 200: ArticleV20 } }
  }
})
