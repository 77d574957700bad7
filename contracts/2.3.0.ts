import { Type } from '@sinclair/typebox'
import { deriveContract } from '../src/engine/index.js'
import { Article, ArticleParams, ArticlesQuery, Bookmark, BookmarkCreate, head } from './head.js'

// 2.3.0, as it differs from head (3.0.0): no podcasts, and a bookmark's folder was optional.

export const ArticleV2 = Type.Composite([
  Type.Omit(Article, ['kind']),
  Type.Object({ kind: Type.Union([Type.Literal('article'), Type.Literal('video')]) })
], { title: 'Article' })

export const contract = deriveContract(head, {
  version: '2.3.0',
  routes: {
    'GET /articles': {
      summary: 'A page of articles',
      querystring: ArticlesQuery,
      responses: { 200: Type.Object({ items: Type.Array(ArticleV2), next_cursor: Type.Union([Type.String(), Type.Null()]) }, { title: 'ArticlePage' }) }
    },
    'GET /articles/:id': { summary: 'One article', params: ArticleParams, responses: { 200: ArticleV2 } },
    'POST /bookmarks': {
      summary: 'Save an article',
      body: Type.Composite([Type.Omit(BookmarkCreate, ['folder']), Type.Object({ folder: Type.Optional(BookmarkCreate.properties.folder) })], { title: 'BookmarkCreate', additionalProperties: false }),
      responses: { 201: Bookmark }
    }
  }
})
