import type { NetworkInterfaceInfo } from 'node:os'
import t from 'tap'
import { addressesOf } from '../../src/mock/addresses.js'

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false, scopeid = 0) =>
  ({ address, family, internal, scopeid, netmask: '', mac: '', cidr: null }) as NetworkInterfaceInfo

// A laptop on Wi-Fi and a VPN, with its loopback and an IPv6 link-local address.
const laptop = {
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  wlan0: [nic('192.168.1.23', 'IPv4'), nic('fe80::1', 'IPv6', false, 3), nic('2001:db8::23', 'IPv6')],
  tun0: [nic('10.8.0.5', 'IPv4')],
  down: undefined
}

t.test('on every address: localhost, each LAN address, the Android emulator\'s alias', async (t) => {
  t.same(addressesOf('0.0.0.0', 8080, laptop), {
    local: 'http://localhost:8080',
    lan: ['http://192.168.1.23:8080', 'http://10.8.0.5:8080'],
    androidEmulator: 'http://10.0.2.2:8080'
  })
  t.same(addressesOf('::', 4010, laptop).lan, ['http://192.168.1.23:4010', 'http://[2001:db8::23]:4010', 'http://10.8.0.5:4010'],
    'IPv6 too on ::, but no link-local address')
  t.same(addressesOf('0.0.0.0', 8080, { lo: laptop.lo }).lan, [], 'no network')
})

t.test('on one address: that address only', async (t) => {
  t.same(addressesOf('127.0.0.1', 8080, laptop), { local: 'http://127.0.0.1:8080', lan: [], androidEmulator: 'http://10.0.2.2:8080' })
  t.same(addressesOf('localhost', 8080, laptop).androidEmulator, 'http://10.0.2.2:8080')
  t.same(addressesOf('::1', 8080, laptop), { local: 'http://[::1]:8080', lan: [], androidEmulator: null }, 'the emulator\'s alias is the IPv4 loopback')
  t.same(addressesOf('192.168.1.23', 8080, laptop), { local: null, lan: ['http://192.168.1.23:8080'], androidEmulator: null })
  t.ok(addressesOf('0.0.0.0', 1).local, 'this machine\'s own interfaces by default')
})
