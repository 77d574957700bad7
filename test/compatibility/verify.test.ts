import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { request } from 'undici'
import { run, type Io } from '../../src/cli.js'
import { startDemo, startGateway } from '../helpers/gateway.js'

function cli () {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env: {} }
  return { out, err, run: (...argv: string[]) => run(argv, io) }
}

/** A real HTTP server on a free port, closed when the test ends. */
async function listen (t: { teardown (fn: () => unknown): void }, server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** The demo core behind a proxy that drops `summary` from every article: a core that broke its contract. */
async function coreWithoutSummaries (t: { teardown (fn: () => unknown): void }, coreUrl: string): Promise<string> {
  const strip = (article: Record<string, unknown>) => { delete article.summary; return article }
  return await listen(t, createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = chunks.length === 0 ? undefined : Buffer.concat(chunks)
      const core = await request(coreUrl + (req.url as string), { method: req.method as 'GET', headers: { 'content-type': 'application/json' }, body })
      let data = await core.body.json() as any
      if (core.statusCode === 200 && req.url?.startsWith('/articles') === true) {
        data = Array.isArray(data.items) ? { ...data, items: data.items.map(strip) } : strip(data)
      }
      res.writeHead(core.statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(data))
    })
  }))
}

t.test('the demo gateway and core keep every version\'s contract', async (t) => {
  const { url } = await startDemo(t)
  const c = cli()
  t.equal(await c.run('contracts', 'verify', '--url', url), 0, c.err.join('\n'))
  t.same(c.err, [])
  const checks = c.out.slice(0, -1)
  t.ok(checks.length > 20)
  t.ok(checks.every((l) => l.startsWith('PASS  ')), checks.join('\n'))
  for (const version of ['1.0.0', '2.0.0', '2.3.0', '3.0.0']) t.ok(checks.some((l) => l.startsWith(`PASS  ${version}  `)), version)
  t.ok(checks.includes('PASS  1.0.0  GET /articles/:id  "a podcast"  expected 404, got 404'), 'a step\'s reject() is checked too')
  t.match(c.out.at(-1), /^all \d+ checks passed$/)
})

t.test('a core that drops a field head still has fails the check, naming versions and routes', async (t) => {
  const { coreUrl } = await startDemo(t)
  const { url } = await startGateway(t, await coreWithoutSummaries(t, coreUrl))
  const c = cli()
  t.equal(await c.run('contracts', 'verify', '--url', url), 1)
  const failed = c.err.slice(0, -1)
  for (const version of ['1.0.0', '2.0.0', '2.3.0', '3.0.0']) {
    t.ok(failed.some((l) => l.startsWith(`FAIL  ${version}  GET /articles/:id  "an article"  expected 200, got 200  (the body): must have required property 'summary'`)), version)
  }
  t.ok(failed.includes('FAIL  3.0.0  GET /articles  "the first page"  expected 200, got 200  /items/0: must have required property \'summary\'; ' +
    '/items/1: must have required property \'summary\'; /items/2: must have required property \'summary\''), failed.join('\n'))
  t.ok(failed.some((l) => l.startsWith('FAIL  1.0.0  GET /articles  "the first page"  expected 200, got 200  /0: must have required property \'summary\'') &&
    l.endsWith('/2: must have required property \'summary\' (and 11 more)')), 'the first three of 14, and how many more')
  t.notOk(failed.some((l) => / GET \/(profile|users\/me|bookmarks) /.test(l)), 'the routes without articles pass')
  t.ok(c.out.some((l) => l.startsWith('PASS  1.0.0  GET /profile  ')))
  t.match(c.err.at(-1), /^\d+ of \d+ checks failed: the deployment breaks app versions 1\.0\.0, 2\.0\.0, 2\.3\.0, 3\.0\.0$/)

  // No frozen copies (a bundle before its first release): the bundle's contracts, and the line says so.
  const dir = t.testdir({})
  const u = cli()
  t.equal(await u.run('contracts', 'verify', '--url', url, '--snapshots', dir), 1)
  t.ok(u.err.includes('FAIL  3.0.0  GET /articles/:id  "an article"  expected 200, got 200  (the body): must have required property \'summary\'; ' +
    '(3.0.0 is not frozen yet: checked against the bundle\'s contract)'), u.err.join('\n'))
})

t.test('a gateway that does not answer in time, or answers in no contract\'s terms, fails', async (t) => {
  const silent = await listen(t, createServer(() => {}))
  const c = cli()
  t.equal(await c.run('contracts', 'verify', '--url', silent, '--timeout', '100'), 1)
  t.match(c.err[0], /^FAIL {2}1\.0\.0 {2}GET \/articles {2}"the first page" {2}expected 200, got none {2}no answer: /)

  // Retires 1.0.0 as the release policy does; answers 2.3.0 with the wrong JSON, any other version with text.
  const odd = await listen(t, createServer((req, res) => {
    if (req.headers['x-build'] === '1.0.0') {
      res.writeHead(426, { 'content-type': 'application/json', 'x-evergate-error-code': 'EVG_ERR_APP_RETIRED' }).end('{"message":"Update","code":426}')
    } else if (req.headers['x-build'] === '2.3.0') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    } else res.writeHead(200, { 'content-type': 'text/plain' }).end('hello')
  }))
  const o = cli()
  t.equal(await o.run('contracts', 'verify', '--url', odd, '--version-header', 'X-Build'), 1)
  t.ok(o.out.some((l) => l === 'SKIP  1.0.0  GET /profile  "the signed-in user"  expected 200, got 426  retired by the release policy'), 'a retired version is not supported: skipped')
  t.ok(o.err.includes('FAIL  2.0.0  GET /users/me  "the signed-in user"  expected 200, got 200  the body is not JSON'))
  t.ok(o.err.includes('FAIL  2.3.0  POST /bookmarks  "save to a folder"  expected 201, got 200  (the body): status 200 is not in the contract (it declares 201 and errors)'), o.err.join('\n'))
  t.ok(o.err.includes('FAIL  2.0.0  PATCH /users/me  "a name that is not text"  expected 400, got 200  the body is not JSON'), 'a status other than the example\'s')
})

t.test('a route the frozen contract lacks fails', async (t) => {
  const { url } = await startDemo(t)
  const frozen = JSON.parse(await readFile(new URL('../../contracts/snapshots/1.0.0.json', import.meta.url), 'utf8'))
  delete frozen.routes['GET /bookmarks']
  const dir = t.testdir({ '1.0.0.json': JSON.stringify(frozen) })
  const c = cli()
  t.equal(await c.run('contracts', 'verify', '--url', url, '--snapshots', dir), 1)
  t.same(c.err.slice(0, -1), ['FAIL  1.0.0  GET /bookmarks  "saved articles"  expected 200, got 200  GET /bookmarks is not in the frozen contract 1.0.0'])
})

t.test('bad usage', async (t) => {
  const c = cli()
  t.equal(await c.run('contracts', 'verify'), 2)
  t.match(c.err[0], /needs --url/)
  t.equal(await c.run('contracts', 'verify', '--url', 'http://127.0.0.1:1', '1.0.0'), 2)
  t.equal(await c.run('contracts', 'verify', '--url', 'http://127.0.0.1:1', '--timeout', 'soon'), 2)
  t.match(c.err.join('\n'), /--timeout "soon" is not a number of milliseconds/)
  t.equal(await c.run('contracts', 'verify', '--url', 'http://127.0.0.1:1', '--snapshots', 'contract/snapshot'), 2)
  t.match(c.err.join('\n'), /--snapshots: no folder .*contract\/snapshot/)
})
