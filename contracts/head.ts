import { Type, type Static } from '@sinclair/typebox'
import { defineContract } from '../src/engine/index.js'

// Contract 3.0.0, the one the Pulse core implements.

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown())
  })
}, { title: 'Error' })

const Timestamp = Type.String({ format: 'date-time' })
const Id = Type.String({ minLength: 1, maxLength: 64 })

export const User = Type.Object({
  id: Id,
  first_name: Type.String(),
  last_name: Type.String(),
  email: Type.String({ format: 'email' }),
  avatar_url: Type.Union([Type.String({ format: 'uri' }), Type.Null()]),
  created_at: Timestamp
}, { title: 'User' })

export const UserPatch = Type.Object({
  first_name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  last_name: Type.Optional(Type.String({ maxLength: 100 })),
  avatar_url: Type.Optional(Type.Union([Type.String({ format: 'uri', maxLength: 2048 }), Type.Null()]))
}, { title: 'UserPatch', additionalProperties: false })

export const ArticleKind = Type.Union([Type.Literal('article'), Type.Literal('video'), Type.Literal('podcast')])

export const Article = Type.Object({
  id: Id,
  title: Type.String(),
  summary: Type.String(),
  kind: ArticleKind,
  published_at: Timestamp,
  price_cents: Type.Integer({ minimum: 0 }),
  currency: Type.String({ pattern: '^[A-Z]{3}$' })
}, { title: 'Article' })

export const ArticlesQuery = Type.Object({
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 }))
})

export const ArticlePage = Type.Object({
  items: Type.Array(Article),
  next_cursor: Type.Union([Type.String(), Type.Null()])
}, { title: 'ArticlePage' })

export const ArticleParams = Type.Object({ id: Id })

export const BookmarkCreate = Type.Object({
  article_id: Id,
  folder: Type.String({ minLength: 1, maxLength: 50 })
}, { title: 'BookmarkCreate', additionalProperties: false })

export const Bookmark = Type.Object({
  id: Id,
  article_id: Id,
  folder: Type.String(),
  created_at: Timestamp
}, { title: 'Bookmark' })

export type UserT = Static<typeof User>
export type ArticleT = Static<typeof Article>
export type BookmarkT = Static<typeof Bookmark>

export const head = defineContract({
  version: '3.0.0',
  error: ErrorBody,
  formatError: ({ code, message, details }) =>
    ({ error: details === undefined ? { code, message } : { code, message, details } }),
  routes: {
    'GET /users/me': { summary: 'The signed-in user', responses: { 200: User } },
    'PATCH /users/me': { summary: 'Change the profile', body: UserPatch, responses: { 200: User } },
    'GET /articles': { summary: 'A page of articles', querystring: ArticlesQuery, responses: { 200: ArticlePage } },
    'GET /articles/:id': { summary: 'One article', params: ArticleParams, responses: { 200: Article } },
    'POST /bookmarks': { summary: 'Save an article to a folder', body: BookmarkCreate, responses: { 201: Bookmark } },
    'GET /bookmarks': { summary: 'Saved articles', responses: { 200: Type.Array(Bookmark) } }
  }
})
