import { hostname, userInfo } from 'node:os'
import { request } from 'undici'
import { UsageError, type Io } from './io.js'

export type Admin = ReturnType<typeof adminClient>

export const DEFAULT_TIMEOUT_MS = 10_000

/** How long to wait for each admin call: --timeout, else EVERGATE_ADMIN_TIMEOUT_MS, else 10 s. */
export function timeoutOf (flag: string | undefined, env: Io['env']): number {
  const [name, text] = flag !== undefined ? ['--timeout', flag] : ['EVERGATE_ADMIN_TIMEOUT_MS', env.EVERGATE_ADMIN_TIMEOUT_MS]
  if (text === undefined || text === '') return DEFAULT_TIMEOUT_MS
  const ms = Number(text)
  if (!Number.isInteger(ms) || ms < 1) throw new UsageError(`${name} "${text}" is not a number of milliseconds`)
  return ms
}

/**
 * The admin API as the CLI calls it (EVERGATE_ADMIN_URL, EVERGATE_ADMIN_TOKEN), signing changes
 * with the user and host it runs as: the JSON answer, or an Error with the API's message. A port
 * that accepts and never answers (a wedged process, a firewall that drops) would otherwise leave
 * the CLI silent for minutes: each call, answer read included, has `timeoutMs`.
 */
export function adminClient (env: Io['env'], timeoutMs = DEFAULT_TIMEOUT_MS) {
  const base = (env.EVERGATE_ADMIN_URL ?? 'http://127.0.0.1:8081').replace(/\/$/, '')
  const token = env.EVERGATE_ADMIN_TOKEN ?? ''
  const actor = `${userInfo().username}@${hostname()}`.replace(/[^\w.@+-]/g, '').slice(0, 64)
  return async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<any> => {
    // Checked on the first call, so that a command's own usage errors are said first.
    if (token === '') throw new UsageError('EVERGATE_ADMIN_TOKEN is not set')
    const signal = AbortSignal.timeout(timeoutMs)
    let res, json: { error?: { message?: string } } | null
    try {
      res = await request(base + path, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${token}`,
          'x-evergate-actor': actor,
          // Fastify refuses an empty body said to be JSON.
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
      const text = await res.body.text()
      try { json = JSON.parse(text) } catch { json = null }
    } catch (err) {
      if (signal.aborted) {
        throw new Error(`the admin API did not answer ${method} ${base + path} within ${timeoutMs} ms ` +
          '(--timeout or EVERGATE_ADMIN_TIMEOUT_MS to wait longer)')
      }
      throw new Error(`cannot reach the admin API at ${base}: ${(err as Error).message}`)
    }
    if (res.statusCode === 401) throw new Error('the admin API refused the token (EVERGATE_ADMIN_TOKEN)')
    if (res.statusCode >= 400) throw new Error(json?.error?.message ?? `the admin API answered ${res.statusCode}`)
    return json
  }
}
