import Fastify from 'fastify'
import { urlOf } from './gateway.js'

interface Teardown { teardown (fn: () => unknown): void }

/** A span as OTLP/HTTP JSON encodes it (ids in hex). */
export interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  /** 1 internal, 2 server, 3 client. */
  kind: number
  attributes: Array<{ key: string, value: Record<string, unknown> }>
  status: { code?: number, message?: string }
}

export interface OtlpExport {
  contentType: string
  /** The decoded body of a JSON export; the raw bytes of a protobuf one. */
  body: any
}

/**
 * A collector's OTLP/HTTP receiver, in process: it takes POST /v1/traces in either encoding and
 * keeps every export, as an OpenTelemetry Collector's otlp receiver would.
 */
export async function startCollector (t: Teardown) {
  const exports: OtlpExport[] = []
  const app = Fastify({ logger: false })
  app.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })
  app.post('/v1/traces', async (request, reply) => {
    exports.push({ contentType: String(request.headers['content-type']), body: request.body })
    // An empty ExportTraceServiceResponse: everything accepted.
    return request.headers['content-type'] === 'application/x-protobuf'
      ? await reply.type('application/x-protobuf').send(Buffer.alloc(0))
      : {}
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return {
    url: urlOf(app),
    exports,
    close: async () => { await app.close() },
    /** Every span of the JSON exports so far, with the attributes of its resource. */
    spans (): Array<OtlpSpan & { resource: Record<string, unknown> }> {
      return exports.filter((e) => e.contentType.startsWith('application/json')).flatMap(({ body }) =>
        (body.resourceSpans as any[]).flatMap((rs) => rs.scopeSpans.flatMap((ss: any) =>
          (ss.spans as OtlpSpan[]).map((span) => ({ ...span, resource: attributes(rs.resource) })))))
    }
  }
}

/** A span's or a resource's attributes as a plain object. */
export function attributes (of: { attributes: Array<{ key: string, value: Record<string, unknown> }> }): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const { key, value } of of.attributes) out[key] = Object.values(value)[0]
  return out
}
