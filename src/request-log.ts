import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import { VersionUnsupportedError } from './errors.js'

/**
 * The probes an orchestrator or a Docker HEALTHCHECK sends every few seconds on every instance:
 * a line each would bury the traffic. A probe that fails with an error is still logged.
 */
export const PROBES: ReadonlySet<string> = new Set(['/_evergate/health', '/_evergate/ready'])

/**
 * One log line per request, written when the response is done, with who called (app version,
 * platform), which contract version served it, what the release policy says of that build, and the
 * gateway's error code when it answered with an error of its own (with tracing on, the trace id
 * too). Fastify's own "incoming request" line is dropped, and so are the lines of health and
 * readiness probes.
 */
export class RequestLog extends LogController {
  override incomingRequest (): void {}

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.log.level === 'silent') return
    if (error == null && PROBES.has(request.routeOptions.url as string)) return
    const { appVersion, platform, contract } = request.client
    const code = reply.getHeader('x-evergate-error-code')
    const errorCode = typeof code === 'string' ? code : null
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 100) / 100,
      appVersion,
      platform,
      contract,
      // Decided on versioned routes; a build older than every contract is refused as a retired one is.
      policyStatus: request.policyStatus ?? (errorCode === VersionUnsupportedError.code ? 'retired' : null),
      errorCode,
      traceId: request.traceSpan?.spanContext().traceId
    }
    if (error != null) reply.log.error({ ...line, err: error }, 'request failed')
    else reply.log.info(line, 'request')
  }
}
