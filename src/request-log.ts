import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { VersionUnsupportedError } from './errors.js'

// Fastify re-exports neither of pino's types that its childLoggerFactory takes.
type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>
type Bindings = Parameters<ChildLoggerFactory>[1]
type ChildLoggerOptions = Parameters<ChildLoggerFactory>[2]

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
    const [level, fields, message] = error == null
      ? ['info', line, 'request'] as const
      : ['error', { ...line, err: error }, 'request failed'] as const
    const log = reply.log
    // The gateway's requests have a RequestLogger; an app built with another childLoggerFactory, a pino child.
    if (log instanceof RequestLogger) log.line(level, fields, message)
    else log[level](fields, message)
  }
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/**
 * A request's logger (Fastify's `request.log`), whose pino child is made the first time something
 * is logged through it. Most requests log nothing but the line RequestLog writes when they end,
 * which goes through the parent with the request's bindings, as the child would have written it:
 * a child per request costs more than that line, and all of the request's logging at
 * LOG_LEVEL=warn and above.
 */
export class RequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | null = null

  constructor (private readonly parent: FastifyBaseLogger, private readonly bindings: Bindings, private readonly options: ChildLoggerOptions) {
    // A route's own level or serializers (Fastify's logLevel, logSerializers) are the child's alone.
    if (options.level !== undefined || options.serializers !== undefined) this.#child = parent.child(bindings, options)
  }

  /** Fastify's childLoggerFactory. */
  static make (this: unknown, parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): RequestLogger {
    return new RequestLogger(parent, bindings, options)
  }

  get #log (): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options))
  }

  get level (): string {
    return this.#child === null ? this.parent.level : this.#child.level
  }

  set level (level: string) {
    this.#log.level = level
  }

  /** One line with the request's bindings, written through its child if it has one, else through the parent. */
  line (level: Level, object: object, message: string): void {
    if (this.#child !== null) this.#child[level](object, message)
    else if (this.enabled(level)) this.parent[level]({ ...this.bindings, ...object }, message)
  }

  /** Whether the parent writes `level` (pino points the levels below its own at one no-op, `silent`). */
  private enabled (level: Level): boolean {
    return this.parent[level] !== this.parent.silent
  }

  private write (level: Level, args: unknown[]): void {
    if (this.#child === null && !this.enabled(level)) return
    ;(this.#log[level] as (...args: unknown[]) => void)(...args)
  }

  fatal (...args: unknown[]): void { this.write('fatal', args) }
  error (...args: unknown[]): void { this.write('error', args) }
  warn (...args: unknown[]): void { this.write('warn', args) }
  info (...args: unknown[]): void { this.write('info', args) }
  debug (...args: unknown[]): void { this.write('debug', args) }
  trace (...args: unknown[]): void { this.write('trace', args) }
  silent (): void {}

  child (bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#log.child(bindings, options)
  }
}
