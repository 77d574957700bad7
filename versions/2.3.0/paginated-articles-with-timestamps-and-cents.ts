import { defineChange, reshape } from '../../src/engine/index.js'
import { contract as v2_0 } from '../../contracts/2.0.0.js'
import { contract as v2_3 } from '../../contracts/2.3.0.js'
import type { Static } from '@sinclair/typebox'
import type { ArticleV2 } from '../../contracts/2.3.0.js'

const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T[^+]*Z$/

/** The UTC calendar day of an ISO timestamp. */
function utcDate (timestamp: string): string {
  // The core sends UTC ("...Z"): its date is the first ten characters, with no Date parse (which,
  // at 20 articles a page, was a quarter of this route's CPU). An offset timestamp takes the long way.
  if (UTC_TIMESTAMP.test(timestamp)) return timestamp.slice(0, 10)
  // Date cannot read a leap second (hh:mm:60, 23:59:60 in UTC): the second before is the same day.
  return new Date(timestamp.replace(/(\d\d:\d\d):60/, '$1:59')).toISOString().slice(0, 10)
}

function toArticleV2_0 (article: Static<typeof ArticleV2>) {
  // Before 2.3.0 every price was in pounds; the core still sells in GBP only.
  return reshape(article, ['published_at', 'price_cents', 'currency'], {
    published: utcDate(article.published_at),
    price: article.price_cents / 100
  })
}

export default defineChange(v2_0, v2_3, {
  description: 'GET /articles is paginated ({items, next_cursor}); published (YYYY-MM-DD) became published_at (ISO timestamp); price (decimal pounds) became price_cents and currency.',
  routes: ({ route }) => [
    route('GET /articles', { response: { 200: (page) => page.items.map(toArticleV2_0) } }),
    route('GET /articles/:id', { response: { 200: toArticleV2_0 } })
  ]
})
