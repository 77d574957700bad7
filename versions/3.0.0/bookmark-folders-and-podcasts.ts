import { defineChange } from '../../src/engine/index.js'
import { contract as v2_3 } from '../../contracts/2.3.0.js'
import { head, type ArticleT } from '../../contracts/head.js'

type ArticleBefore3 = ArticleT & { kind: 'article' | 'video' }

const isShownBefore3 = (article: ArticleT): article is ArticleBefore3 => article.kind !== 'podcast'

export default defineChange(v2_3, head, {
  description: 'Bookmarks need a folder (older apps save to "Saved"); podcast articles appear (older apps never see them).',
  routes: ({ route }) => [
    route('POST /bookmarks', {
      request: { body: (body) => ({ article_id: body.article_id, folder: body.folder ?? 'Saved' }) }
    }),
    route('GET /articles', {
      response: { 200: (page) => ({ items: page.items.filter(isShownBefore3), next_cursor: page.next_cursor }) }
    }),
    route('GET /articles/:id', {
      response: {
        200: (article, ctx) => isShownBefore3(article)
          ? article
          : ctx.reject(404, 'not_found', `Article ${article.id} not found`)
      }
    })
  ]
})
