import semver from 'semver'

/** An announced release, as the policy store keeps it. */
export interface AnnouncedRelease {
  /** null: every platform. */
  readonly platform: string | null
  readonly version: string
  readonly releasedAt: Date
  /** Pulled from the stores: never the latest, announced or in use. */
  readonly withdrawn: boolean
}

export interface Latest {
  readonly version: string
  /**
   * announced: a release manager said so; in use: the newest release with its share of traffic;
   * contract: the newest contract version, when nothing newer is known.
   */
  readonly source: 'announced' | 'in use' | 'contract'
}

/** Why `version` cannot be announced as a release, or null when it can. */
export function releaseVersionProblem (version: string): string | null {
  return semver.valid(version) === version && semver.prerelease(version) === null
    ? null
    : `version "${version}" is not a release version (x.y.z, e.g. "3.4.0"; no pre-release, no build)`
}

/** The platform key usage is counted under when an app sends none. */
const NO_PLATFORM = 'unknown'

/**
 * The newest version of the app per platform: what `app-status` tells an app it can update to.
 *
 * Announced releases decide, for a platform with at least one out (its own or one for every
 * platform). With none out, the newest release in use (see PolicyStore), or the newest contract
 * version, stands in: it lags a release by days. A withdrawn release is neither, although its
 * users keep running it.
 */
export class LatestVersions {
  /** Per platform key (null: every platform), newest version first. */
  private readonly announced = new Map<string | null, AnnouncedRelease[]>()
  /** Per platform key (null: every platform), the versions withdrawn. */
  private readonly withdrawn = new Map<string | null, Set<string>>()
  private readonly head: string

  /** `inUse`: per platform key, the releases in use, ascending. */
  constructor (
    releases: readonly AnnouncedRelease[],
    private readonly inUse: ReadonlyMap<string, readonly string[]>,
    contractVersions: readonly string[]
  ) {
    this.head = [...contractVersions].sort(semver.compare).at(-1) as string
    for (const release of releases) {
      if (release.withdrawn) {
        const versions = this.withdrawn.get(release.platform) ?? new Set()
        this.withdrawn.set(release.platform, versions.add(release.version))
        continue
      }
      const list = this.announced.get(release.platform) ?? []
      list.push(release)
      this.announced.set(release.platform, list)
    }
    for (const list of this.announced.values()) list.sort((a, b) => semver.rcompare(a.version, b.version))
  }

  of (platform: string | null, now = Date.now()): Latest {
    const own = platform === null ? undefined : this.newestOut(this.announced.get(platform), now)
    const everywhere = this.newestOut(this.announced.get(null), now)
    if (own !== undefined || everywhere !== undefined) {
      const version = own === undefined || (everywhere !== undefined && semver.gt(everywhere, own)) ? everywhere : own
      return { version: version as string, source: 'announced' }
    }
    const used = this.inUse.get(platform ?? NO_PLATFORM)?.findLast((version) => !this.isWithdrawn(version, platform))
    return used !== undefined && semver.gt(used, this.head)
      ? { version: used, source: 'in use' }
      : { version: this.head, source: 'contract' }
  }

  private isWithdrawn (version: string, platform: string | null): boolean {
    return this.withdrawn.get(null)?.has(version) === true ||
      (platform !== null && this.withdrawn.get(platform)?.has(version) === true)
  }

  private newestOut (list: readonly AnnouncedRelease[] | undefined, now: number): string | undefined {
    return list?.find((release) => release.releasedAt.getTime() <= now)?.version
  }
}
