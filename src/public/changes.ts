import type { FastifyInstance, FastifyRequest } from 'fastify'
import { changelog, differences, type ChangelogEntry, type Differences } from '../compatibility/changes.js'
import { changelogHtml, differencesHtml } from '../compatibility/changes-html.js'
import type { Bundle, Plans } from '../engine/index.js'
import { ChangesQueryError } from '../errors.js'

export interface ChangesOptions {
  bundle: Bundle
  plans: Plans
  /** Each frozen version's release day (from its frozen copy). */
  released: ReadonlyMap<string, string>
}

/** A browser asks for HTML before JSON; anything else (an app, curl, a script) gets JSON. */
function wantsHtml (request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  const html = accept.indexOf('text/html')
  const json = accept.indexOf('application/json')
  return html !== -1 && (json === -1 || html < json)
}

/** `/_evergate/changelog` and `/_evergate/changes`: what changed between versions, from the contracts. */
export default async function changes (fastify: FastifyInstance, { bundle, plans, released }: ChangesOptions): Promise<void> {
  // Built once: the changelog only changes with a deploy.
  const entries: ChangelogEntry[] = changelog(bundle, released)
  const log = {
    head: plans.head,
    versions: entries.map((entry) => ({
      version: entry.version,
      released: entry.released,
      changes: entry.changes.map((c) => c.description),
      details: entry.changes,
      differences: entry.differences
    }))
  }
  const logHtml = changelogHtml(entries, plans.head)
  fastify.get('/changelog', async (request, reply) => wantsHtml(request) ? await reply.type('text/html; charset=utf-8').send(logHtml) : log)

  // "What changes for my app if I move from 2.0.0 to 3.0.0": every route and field, and why.
  const versions = plans.contracts.map((c) => c.version)
  fastify.get<{ Querystring: { from?: string, to?: string } }>('/changes', async (request, reply) => {
    const { from, to = plans.head } = request.query
    if (typeof from !== 'string' || !versions.includes(from) || typeof to !== 'string' || !versions.includes(to)) {
      throw new ChangesQueryError(`from and to must be contract versions (${versions.join(', ')}); to defaults to head`)
    }
    if (from === to) throw new ChangesQueryError('from and to are the same version')
    const [older, newer] = versions.indexOf(from) < versions.indexOf(to) ? [from, to] : [to, from]
    const found: Differences = differences(bundle, older, newer)
    return wantsHtml(request) ? await reply.type('text/html; charset=utf-8').send(differencesHtml(found)) : found
  })
}
