import { Type } from '@sinclair/typebox'
import { deriveContract } from '../src/engine/index.js'
import { ArticleParams } from './head.js'
import { ArticleV20, contract as next } from './2.0.0.js'

// 1.0.0, the first release, as it differs from 2.0.0: the profile lived at /profile with one
// name and "" for no avatar, articles had no kind, and errors were flat.

export const ErrorBodyV1 = Type.Object({
  message: Type.String(),
  code: Type.Integer({ description: 'The HTTP status' })
}, { title: 'Error' })

export const Profile = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Type.String({ format: 'email' }),
  avatar: Type.String(),
  created_at: Type.String({ format: 'date-time' })
}, { title: 'Profile' })

export const ProfileUpdate = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  avatar: Type.Optional(Type.Union([Type.String({ format: 'uri', maxLength: 2048 }), Type.Literal('')]))
}, { title: 'ProfileUpdate', additionalProperties: false })

export const ArticleV1 = Type.Omit(ArticleV20, ['kind'], { title: 'Article' })

export const contract = deriveContract(next, {
  version: '1.0.0',
  error: ErrorBodyV1,
  remove: ['GET /users/me', 'PATCH /users/me'],
  routes: {
    'GET /profile': { summary: 'The signed-in user', responses: { 200: Profile } },
    'PUT /profile': { summary: 'Change the profile', body: ProfileUpdate, responses: { 200: Profile } },
    'GET /articles': { summary: 'The latest articles', responses: { 200: Type.Array(ArticleV1) } },
    'GET /articles/:id': { summary: 'One article', params: ArticleParams, responses: { 200: ArticleV1 } }
  }
})
