import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import {
  ArticleParams, ArticlesQuery, BookmarkCreate, UserPatch,
  type ArticleT, type BookmarkT, type UserT
} from '../contracts/head.js'

// The Pulse core service: speaks head (3.0.0) only, keeps its data in memory, seeded
// deterministically so every run and every test sees the same articles.

const KINDS = ['article', 'video', 'podcast'] as const
export const ARTICLE_COUNT = 30
export const DEFAULT_LIMIT = 20

export function seedArticles (): ArticleT[] {
  return Array.from({ length: ARTICLE_COUNT }, (_, i) => {
    const n = i + 1
    const kind = KINDS[i % KINDS.length]
    return {
      id: `art_${String(n).padStart(3, '0')}`,
      title: `${kind === 'article' ? 'Reading' : kind === 'video' ? 'Watching' : 'Listening'} #${n}`,
      summary: `Story ${n} from Pulse (${kind}).`,
      kind,
      // Newest first: one a day back from 2026-06-30, at 08:30 UTC.
      published_at: new Date(Date.UTC(2026, 5, 30 - i, 8, 30)).toISOString(),
      price_cents: n % 4 === 0 ? 0 : 99 + n * 50,
      currency: 'GBP'
    }
  })
}

export function seedUser (): UserT {
  return {
    id: 'usr_1',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: 'ada@pulse.example',
    avatar_url: null,
    created_at: '2024-03-01T09:00:00.000Z'
  }
}

class CoreError extends Error {
  constructor (readonly statusCode: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message)
  }
}

export function buildCore (options: FastifyServerOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false, ...options }).withTypeProvider<TypeBoxTypeProvider>()
  const user = seedUser()
  const articles = seedArticles()
  const bookmarks: BookmarkT[] = []

  app.setErrorHandler((err: Error & { statusCode?: number, code?: string, validation?: unknown }, _request, reply) => {
    if (err instanceof CoreError) {
      return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message, details: err.details } })
    }
    if (err.validation !== undefined) {
      return reply.code(400).send({ error: { code: 'invalid_request', message: err.message, details: err.validation } })
    }
    const status = err.statusCode !== undefined && err.statusCode >= 400 ? err.statusCode : 500
    return reply.code(status).send({ error: { code: status === 500 ? 'internal' : 'bad_request', message: err.message } })
  })
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'not_found', message: `No route ${request.method} ${request.url}` } })
  })

  app.get('/users/me', async () => user)

  app.patch('/users/me', { schema: { body: UserPatch } }, async (request) => {
    Object.assign(user, request.body)
    return user
  })

  app.get('/articles', { schema: { querystring: ArticlesQuery } }, async (request) => {
    const { cursor, limit = DEFAULT_LIMIT } = request.query
    let start = 0
    if (cursor !== undefined) {
      start = Number(Buffer.from(cursor, 'base64url').toString())
      if (!Number.isInteger(start) || start < 0 || start > articles.length) {
        throw new CoreError(400, 'invalid_cursor', 'The cursor is not one this service gave out')
      }
    }
    const end = start + limit
    return {
      items: articles.slice(start, end),
      next_cursor: end < articles.length ? Buffer.from(String(end)).toString('base64url') : null
    }
  })

  app.get('/articles/:id', { schema: { params: ArticleParams } }, async (request) => {
    const article = articles.find((a) => a.id === request.params.id)
    if (article === undefined) throw new CoreError(404, 'not_found', `Article ${request.params.id} not found`)
    return article
  })

  app.post('/bookmarks', { schema: { body: BookmarkCreate } }, async (request, reply) => {
    const { article_id, folder } = request.body
    if (!articles.some((a) => a.id === article_id)) {
      throw new CoreError(404, 'not_found', `Article ${article_id} not found`)
    }
    const bookmark = { id: `bm_${bookmarks.length + 1}`, article_id, folder, created_at: new Date().toISOString() }
    bookmarks.push(bookmark)
    return reply.code(201).send(bookmark)
  })

  app.get('/bookmarks', async () => bookmarks)

  return app
}
