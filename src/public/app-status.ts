import type { FastifyInstance } from 'fastify'
import semver from 'semver'
import { VersionUnsupportedError } from '../errors.js'

export interface AppStatusOptions {
  /** `Vary` value of the versioned answers: this one depends on the same headers. */
  vary: string
  contractVersions: readonly string[]
}

/** `/_evergate/app-status`, with release management on: an app's own status, from the live policy. */
export default async function appStatus (fastify: FastifyInstance, { vary, contractVersions }: AppStatusOptions): Promise<void> {
  const { store } = fastify.release
  // What an app asks at launch: may I run, what should I tell the user. Answers retired builds too.
  fastify.get('/app-status', async (request, reply) => {
    const { client } = request
    // An answer about this build, which changes whenever a release manager acts: no cache keeps it.
    reply.header('cache-control', 'no-store').header('vary', vary)
    if (client.error !== null && !(client.error instanceof VersionUnsupportedError)) throw client.error
    const decision = client.contract === null
      ? null
      : store.policy.decide(client.appVersion, client.platform)
    const latest = store.latest.of(client.platform).version
    return {
      app_version: client.appVersion,
      platform: client.platform,
      contract_version: client.contract,
      status: decision?.status ?? 'retired',
      minimum_version: store.policy.minimumVersion(client.platform) ?? contractVersions[0],
      latest_version: latest,
      update_available: client.appVersion !== null && semver.lt(client.appVersion, latest),
      deprecation_date: decision?.deprecationDate?.toISOString() ?? null,
      sunset_date: decision?.sunsetDate?.toISOString() ?? null,
      message: decision === null ? client.error?.message ?? null : decision.message,
      upgrade_url: decision?.upgradeUrl ?? store.policy.storeUrl(client.platform)
    }
  })
}
