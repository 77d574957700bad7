import { defineChange, reshape } from '../../src/engine/index.js'
import { contract as v1 } from '../../contracts/1.0.0.js'
import { contract as v2 } from '../../contracts/2.0.0.js'
import type { UserT } from '../../contracts/head.js'

function toProfile (user: UserT) {
  return reshape(user, ['first_name', 'last_name', 'avatar_url'], {
    name: [user.first_name, user.last_name].filter((part) => part !== '').join(' '),
    avatar: user.avatar_url ?? ''
  })
}

/** "Ada King Lovelace" -> first "Ada", last "King Lovelace". */
function splitName (name: string) {
  const [first, ...rest] = name.trim().split(/\s+/)
  return { first_name: first, last_name: rest.join(' ') }
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
    route('GET /articles', { response: { 200: (list) => list.map((article) => reshape(article, ['kind'])) } }),
    route('GET /articles/:id', { response: { 200: (article) => reshape(article, ['kind']) } })
  ]
})
