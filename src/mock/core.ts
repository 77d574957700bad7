import type { FastifyError, FastifyInstance } from 'fastify'
import { examplesFor } from '../compatibility/examples.js'
import { InternalError, MockPreferInvalidError, MockUnknownExampleError, MockUnknownStatusError } from '../errors.js'
import type { CanonicalError, ExampleSet, HeadContract, HttpMethod, Plans, RouteKey } from '../engine/index.js'
import { answerer, askableStatuses } from './answers.js'
import { readPreferences } from './preferences.js'

export interface MockCoreOptions {
  plans: Plans
  head: HeadContract
  /** Head's examples; without them, every answer is generated. */
  examples?: ExampleSet
}

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * A core service made of examples: every route of head, answered as `Prefer` asks (answers.ts),
 * over real HTTP, so that the real gateway can stand in front of it. It keeps nothing: the gateway
 * has validated the request, and a write is answered like a read.
 */
export default async function mockCore (fastify: FastifyInstance, { plans, head, examples }: MockCoreOptions): Promise<void> {
  const headExamples = examples === undefined ? {} : examplesFor(plans, examples, head.version)
  // A body is drained unread, whatever its type: the answer does not depend on it.
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (_request, payload, done) => {
    payload.resume()
    payload.once('end', () => done(null))
  })

  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const ours = err instanceof MockPreferInvalidError || err instanceof MockUnknownExampleError || err instanceof MockUnknownStatusError
    if (!ours) request.log.error({ err }, 'the mock failed to answer')
    const { statusCode, code, message } = ours ? err : new InternalError()
    const error: CanonicalError = { statusCode: statusCode as number, code, message: ours ? message : 'The mock failed to answer' }
    return reply.code(error.statusCode).header('vary', 'prefer').header('x-evergate-error-code', error.code)
      .type(JSON_TYPE).send(JSON.stringify(head.formatError(error)))
  })

  for (const route of Object.keys(head.routes) as RouteKey[]) {
    const answer = answerer(head, route, headExamples[route] ?? [], askableStatuses(plans, route))
    const space = route.indexOf(' ')
    fastify.route({
      method: route.slice(0, space) as HttpMethod,
      url: route.slice(space + 1),
      handler: async (request, reply) => {
        const { status, body, errorCode } = answer(readPreferences(request.headers.prefer), request.params as Record<string, unknown>)
        // Another preference, another answer: a cache must keep them apart.
        reply.code(status).header('vary', 'prefer')
        // Whatever shape the app's version gives the body, the code stays readable (errors.md).
        if (errorCode !== undefined) reply.header('x-evergate-error-code', errorCode)
        return body === undefined ? reply.send() : reply.type(JSON_TYPE).send(JSON.stringify(body))
      }
    })
  }
}
