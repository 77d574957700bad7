import semver from 'semver'

// Lenient reading of what app builds send: `3.2`, `v3.2.1`, `3.2.1 (451)`, `3.2.1-beta.2`.
const APP_VERSION = /^\s*[vV]?(\d{1,6})(?:\.(\d{1,6}))?(?:\.(\d{1,6}))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z.-]+)?(?:\s*\(\s*[0-9A-Za-z.-]{1,20}\s*\))?\s*$/
const MAX_LENGTH = 64

// A numeric pre-release identifier's leading zeros (`-01`), which strict semver refuses.
const LEADING_ZEROS = /(?<=^-|\.)0+(?=\d+(?:\.|$))/g

/**
 * The app version as normalised semver (`3.2.0`), or null when it is not one. Whatever it returns,
 * semver can compare: a string it cannot would throw where versions are resolved, for every route.
 */
export function parseAppVersion (raw: string): string | null {
  if (raw.length > MAX_LENGTH) return null
  const m = APP_VERSION.exec(raw)
  if (m === null) return null
  const preRelease = m[4] === undefined ? '' : m[4].replace(LEADING_ZEROS, '')
  const version = `${Number(m[1])}.${Number(m[2] ?? 0)}.${Number(m[3] ?? 0)}${preRelease}`
  return semver.valid(version) === null ? null : version
}

/** What a User-Agent may say of the app, read by `userAgentReader`. */
export type UserAgentReader = (userAgent: string) => string | null

const escape = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Reads the app version from a User-Agent, looking only at the product tokens of the deployment's
 * own apps (`Pulse/3.2.1 (iPhone; iOS 17.0)`): HTTP libraries and systems put their own versions
 * there (`okhttp/4.12.0`, `Dalvik/2.1.0`, `CFNetwork/1410.0.3`), which are never the app's. A bare
 * number (`Pulse/451 CFNetwork/... Darwin/...`, iOS's default) is a build number, not a version:
 * it reads as no version. With no app names there is nothing to read: null.
 */
export function userAgentReader (apps: readonly string[]): UserAgentReader | null {
  if (apps.length === 0) return null
  // A name as a whole token: at the start, or after a space or the end of a comment.
  const token = new RegExp(`(?:^|[\\s)])(?:${apps.map(escape).join('|')})/([^\\s;()]{1,64})`, 'i')
  return (userAgent) => {
    const m = token.exec(userAgent.length > 512 ? userAgent.slice(0, 512) : userAgent)
    return m === null || /^\d+$/.test(m[1]) ? null : parseAppVersion(m[1])
  }
}

const PLATFORM = /^[a-z][a-z0-9_-]{0,31}$/

/** `iOS` -> `ios`; anything that is not a short identifier -> null. */
export function parsePlatform (raw: string | undefined): string | null {
  if (raw === undefined) return null
  const platform = raw.trim().toLowerCase()
  return PLATFORM.test(platform) ? platform : null
}
