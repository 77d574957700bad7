// What `npm start` prints: where everything is, and commands to paste that work as printed.

export interface BannerOptions {
  coreUrl: string
  address: string
  /** Null when the admin API is off. */
  adminAddress: string | null
  token: string
  database: string
  /** Today, for a sunset in the hint that is not already past (the CLI asks before using one). */
  now?: Date
}

export function banner ({ coreUrl, address, adminAddress, token, database, now = new Date() }: BannerOptions): string {
  const sunset = new Date(now.getTime() + 90 * 86_400_000).toISOString().slice(0, 10)
  // The admin API's real address, not the CLI's default: ADMIN_PORT may be another port.
  const admin = adminAddress === null
    ? ['  The admin API is off (EVERGATE_RELEASE_MANAGEMENT=false).']
    : [
        '  Deprecate and retire versions (this shell, then the CLI):',
        `    export EVERGATE_ADMIN_URL=${adminAddress} EVERGATE_ADMIN_TOKEN=${token}`,
        `    npx evergate versions deprecate "<2.0.0" --sunset ${sunset}`,
        '    npx evergate versions usage',
        '    npx evergate versions release 3.4.0 --platform ios',
        '    npx evergate --help',
        `  or open ${adminAddress}/ in a browser.`
      ]
  return `
  Pulse core (speaks head)   ${coreUrl}
  evergate gateway           ${address}
  evergate admin API, page   ${adminAddress ?? 'off'}${adminAddress === null ? '' : `  (any user name, the token as password: ${token})`}
  release policy database    ${database}

  Try an app from 2024 and one from today:
    curl -s ${address}/profile -H 'X-App-Version: 1.0.0'
    curl -s ${address}/users/me -H 'X-App-Version: 3.1.0'
    curl -s ${address}/articles -H 'User-Agent: Pulse/2.1.0 (iPhone; iOS 17.0)'
    curl -s ${address}/_evergate/app-status -H 'X-App-Version: 1.2.0' -H 'X-App-Platform: ios'

${admin.join('\n')}
`
}
