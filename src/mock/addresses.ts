import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'

// Where a phone, an emulator or a simulator reaches the mock, for the lines it prints at start.

export interface Addresses {
  /** On this machine (a browser, the iOS simulator, which shares the Mac's network); null when not listened on. */
  readonly local: string | null
  /** This machine's addresses on its networks: for a phone on the same Wi-Fi. */
  readonly lan: readonly string[]
  /** The Android emulator's alias for the machine's loopback; null when that is not listened on. */
  readonly androidEmulator: string | null
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>

/** The Android emulator's address for the host's 127.0.0.1. */
const ANDROID_EMULATOR_HOST = '10.0.2.2'

const url = (address: string, port: number) => `http://${address.includes(':') ? `[${address}]` : address}:${port}`

/**
 * The addresses that reach a server listening on `host` and `port`. Every address for 0.0.0.0
 * (IPv4), and for `::` the IPv6 ones too, except link-local addresses, which need a zone to be
 * used; only itself for any other host.
 */
export function addressesOf (host: string, port: number, interfaces: Interfaces = networkInterfaces()): Addresses {
  if (host === '0.0.0.0' || host === '::') {
    const lan = Object.values(interfaces).flatMap((list) => list ?? [])
      .filter((i) => !i.internal && (i.family === 'IPv4' || (host === '::' && i.scopeid === 0)))
      .map((i) => url(i.address, port))
    return { local: url('localhost', port), lan, androidEmulator: url(ANDROID_EMULATOR_HOST, port) }
  }
  if (host === 'localhost' || host.startsWith('127.') || host === '::1') {
    // The emulator's alias leads to the host's IPv4 loopback.
    return { local: url(host, port), lan: [], androidEmulator: host === '::1' ? null : url(ANDROID_EMULATOR_HOST, port) }
  }
  return { local: null, lan: [url(host, port)], androidEmulator: null }
}
