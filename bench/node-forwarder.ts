import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from 'node:http'
import { Pool, type Dispatcher } from 'undici'
import { HOP_BY_HOP } from '../src/proxy/hop-by-hop.js'

// For scale, not for use: what forwarding a GET costs Node.js itself. node:http in front,
// undici's dispatcher behind (as evergate has), no framework, no routing, no translation, nothing
// checked. It has no timeouts, no X-Forwarded-*, no error shapes and no request bodies, so it is
// no proxy to deploy; it is the part of a proxy's CPU that is Node's HTTP on both sides, which no
// gateway written on Node spends less than.

/** A server the bench can start and stop: Fastify's, or this one. */
export interface BenchServer {
  readonly server: Server
  listen (options: { port: number, host: string }): Promise<unknown>
  close (): PromiseLike<unknown>
}

function forwardable (headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {}
  for (const name in headers) {
    if (!HOP_BY_HOP.has(name)) out[name] = headers[name]
  }
  return out
}

export function nodeForwarder (upstream: string): BenchServer {
  // evergate's default (EVERGATE_UPSTREAM_CONNECTIONS).
  const pool = new Pool(upstream, { connections: 64, pipelining: 1 })
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    let status = 502
    let headers: OutgoingHttpHeaders = {}
    const options: Dispatcher.DispatchOptions = {
      method: req.method as Dispatcher.HttpMethod,
      path: req.url ?? '/',
      headers: forwardable(req.headers) as Record<string, string>
    }
    pool.dispatch(options, {
      // Its presence tells undici this is a handler of the current API.
      onRequestStart () {},
      onResponseStart (_controller, statusCode, responseHeaders) {
        status = statusCode
        headers = forwardable(responseHeaders as IncomingHttpHeaders)
      },
      onResponseData (_controller, chunk) {
        chunks.push(chunk)
      },
      onResponseEnd () {
        res.writeHead(status, headers).end(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks))
      },
      onResponseError () {
        if (res.headersSent) res.destroy()
        else res.writeHead(502).end()
      }
    })
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
