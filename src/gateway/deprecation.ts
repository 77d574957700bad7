import type { FastifyReply } from 'fastify'
import { joined, type OutgoingHeaders } from '../proxy/forwarding.js'

/**
 * A deprecated client's Deprecation, Sunset and Link (set by the release policy before the core
 * was asked) are about its app version and outlive the core's headers of the same names, and
 * those steps set; a core's links (pagination, say) are kept before the gateway's.
 */
export function keepDeprecation (reply: FastifyReply, headers: OutgoingHeaders): void {
  delete headers.deprecation
  if (reply.hasHeader('sunset')) delete headers.sunset
  const link = reply.getHeader('link')
  const coreLink = joined(headers.link)
  if (link !== undefined && coreLink !== undefined) headers.link = `${coreLink}, ${String(link)}`
}
