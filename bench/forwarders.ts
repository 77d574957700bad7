import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http'
import Fastify from 'fastify'
import { Pool, type Dispatcher } from 'undici'
import { withoutHopByHop } from '../src/proxy/forwarding.js'

// For scale, not for use: what forwarding a GET costs Node.js itself, and then Fastify on top of
// it. undici's dispatcher behind (as evergate has), and in front either node:http alone or a
// Fastify route: no routing beyond that, no translation, nothing checked. They have no timeouts,
// no X-Forwarded-*, no error shapes and no request bodies, so they are no proxies to deploy; they
// are the part of a proxy's CPU that is Node's HTTP on both sides (and Fastify's request
// lifecycle), which no gateway written on them spends less than.

/** A server the bench can start and stop: Fastify's, or node:http's. */
export interface BenchServer {
  readonly server: Server
  listen (options: { port: number, host: string }): Promise<unknown>
  close (): PromiseLike<unknown>
}

type Answer = (status: number, headers: OutgoingHttpHeaders, body: Buffer) => void

/** Asks the core, and hands its status, end-to-end headers and whole body to `answer`. */
function forward (pool: Pool, method: string, path: string, headers: IncomingHttpHeaders, answer: Answer, fail: () => void): void {
  const chunks: Buffer[] = []
  let status = 502
  let coreHeaders: OutgoingHttpHeaders = {}
  const options: Dispatcher.DispatchOptions = {
    method: method as Dispatcher.HttpMethod,
    path,
    headers: withoutHopByHop(headers, {}) as Record<string, string>
  }
  pool.dispatch(options, {
    // Its presence tells undici this is a handler of the current API.
    onRequestStart () {},
    onResponseStart (_controller, statusCode, responseHeaders) {
      status = statusCode
      coreHeaders = withoutHopByHop(responseHeaders as IncomingHttpHeaders, {})
    },
    onResponseData (_controller, chunk) {
      chunks.push(chunk)
    },
    onResponseEnd () {
      answer(status, coreHeaders, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
    },
    onResponseError: fail
  })
}

/** evergate's default (EVERGATE_UPSTREAM_CONNECTIONS). */
const corePool = (upstream: string) => new Pool(upstream, { connections: 64, pipelining: 1 })

export function nodeForwarder (upstream: string): BenchServer {
  const pool = corePool(upstream)
  const server = createServer((req, res) => {
    forward(pool, req.method ?? 'GET', req.url ?? '/', req.headers,
      (status, headers, body) => res.writeHead(status, headers).end(body),
      () => res.writeHead(502).end())
  })
  return {
    server,
    listen: ({ port, host }) => new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => resolve())
    }),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await pool.close()
    }
  }
}

/** The same forward in a Fastify route, answered with reply.send: Fastify's request lifecycle added, nothing else. */
export function fastifyForwarder (upstream: string): BenchServer {
  const pool = corePool(upstream)
  const app = Fastify({ logger: false })
  app.get('/*', (request, reply) => {
    forward(pool, request.method, request.url, request.headers,
      (status, headers, body) => reply.code(status).headers(headers).send(body),
      () => reply.code(502).send())
  })
  app.addHook('onClose', async () => { await pool.close() })
  return app
}
