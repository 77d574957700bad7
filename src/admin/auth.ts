import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { CrossSiteError, UnauthorizedError } from '../errors.js'
import { errorBody } from './errors.js'

/** A name for the audit log: any printable text (a person's name, an address, a job's name). */
const ACTOR = /^[^\p{C}]{1,64}$/u

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the audit log names: `X-Evergate-Actor`, else the browser's user name, else "admin". */
    actor: string
  }
}

/** Whether `given` is `expected`, in time that does not tell how much of it matched. */
function same (given: string, expected: Buffer): boolean {
  const bytes = Buffer.from(given)
  return bytes.length === expected.length && timingSafeEqual(bytes, expected)
}

/**
 * Whether a request with the browser's credentials came from another site's page. The browser
 * sends the credentials it asked for with every request to this origin, whoever's page makes it:
 * such a request must not act on them (cross-site request forgery).
 */
function fromAnotherSite (request: FastifyRequest): boolean {
  // Reading changes nothing, another site's page cannot see the answer (no CORS here), and a link
  // to the page from a wiki or a chat must open it.
  if (request.method === 'GET' || request.method === 'HEAD') return false
  // The browser's own word, when it gives it; the Origin (compared with a Host that a reverse
  // proxy may have rewritten) only from browsers that do not.
  const site = request.headers['sec-fetch-site']
  if (site !== undefined) return site !== 'same-origin' && site !== 'none'
  const origin = request.headers.origin
  if (origin === undefined) return false
  return !URL.canParse(origin) || new URL(origin).host !== request.headers.host
}

/**
 * Every path of the admin port needs the token: as a bearer token (the CLI, scripts) or as the
 * password the browser asks for on the page, with the release manager's name as the user name,
 * which the audit log then names.
 */
async function adminAuth (admin: FastifyInstance, { token }: { token: string }): Promise<void> {
  const password = Buffer.from(token)

  /** The browser's user name when the request carries the token; null when it does not. */
  function credentials (authorization: string): { user: string | null } | null {
    // `Bearer`, `bearer`, `BEARER`: the scheme is case-insensitive, and one or more spaces follow it (RFC 9110, 11.4).
    const [, scheme = '', value = ''] = /^(\S+) +(.*)$/.exec(authorization) ?? []
    if (scheme.toLowerCase() === 'bearer') return same(value, password) ? { user: null } : null
    if (scheme.toLowerCase() !== 'basic') return null
    const pair = Buffer.from(value, 'base64').toString('utf8')
    const colon = pair.indexOf(':')
    return colon !== -1 && same(pair.slice(colon + 1), password) ? { user: pair.slice(0, colon) } : null
  }

  admin.decorateRequest('actor', 'admin')
  admin.addHook('onRequest', async (request, reply) => {
    // No answer here is taken for a type it does not say it is: the page's policy lets scripts
    // come from this port, and a JSON answer must never run as one.
    reply.header('x-content-type-options', 'nosniff')
    const given = credentials(request.headers.authorization ?? '')
    if (given === null) {
      // The page's address asks the browser for the token; the API's paths say what they take.
      const challenge = request.url === '/' ? 'Basic realm="evergate admin", charset="UTF-8"' : 'Bearer'
      return reply.code(401).header('www-authenticate', challenge).send(errorBody(new UnauthorizedError()))
    }
    if (given.user !== null && fromAnotherSite(request)) return reply.code(403).send(errorBody(new CrossSiteError()))
    const actor = request.headers['x-evergate-actor'] ?? given.user
    if (typeof actor === 'string' && ACTOR.test(actor)) request.actor = actor
  })
}

export default fp(adminAuth, { name: 'evergate-admin-auth', fastify: '5.x' })
