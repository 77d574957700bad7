import { pipeline, Transform, type Readable } from 'node:stream'
import type { FastifyBaseLogger } from 'fastify'
import type { ContractPlan, Plans } from '../engine/index.js'
import type { Metrics } from '../metrics.js'
import type { CoreResponse } from '../proxy/exchange.js'
import type { WatchResponses } from '../gateway/translate.js'
import { SchemaChecker, type Violation } from './schema-checker.js'

// In production the core may drift from head's contract between deployment checks: a sample of
// its answers is checked against head, after the client has its answer, and what breaks is
// counted (evergate_contract_violations_total) and logged once per kind.

export interface SamplingOptions {
  /** The share of answers checked, 0 to 1 (EVERGATE_CONTRACT_SAMPLE_RATE). */
  rate: number
  plans: Plans
  metrics: Metrics
  log: FastifyBaseLogger
  /** A streamed body larger than this is not checked: it would be held in memory to be. */
  maxBytes: number
  random?: () => number
}

/** Kinds of violation logged: past this many, the rest are counted only. */
const MAX_LOGGED_KINDS = 1000

/** The body as text, without the byte order mark some cores put before JSON. */
function utf8 (body: Buffer): string {
  return body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.toString('utf8', 3) : body.toString('utf8')
}

/** A copy of each chunk passing through; `done` gets them all when the body ends, unless there were too many. */
function collecting (body: Readable, maxBytes: number, done: (bytes: Buffer) => void): Readable {
  const chunks: Buffer[] = []
  let size = 0
  const tee = new Transform({
    transform (chunk: Buffer, _encoding, callback) {
      size += chunk.length
      if (size <= maxBytes) chunks.push(chunk)
      callback(null, chunk)
    },
    flush (callback) {
      if (size <= maxBytes) done(Buffer.concat(chunks, size))
      callback()
    }
  })
  // pipeline, so that a client gone (Fastify destroys the tee) stops the core's body too, and a
  // core failure mid-body reaches whoever reads the tee.
  pipeline(body, tee, () => {})
  return tee
}

/**
 * The watcher of each route's core answers, checking a sample of them against head; null when the
 * rate is 0, so that no route does any work for it.
 */
export function contractSampler ({ rate, plans, metrics, log, maxBytes, random = Math.random }: SamplingOptions): WatchResponses | null {
  if (rate <= 0) return null
  const head = (plans.contracts.at(-1) as ContractPlan).contract
  const checker = new SchemaChecker()
  const logged = new Set<string>()

  return (plan) => {
    const route = plan.target.route
    const schemas = head.routes[route]
    const counter = (status: number) => metrics.contractViolations.labels(head.version, route, String(status))

    function report (status: number, violation: Violation): void {
      counter(status).inc()
      // Array indices aside, one kind is one line: a page of broken items is not twenty.
      const kind = `${head.version} ${route} ${violation.instancePath.replace(/\/\d+(?=\/|$)/g, '/*')}`
      if (logged.has(kind) || logged.size >= MAX_LOGGED_KINDS) return
      logged.add(kind)
      log.warn({ contract: head.version, route, status, instancePath: violation.instancePath, violation: violation.message },
        `the core answered ${route} outside contract ${head.version}: ${violation.instancePath === '' ? 'the body' : violation.instancePath} ${violation.message}`)
    }

    function check (status: number, bytes: Buffer): void {
      // An error with no body at all (a bare 401 from an auth layer), or a 204: nothing to check.
      if (bytes.length === 0 && (status === 204 || status >= 400)) return
      let body: unknown
      try {
        body = JSON.parse(utf8(bytes))
      } catch {
        return report(status, { instancePath: '', message: 'is not JSON' })
      }
      const [first] = checker.response(schemas, head.error, status, body)
      if (first !== undefined) report(status, first)
    }

    return (res: CoreResponse): CoreResponse => {
      if (random() >= rate) return res
      // A 304 confirms a body the client holds; an encoded body (gzip) is not JSON to read.
      const encoding = res.headers['content-encoding']
      if (res.statusCode === 304 || (encoding !== undefined && encoding !== 'identity')) return res
      // Checked once the client has its answer: the check never delays it.
      const later = (bytes: Buffer) => { setImmediate(check, res.statusCode, bytes) }
      if (Buffer.isBuffer(res.body)) {
        later(res.body)
        return res
      }
      return { ...res, body: collecting(res.body, maxBytes, later) }
    }
  }
}
