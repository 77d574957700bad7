import semver from 'semver'
import type { PolicyStore } from './policy-store.js'

/** The app versions seen, busiest first, as `ReleaseRepository.seenVersions` lists them. */
export interface SeenVersions {
  readonly versions: ReadonlyArray<{ platform: string, app_version: string }>
  /** How many (version, platform) pairs were seen in all, listed or not. */
  readonly seen: number
}

/**
 * What the release managers look at before they act: the app versions seen, each with what the
 * policy says of it now, the contract versions, the minimum and latest versions per platform, and
 * whether the policy database is answering.
 */
export function versionReport (store: PolicyStore, platforms: readonly string[], contractVersions: readonly string[],
  { versions: seen, seen: seenCount }: SeenVersions) {
  const { policy, latest } = store
  const rows = seen
    .filter(({ app_version: version }) => semver.valid(version) !== null)
    .sort((a, b) => semver.compare(a.app_version, b.app_version) || a.platform.localeCompare(b.platform))
    .map(({ app_version: version, platform }) => {
      const decision = policy.decide(version, platform === 'unknown' ? null : platform)
      return { app_version: version, platform, status: decision.status, rule_id: decision.rule?.id ?? null, sunset_date: decision.sunsetDate?.toISOString() ?? null }
    })
  // The platforms apps are told apart by; `other` and `unknown` (apps that send none) once seen.
  const seenOn = new Set(seen.map((s) => s.platform))
  const listed = [...platforms, 'unknown'].filter((p) => seenOn.has(p) || (p !== 'other' && p !== 'unknown'))
  return {
    contracts: contractVersions,
    minimum_version: policy.minimumVersion(null),
    latest: listed.map((platform) => ({ platform, ...latest.of(platform === 'unknown' ? null : platform) })),
    database: store.health,
    versions: rows,
    // App versions seen on a platform with less traffic than those listed (the limit).
    not_listed: seenCount - seen.length
  }
}
