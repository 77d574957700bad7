import { contract as v1 } from './1.0.0.js'
import { contract as v2 } from './2.0.0.js'
import { head, type ArticleT, type BookmarkT, type UserT } from './head.js'
import { defineExamples, invalid, overrideExamples } from '../src/engine/index.js'

// Examples of every route, written for head and typed from its schemas: older versions get them
// pushed down their chains (see `examplesFor`). What a version says differently is at the end.

const ada: UserT = {
  id: 'usr_1',
  first_name: 'Ada',
  last_name: 'Lovelace',
  email: 'ada@pulse.example',
  avatar_url: null,
  created_at: '2024-03-01T09:00:00.000Z'
}

const AVATAR = 'https://img.pulse.example/ada.png'

const article: ArticleT = {
  id: 'art_001',
  title: 'Reading #1',
  summary: 'Story 1 from Pulse (article).',
  kind: 'article',
  published_at: '2026-06-30T08:30:00.000Z',
  price_cents: 149,
  currency: 'GBP'
}
const video: ArticleT = { ...article, id: 'art_002', title: 'Watching #2', summary: 'Story 2 from Pulse (video).', kind: 'video', published_at: '2026-06-29T08:30:00.000Z', price_cents: 199 }
const podcast: ArticleT = { ...article, id: 'art_003', title: 'Listening #3', summary: 'Story 3 from Pulse (podcast).', kind: 'podcast', published_at: '2026-06-28T08:30:00.000Z', price_cents: 249 }

const bookmark: BookmarkT = { id: 'bm_1', article_id: 'art_001', folder: 'Read later', created_at: '2026-07-01T10:00:00.000Z' }

const notFound = (id: string) => ({ status: 404 as const, body: { error: { code: 'not_found', message: `Article ${id} not found` } } })

export default defineExamples(head, {
  'GET /users/me': [
    { name: 'the signed-in user', request: {}, response: { status: 200, body: ada } }
  ],
  'PATCH /users/me': [
    { name: 'set an avatar', request: { body: { avatar_url: AVATAR } }, response: { status: 200, body: { ...ada, avatar_url: AVATAR } } },
    {
      name: 'a name that is not text',
      request: { body: invalid({ first_name: 42 }) },
      response: {
        status: 400,
        body: { error: { code: 'EVG_ERR_VALIDATION', message: 'body/first_name must be string', details: [{ field: 'body.first_name', message: 'must be string' }] } }
      }
    }
  ],
  'GET /articles': [
    { name: 'the first page', request: { query: { limit: 3 } }, response: { status: 200, body: { items: [article, video, podcast], next_cursor: 'Mw' } } },
    {
      name: 'a cursor the service never gave out',
      request: { query: { cursor: 'bogus' } },
      response: { status: 400, body: { error: { code: 'invalid_cursor', message: 'The cursor is not one this service gave out' } } }
    }
  ],
  'GET /articles/:id': [
    { name: 'an article', request: { params: { id: 'art_001' } }, response: { status: 200, body: article } },
    { name: 'a podcast', request: { params: { id: 'art_003' } }, response: { status: 200, body: podcast } },
    { name: 'an unknown article', request: { params: { id: 'art_999' } }, response: notFound('art_999') }
  ],
  'POST /bookmarks': [
    { name: 'save to a folder', request: { body: { article_id: 'art_001', folder: 'Read later' } }, response: { status: 201, body: bookmark } },
    {
      name: 'an empty folder name',
      request: { body: invalid({ article_id: 'art_001', folder: '' }) },
      response: {
        status: 400,
        body: { error: { code: 'EVG_ERR_VALIDATION', message: 'body/folder must NOT have fewer than 1 characters', details: [{ field: 'body.folder', message: 'must NOT have fewer than 1 characters' }] } }
      }
    },
    { name: 'an unknown article', request: { body: { article_id: 'art_999', folder: 'Read later' } }, response: notFound('art_999') }
  ],
  'GET /bookmarks': [
    { name: 'saved articles', request: {}, response: { status: 200, body: [bookmark] } }
  ]
}, [
  // Before 2.3.0 the list took no query: the first page is what an app got, and it had no cursor.
  overrideExamples(v2, {
    'GET /articles': { 'the first page': { request: {} }, 'a cursor the service never gave out': null }
  }),
  overrideExamples(v1, {
    'GET /articles': { 'the first page': { request: {} }, 'a cursor the service never gave out': null },
    'PUT /profile': {
      'set an avatar': { request: { body: { avatar: AVATAR } } },
      'a name that is not text': {
        request: { body: invalid({ name: 42 }) },
        response: { status: 400, body: { message: 'body/name must be string', code: 400 } }
      }
    }
  })
])
