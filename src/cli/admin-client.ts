import { hostname, userInfo } from 'node:os'
import { request } from 'undici'
import { UsageError, type Io } from './io.js'

export type Admin = ReturnType<typeof adminClient>

/**
 * The admin API as the CLI calls it (EVERGATE_ADMIN_URL, EVERGATE_ADMIN_TOKEN), signing changes
 * with the user and host it runs as: the JSON answer, or an Error with the API's message.
 */
export function adminClient (env: Io['env']) {
  const base = (env.EVERGATE_ADMIN_URL ?? 'http://127.0.0.1:8081').replace(/\/$/, '')
  const token = env.EVERGATE_ADMIN_TOKEN ?? ''
  if (token === '') throw new UsageError('EVERGATE_ADMIN_TOKEN is not set')
  const actor = `${userInfo().username}@${hostname()}`.replace(/[^\w.@+-]/g, '').slice(0, 64)
  return async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<any> => {
    let res
    try {
      res = await request(base + path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'x-evergate-actor': actor,
          // Fastify refuses an empty body said to be JSON.
          ...(body === undefined ? {} : { 'content-type': 'application/json' })
        },
        body: body === undefined ? undefined : JSON.stringify(body)
      })
    } catch (err) {
      throw new Error(`cannot reach the admin API at ${base}: ${(err as Error).message}`)
    }
    const json = await res.body.json().catch(() => null) as { error?: { message?: string } } | null
    if (res.statusCode === 401) throw new Error('the admin API refused the token (EVERGATE_ADMIN_TOKEN)')
    if (res.statusCode >= 400) throw new Error(json?.error?.message ?? `the admin API answered ${res.statusCode}`)
    return json
  }
}
