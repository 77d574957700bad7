import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import sjson from 'secure-json-parse'
import { InvalidJsonError } from './errors.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body exactly as received, forwarded as is when no step changes it. */
    rawBody: Buffer | undefined
  }
}

export interface JsonBodyOptions {
  /** The longest a client may take to send a body it announced. */
  bodyTimeout: number
}

/**
 * JSON bodies are parsed once, to validate them against the client's contract; the bytes are
 * kept so that a body no step touches is forwarded without being serialised again.
 */
async function jsonBody (fastify: FastifyInstance, { bodyTimeout }: JsonBodyOptions): Promise<void> {
  fastify.decorateRequest('rawBody', undefined)
  // Node's requestTimeout stops at the headers. A body announced and never sent (a lost network,
  // a slow-loris) would hold its connection, and a shutdown, for ever: past the timeout the
  // connection is closed. The client that stalled is not reading an answer.
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined) return done(null, payload)
    const timer = setTimeout(() => request.raw.socket?.destroy(), bodyTimeout).unref()
    const stop = () => clearTimeout(timer)
    payload.once('end', stop)
    payload.once('close', stop)
    done(null, payload)
  })
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
