import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { urlOf } from './gateway.js'

export interface Seen {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * The core of the fixture "Notes" bundle (test/fixtures), speaking its head, and recording what
 * reached it so tests can see exactly what the gateway forwarded.
 */
export async function startNotesCore (t: { teardown (fn: () => unknown): void }) {
  const seen: Seen[] = []
  const core: FastifyInstance = Fastify()
  core.removeAllContentTypeParsers()
  core.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  core.addHook('onRequest', async (request) => {
    seen.push({ method: request.method, url: request.url, headers: { ...request.headers }, body: '' })
  })
  core.addHook('preHandler', async (request) => {
    seen[seen.length - 1].body = typeof request.body === 'string' ? request.body : ''
  })
  const notes = [
    { id: 'n1', body: 'first', tags: [] },
    { id: 'n2', body: 'hidden', tags: ['secret'] }
  ]
  core.get('/notes', async () => ({ items: notes }))
  core.get<{ Params: { id: string } }>('/notes/:id', async (request, reply) => {
    const note = notes.find((n) => n.id === request.params.id)
    return note ?? reply.code(404).send({ error: { code: 'not_found', message: `Note ${request.params.id} not found` } })
  })
  core.post('/notes', async (request, reply) => {
    const input = JSON.parse(request.body as string) as { body: string, tags: string[] }
    return reply.code(201).send({ id: 'n3', ...input })
  })
  // A body that never ends (no length, one chunk): it stops only when the gateway hangs up, and
  // `hungUp` says when that happened.
  let hungUp: Promise<unknown> = Promise.resolve()
  core.get('/stats', async (_request, reply) => {
    hungUp = once(reply.raw, 'close')
    const body = new PassThrough()
    body.write('{"count":')
    return reply.type('application/json').send(body)
  })
  await core.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => core.close())
  return { core, url: urlOf(core), seen, hungUp: () => hungUp }
}
