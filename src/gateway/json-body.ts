import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import sjson from 'secure-json-parse'
import { InvalidJsonError } from '../errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received, forwarded as is when no step changes it. */
    rawBody: Buffer | undefined
  }
}

/**
 * JSON bodies are parsed once, to validate them against the client's contract; the bytes are
 * kept so that a body no step touches is forwarded without being serialised again.
 */
async function jsonBody (fastify: FastifyInstance): Promise<void> {
  fastify.decorateRequest('rawBody', undefined)
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer | string, done: (err: Error | null, body?: unknown) => void) => {
      const raw = body as Buffer
      request.rawBody = raw
      try {
        done(null, sjson.parse(raw.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' }))
      } catch (err) {
        done(new InvalidJsonError((err as Error).message))
      }
    })
}

export default fp(jsonBody, { name: 'evergate-json-body', fastify: '5.x' })
