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

// `Pulse/3.2.1 (iPhone; iOS 17.1)`: the first product token, unless it is a browser's `Mozilla/5.0`.
const USER_AGENT = /^\s*([A-Za-z][\w.-]{0,63})\/([vV]?\d{1,6}(?:\.\d{1,6}){0,2})(?=[\s;(]|$)/

/** The app version in a `Name/x.y.z ...` User-Agent, or null. */
export function appVersionFromUserAgent (userAgent: string): string | null {
  const m = USER_AGENT.exec(userAgent)
  if (m === null || m[1].toLowerCase() === 'mozilla') return null
  return parseAppVersion(m[2])
}

const PLATFORM = /^[a-z][a-z0-9_-]{0,31}$/

/** `iOS` -> `ios`; anything that is not a short identifier -> null. */
export function parsePlatform (raw: string | undefined): string | null {
  if (raw === undefined) return null
  const platform = raw.trim().toLowerCase()
  return PLATFORM.test(platform) ? platform : null
}
