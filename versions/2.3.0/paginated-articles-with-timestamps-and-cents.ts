import { defineChange } from '../../src/engine/index.js'
import { contract as v2_0 } from '../../contracts/2.0.0.js'
import { contract as v2_3 } from '../../contracts/2.3.0.js'
import type { Static } from '@sinclair/typebox'
import type { ArticleV2 } from '../../contracts/2.3.0.js'

function toArticleV2_0 ({ published_at, price_cents, currency: _currency, ...rest }: Static<typeof ArticleV2>) {
  // Before 2.3.0 every price was in pounds; the core still sells in GBP only.
  return { ...rest, published: new Date(published_at).toISOString().slice(0, 10), price: price_cents / 100 }
}

export default defineChange(v2_0, v2_3, {
  description: 'GET /articles is paginated ({items, next_cursor}); published (YYYY-MM-DD) became published_at (ISO timestamp); price (decimal pounds) became price_cents and currency.',
  routes: ({ route }) => [
    route('GET /articles', { response: { 200: (page) => page.items.map(toArticleV2_0) } }),
    route('GET /articles/:id', { response: { 200: toArticleV2_0 } })
  ]
})
