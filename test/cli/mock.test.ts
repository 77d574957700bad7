import { fork } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { banner, mockCommand } from '../../src/cli/mock.js'
import { loadConfig } from '../../src/config.js'
import { addressesOf } from '../../src/mock/addresses.js'
import { cli } from '../helpers/cli.js'
import { call } from '../helpers/gateway.js'
import { breach } from '../helpers/mock.js'

// `evergate mock` as a developer runs it: a process of its own that prints where to point an
// app, and answers there. The process starts the embedded database: give the file time.
t.setTimeout(180_000)

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))

t.test('evergate mock prints its addresses, the LAN\'s included, and answers there until Ctrl-C', async (t) => {
  // No HOST: the default, every address. PORT as the gateway reads it, 0 for a free one.
  const { HOST: _host, ...env } = process.env
  const child = fork(CLI, ['mock', '--retired', '<1.5.0', '--deprecated', '1.5.x'], {
    execArgv: process.execArgv,
    // A DATABASE_URL that answers nothing: the mock keeps its rules in memory and never calls it.
    env: { ...env, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  let printed = ''
  let errors = ''
  child.stderr?.on('data', (chunk: Buffer) => { errors += chunk.toString() })
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString()
      if (printed.includes('Ctrl-C stops it.')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${errors}`)))
  })
  const lines = printed.split('\n')
  const port = /http:\/\/localhost:(\d+)/.exec(printed)?.[1]
  t.ok(port !== undefined && Number(port) > 0, 'the port picked, not 0')
  t.ok(lines.some((l) => /^ {2}this machine +http:\/\/localhost:\d+ +\(a browser; the iOS simulator too\)$/.test(l)))
  t.ok(lines.some((l) => l === `  Android emulator  http://10.0.2.2:${port}`))
  const lan = Object.values(networkInterfaces()).flatMap((list) => list ?? []).filter((i) => !i.internal && i.family === 'IPv4')
  const lanLine = lines.find((l) => l.startsWith('  on the LAN ')) ?? ''
  for (const { address } of lan) t.ok(lanLine.includes(`http://${address}:${port}`), `the LAN address ${address}`)
  t.ok(lines.some((l) => l.includes('Retired: <1.5.0')), 'the simulated rule')
  t.equal(errors, '', 'nothing on stderr')

  for (const base of [`http://127.0.0.1:${port}`, ...lan.map((i) => `http://${i.address}:${port}`)]) {
    const profile = await call(base, '/profile', { version: '1.5.0' })
    t.equal(profile.status, 200, `answered at ${base}`)
    t.match(profile.headers.deprecation, /^@\d+$/, 'deprecated, by the second rule')
    t.equal(breach('1.0.0', 'GET /profile', profile.status, profile.json), null)
  }
  const retired = await call(`http://127.0.0.1:${port}`, '/profile', { version: '1.4.9' })
  t.same([retired.status, retired.json.code], [426, 426], 'the upgrade answer, in 1.0.0\'s shape')

  child.kill('SIGINT')
  const [code] = await once(child, 'exit') as [number | null]
  t.equal(code, 0, 'Ctrl-C closes it cleanly')
})

t.test('the command serves until told to stop, on the address given', async (t) => {
  const c = cli({ LOG_LEVEL: 'silent' })
  const io = { out: (l: string) => c.out.push(l), err: (l: string) => c.err.push(l), env: { LOG_LEVEL: 'silent' } }
  const code = await mockCommand(['--port', '0', '--host', '127.0.0.1', '--deprecated', '<2.0.0', '--sunset', '2099-01-31', '--platform', 'iOS',
    '--message', 'Time to update', '--upgrade-url', 'https://example.com/pulse'], io, async (mock) => {
    const res = await call(`http://127.0.0.1:${mock.port}`, '/profile', { version: '1.0.0', headers: { 'x-app-platform': 'ios' } })
    t.same([res.status, res.headers.link], [200, '<https://example.com/pulse>; rel="deprecation", <https://example.com/pulse>; rel="sunset"'])
    const other = await call(`http://127.0.0.1:${mock.port}`, '/profile', { version: '1.0.0', headers: { 'x-app-platform': 'android' } })
    t.equal(other.headers.deprecation, undefined, 'the rule is for iOS only')
  })
  t.equal(code, 0)
  t.same(c.err, [])
  t.match(c.out[0], /^evergate mock: contract versions 1\.0\.0, .*\(head \d+\.\d+\.\d+\)/)
  t.ok(c.out.includes('  on the LAN        none: it listens on 127.0.0.1 only (--host 0.0.0.0 lets a phone in)'))
  t.ok(c.out.some((l) => l.startsWith('  Deprecated on ios: <2.0.0, sunset 2099-01-31,')))
  t.ok(c.out.some((l) => /The API reference: http:\/\/127\.0\.0\.1:\d+\/_evergate\/docs$/.test(l)))
})

t.test('the banner says where a phone can reach it, and where it cannot', async (t) => {
  const mock = (host: string) => ({ config: loadConfig({ HOST: host, EVERGATE_VERSION_HEADER: 'X-Pulse-Version' }), port: 8080, versions: ['1.0.0', '2.0.0'] })
  const offline = banner(mock('0.0.0.0'), [], addressesOf('0.0.0.0', 8080, {}))
  t.ok(offline.includes('  on the LAN        none found: is this machine on a network?'))
  t.ok(offline.some((l) => l.startsWith('  Apps send their version in x-pulse-version.')))
  const one = banner(mock('192.168.1.23'), [{ range: '<2.0.0', status: 'deprecated' }])
  t.notOk(one.some((l) => /this machine|Android emulator/.test(l)), 'only the address it listens on')
  t.ok(one.includes('  on the LAN        http://192.168.1.23:8080  (a phone on the same network)'))
  t.ok(one.includes('  Deprecated: <2.0.0, with Deprecation, Sunset and Link headers.'))
  t.ok(one.some((l) => l.endsWith('The API reference: http://192.168.1.23:8080/_evergate/docs')))
})

t.test('a port already taken fails the command, and leaves nothing running', async (t) => {
  const taken = createServer()
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { taken.close() })
  const c = cli({ LOG_LEVEL: 'silent' })
  t.equal(await c.run('mock', '--port', String((taken.address() as AddressInfo).port), '--host', '127.0.0.1'), 1)
  t.match(c.err, [/^evergate: listen EADDRINUSE/])
})

t.test('a usage error is one line and where the help is', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['extra'], /^evergate: mock takes no argument \(got extra\)$/],
    [['--port', 'http'], /^evergate: --port "http" is not a port \(0 to 65535\)$/],
    [['--port', '65536'], /--port "65536" is not a port/],
    [['--retired', '<2.0.0 ||'], /^evergate: --retired: "<2.0.0 \|\|" has an empty part/],
    [['--deprecated', 'banana'], /^evergate: --deprecated: "banana" is not a semver range/],
    [['--sunset', '2099-01-31'], /^evergate: --sunset is about the simulated rules: give --retired or --deprecated too$/],
    [['--retired', '<1.5.0', '--sunset', '2099-01-31'], /^evergate: --sunset is the deprecated versions' sunset: give --deprecated too$/],
    [['--deprecated', '<2.0.0', '--sunset', '31/01/2099'], /^evergate: --sunset "31\/01\/2099" is not a date \(YYYY-MM-DD\)$/],
    [['--retired', '<1.5.0', '--upgrade-url', 'store'], /^evergate: --upgrade-url "store" is not a URL$/],
    [['--retired', '<1.5.0', '--platform', 'iphone'], /^evergate: platform "iphone" is not one apps are told apart by/],
    [['--colour', 'red'], /^evergate: Unknown option '--colour'/]
  ]
  for (const [args, message] of cases) {
    const c = cli()
    t.equal(await c.run('mock', ...args), 2, args.join(' '))
    t.same(c.out, [], args.join(' '))
    t.match(c.err, [message, /^run "evergate help mock" for usage$/], args.join(' '))
    t.equal(c.err.length, 2, args.join(' '))
  }
  const help = cli()
  t.equal(await help.run('mock', '--help'), 0)
  t.equal(help.out[0], 'usage: evergate mock [--port N] [--host H] [--retired RANGE] [--deprecated RANGE] [options]')
  t.ok(help.out.some((l) => /^ {2}--retired RANGE\s+app versions refused with the upgrade 426/.test(l)))
})
