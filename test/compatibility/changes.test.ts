import t from 'tap'
import { run, type Io } from '../../src/cli.js'
import { differences } from '../../src/compatibility/changes.js'
import { loadBundle } from '../../src/engine/index.js'
import source from '../../versions/index.js'
import { call, startDemo } from '../helpers/gateway.js'

// The changelog and "what changes if I move from 2.0.0 to 3.0.0", from the contracts and changes.

function cli () {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env: {} }
  return { out, err, run: (...argv: string[]) => run(argv, io) }
}

t.test('the fields that differ between two versions, and the changes that did it', async (t) => {
  const bundle = await loadBundle(source)
  const found = differences(bundle, '2.0.0', '3.0.0')
  const byRoute = new Map(found.routes.map((r) => [r.from, r]))
  t.match(byRoute.get('GET /articles')?.findings, [
    { rule: 'request-optional-parameter-added', path: 'cursor' },
    { rule: 'request-optional-parameter-added', path: 'limit' },
    { rule: 'response-type-changed', location: 'response 200', before: 'array', after: 'object' }
  ])
  t.same(byRoute.get('GET /articles')?.changes.map((c) => c.version), ['2.3.0', '3.0.0'])
  const article = byRoute.get('GET /articles/:id')?.findings.map((f) => `${f.rule} ${f.path}`)
  t.same(article, ['response-property-removed published', 'response-property-removed price', 'response-property-added published_at',
    'response-property-added price_cents', 'response-property-added currency', 'response-enum-value-added kind'])
  t.match(byRoute.get('POST /bookmarks'), { to: 'POST /bookmarks', findings: [{ rule: 'request-property-became-required', path: 'folder' }], changes: [{ version: '3.0.0', file: /bookmark-folders-and-podcasts/ }] })
  t.notOk(byRoute.has('GET /bookmarks'), 'an unchanged route is not listed')

  const moved = differences(bundle, '1.0.0', '2.0.0')
  t.match(moved.routes.find((r) => r.from === 'GET /profile'), { to: 'GET /users/me', changes: [{ version: '2.0.0' }] })
  t.match(moved.errors, { findings: [{ rule: 'response-property-removed', location: 'error', path: 'message' }, { rule: 'response-property-removed', path: 'code' }, { rule: 'response-property-added', path: 'error' }], changes: [{ version: '2.0.0' }] })
  t.throws(() => differences(bundle, '3.0.0', '2.0.0'), RangeError)
  t.throws(() => differences(bundle, '9.0.0', '3.0.0'), RangeError)
})

t.test('GET /_evergate/changes and /_evergate/changelog: JSON for tools, HTML for browsers', async (t) => {
  const { url } = await startDemo(t)
  const changes = await call(url, '/_evergate/changes?from=2.0.0&to=3.0.0')
  t.equal(changes.status, 200)
  t.match(changes.json, { from: '2.0.0', to: '3.0.0', routes: [{ from: 'GET /articles' }] })
  const reversed = await call(url, '/_evergate/changes?from=3.0.0&to=2.0.0')
  t.same(reversed.json, changes.json, 'either order')
  const toHead = await call(url, '/_evergate/changes?from=2.3.0')
  t.match(toHead.json, { from: '2.3.0', to: '3.0.0' }, 'to head by default')
  const page = await call(url, '/_evergate/changes?from=2.0.0&to=3.0.0', { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } })
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.text, /<code>response 200 price_cents<\/code>/)
  for (const query of ['', '?from=0.1.0', '?from=2.0.0&to=2.0.0']) {
    const bad = await call(url, `/_evergate/changes${query}`, { version: '1.0.0' })
    t.equal(bad.status, 400, query)
    t.match(bad.json, { code: 400, message: /versions|same/ }, 'in the client\'s own error shape')
    t.equal(bad.headers['x-evergate-error-code'], 'EVG_ERR_CHANGES_QUERY')
  }

  const log = await call(url, '/_evergate/changelog')
  t.match(log.json.versions[0], { version: '3.0.0', released: '2026-06-02', changes: [/folder/], details: [{ routes: ['POST /bookmarks', 'GET /articles', 'GET /articles/:id'] }] })
  t.match(log.json.versions[3], { version: '1.0.0', released: '2024-03-01', changes: [], differences: null })
  const html = await call(url, '/_evergate/changelog', { headers: { accept: 'text/html' } })
  t.match(html.text, /<h2 id="v2\.3\.0">2\.3\.0 <small>2025-09-15<\/small><\/h2>/)
  t.match(html.text, /<meta name="viewport"/)
})

t.test('evergate changelog prints Markdown, and what changes between two versions', async (t) => {
  const a = cli()
  t.equal(await a.run('changelog'), 0)
  const text = a.out.join('\n')
  t.match(text, /^# Changelog/)
  t.match(text, /## 3\.0\.0 \(2026-06-02\)[\s\S]*## 2\.3\.0 \(2025-09-15\)[\s\S]*## 1\.0\.0 \(2024-03-01\)/, 'newest first, dated')
  t.match(text, /### `GET \/profile` is now `GET \/users\/me`/)
  t.match(text, /- `body folder`: optional → required \(request-property-became-required, your app must change\)/)

  const b = cli()
  t.equal(await b.run('changelog', '--from', '2.0.0', '--to', '3.0.0'), 0)
  t.match(b.out.join('\n'), /^# From 2\.0\.0 to 3\.0\.0[\s\S]*`response 200 price_cents`/)
  const c = cli()
  t.equal(await c.run('changelog', '--from', '2.0.0', '--json'), 0)
  t.match(JSON.parse(c.out.join('\n')), { from: '2.0.0', to: '3.0.0' })
  const d = cli()
  t.equal(await d.run('changelog', '--json'), 0)
  t.equal(JSON.parse(d.out.join('\n'))[0].version, '3.0.0')
  const e = cli()
  t.equal(await e.run('changelog', '--from', '3.0.0', '--to', '2.0.0'), 2)
  t.equal(await e.run('changelog', '--from', '9.9.9'), 2)
  t.equal(await e.run('changelog', 'extra'), 2)
})
