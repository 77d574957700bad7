import { defineChange, reshape } from '../../src/engine/index.js'
import { contract as v1 } from '../../contracts/1.0.0.js'
import { contract as v2, ArticleV20 } from '../../contracts/2.0.0.js'
import type { Static } from '@sinclair/typebox'
import type { UserT } from '../../contracts/head.js'

function toProfile (user: UserT) {
  return reshape(user, ['first_name', 'last_name', 'avatar_url'], {
    name: [user.first_name, user.last_name].filter((part) => part !== '').join(' '),
    avatar: user.avatar_url ?? ''
  })
}

/**
 * A 1.0.0 article: the fields that contract has, written out. Not `reshape(article, ['kind'])`:
 * `kind` sits in the middle of the article, and deleting a key there turns each article into a
 * dictionary, slow to build and slow to serialise. Written out, the demo's page of 20 costs 75 k
 * instructions less to translate for a 1.0.0 app, about an eighth of its whole request
 * (`npm run bench -- --page-instructions`). A field the core adds later, which no 1.0.0 build
 * knows, is left out too.
 */
const toArticleV1 = ({ id, title, summary, published, price }: Static<typeof ArticleV20>) => ({ id, title, summary, published, price })

// Head takes a first_name of 1 to 100 characters and a last_name of up to 100; a 1.0.0 name is
// any text of 1 to 200. Characters are code points, as the contracts' validation counts them.
const PART = 100
const length = (text: string) => [...text].length

/**
 * A valid 1.0.0 name as a valid head first and last name. "Ada King Lovelace" -> "Ada" /
 * "King Lovelace": split at the first whitespace that leaves both parts short enough. A word
 * too long for that is cut at 100 characters. A name of only whitespace, which 1.0.0 accepts,
 * stays the first name (head's cannot be empty).
 */
function splitName (name: string) {
  const words = name.trim().split(/\s+/)
  if (words[0] === '') return { first_name: [...name].slice(0, PART).join(''), last_name: '' }
  for (let i = 1; i <= words.length; i++) {
    const first = words.slice(0, i).join(' ')
    const last = words.slice(i).join(' ')
    if (length(first) > PART) break
    if (length(last) <= PART) return { first_name: first, last_name: last }
  }
  const points = [...words.join(' ')]
  return { first_name: points.slice(0, PART).join('').trimEnd(), last_name: points.slice(PART).join('').trim() }
}

/**
 * 1.0.0 errors have no details; a forced upgrade still tells the app where to go and which version
 * it needs, as extra fields 1.0.0 builds ignore and newer tooling reads.
 */
function upgradeFields (details: unknown): { upgrade_url?: string, minimum_version?: string } {
  if (typeof details !== 'object' || details === null) return {}
  const { upgrade_url: upgradeUrl, minimum_version: minimumVersion } = details as Record<string, unknown>
  return {
    ...(typeof upgradeUrl === 'string' ? { upgrade_url: upgradeUrl } : {}),
    ...(typeof minimumVersion === 'string' ? { minimum_version: minimumVersion } : {})
  }
}

export default defineChange(v1, v2, {
  description: 'The profile moved from GET/PUT /profile to GET/PATCH /users/me with first_name/last_name and avatar_url (null when none); errors became {error: {code, message}}; articles gained kind.',
  errors: ({ error }, ctx) => ({ message: error.message, code: ctx.status, ...upgradeFields(error.details) }),
  routes: ({ route, move }) => [
    move('GET /profile', 'GET /users/me', { response: { 200: toProfile } }),
    move('PUT /profile', 'PATCH /users/me', {
      request: {
        body: ({ name, avatar }) => ({
          ...(name === undefined ? {} : splitName(name)),
          ...(avatar === undefined ? {} : { avatar_url: avatar === '' ? null : avatar })
        })
      },
      response: { 200: toProfile }
    }),
    route('GET /articles', { response: { 200: (list) => list.map(toArticleV1) } }),
    route('GET /articles/:id', { response: { 200: toArticleV1 } })
  ]
})
