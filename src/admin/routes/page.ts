import type { FastifyInstance } from 'fastify'
import { adminPage } from '../page.js'

/** The release managers' page, and its scripts and styles, served from the packages. */
export default async function pageRoutes (admin: FastifyInstance): Promise<void> {
  const page = adminPage()
  admin.get('/', async (_request, reply) => reply
    .type('text/html; charset=utf-8')
    .header('content-security-policy', page.contentSecurityPolicy)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(page.html))

  for (const { path, type, body } of page.assets) {
    admin.get(path, async (_request, reply) => reply.type(type).header('cache-control', 'private, max-age=86400').send(body))
  }
}
