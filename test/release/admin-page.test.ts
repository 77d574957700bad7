import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Script } from 'node:vm'
import t from 'tap'
import { ADMIN_TOKEN, call, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'

// The release managers' page on the admin port: the browser asks for the token, the page calls the
// admin API with it, and another site's page cannot. The page as people use it, in Chromium, is
// admin-page-browser.test.ts.

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

t.test('the page and the API it calls, with the credentials the browser asked for', async (t) => {
  const { adminUrl, url } = await startReleaseDemo(t, await pgSchema(t))
  const asBrowser = { authorization: basic('ada.rm', ADMIN_TOKEN), 'sec-fetch-site': 'same-origin' }

  t.test('without the token the page asks for it, and the API says what it takes', async (t) => {
    const page = await call(adminUrl, '/')
    t.equal(page.status, 401)
    t.equal(page.headers['www-authenticate'], 'Basic realm="evergate admin", charset="UTF-8"')
    t.equal((await call(adminUrl, '/rules')).headers['www-authenticate'], 'Bearer')
    const wrong = await call(adminUrl, '/', { headers: { authorization: basic('ada.rm', 'guess') } })
    t.equal(wrong.status, 401, 'a wrong password is refused')
    t.notMatch(wrong.text, /<html/)
  })

  t.test('with it, the page; its script and style are the only ones its policy allows', async (t) => {
    const page = await call(adminUrl, '/', { headers: { authorization: basic('ada.rm', ADMIN_TOKEN) } })
    t.equal(page.status, 200)
    t.equal(page.headers['content-type'], 'text/html; charset=utf-8')
    t.equal(page.headers['cache-control'], 'no-store')
    const csp = String(page.headers['content-security-policy'])
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`
    const script = /<script>([\s\S]*)<\/script>/.exec(page.text)?.[1] ?? ''
    const style = /<style>([\s\S]*)<\/style>/.exec(page.text)?.[1] ?? ''
    t.match(csp, `script-src 'self' ${hash(script)}`, 'the inline script runs, and scripts from this port')
    t.match(csp, `style-src 'self' ${hash(style)}`)
    t.match(csp, "default-src 'none'")
    t.match(csp, "frame-ancestors 'none'")
    t.doesNotThrow(() => new Script(script), 'the script is valid JavaScript')
    for (const path of ['/versions', '/usage?days=', '/usage/daily?days=', '/usage/routes?days=', '/usage/trend?', '/rules', '/releases', '/audit?limit=20']) t.match(script, `'${path}`, `it calls ${path}`)
    for (const [, id] of script.matchAll(/\$\('([\w-]+)'\)/g)) t.match(page.text, `id="${id}"`, `the element #${id} the script fills is on the page`)
    t.match(page.text, '<meta name="viewport" content="width=device-width, initial-scale=1">')
    t.match(page.text, /<noscript>.*needs JavaScript/)
  })

  t.test('uPlot, from its package, on this port', async (t) => {
    const require = createRequire(import.meta.url)
    const page = (await call(adminUrl, '/', { headers: asBrowser })).text
    for (const [file, type] of [['uPlot.iife.min.js', 'text/javascript; charset=utf-8'], ['uPlot.min.css', 'text/css; charset=utf-8']]) {
      const path = `/assets/uplot-${require('uplot/package.json').version}/${file}`
      t.match(page, `"${path}"`, `the page loads ${file}`)
      const res = await call(adminUrl, path, { headers: asBrowser })
      t.equal(res.status, 200)
      t.equal(res.headers['content-type'], type)
      t.equal(res.text, readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8'), 'as the package has it')
      t.equal((await call(adminUrl, path)).status, 401, 'for the token holder only, as all on this port')
    }
    const json = await call(adminUrl, '/rules', { headers: asBrowser })
    t.equal(json.headers['x-content-type-options'], 'nosniff', 'no answer here runs as a script it is not')
  })

  t.test('the page\'s calls: a rule made there is signed with the browser\'s user name', async (t) => {
    const created = await call(adminUrl, '/rules', {
      method: 'POST',
      headers: { ...asBrowser, origin: new URL(adminUrl).origin },
      json: { range: '<1.5.0', status: 'retired', message: 'Please update Pulse' }
    })
    t.equal(created.status, 201)
    t.equal(created.json.updated_by, 'ada.rm')
    const audit = await call(adminUrl, '/audit?limit=1', { headers: asBrowser })
    t.match(audit.json.audit[0], { actor: 'ada.rm', action: 'create', rule_id: created.json.id })

    const named = await call(adminUrl, '/rules', {
      method: 'POST',
      // Behind a reverse proxy the Origin is the proxy's, not the Host the gateway sees.
      headers: { authorization: basic('Zoë Lovelace', ADMIN_TOKEN), 'sec-fetch-site': 'same-origin', origin: 'https://admin.pulse.example' },
      json: { range: '<1.0.0', status: 'retired' }
    })
    t.equal(named.status, 201, 'the browser\'s word on where a request comes from is taken')
    t.equal(named.json.updated_by, 'Zoë Lovelace', 'a person\'s name, as typed')
    const versions = await call(adminUrl, '/versions', { headers: asBrowser })
    t.equal(versions.status, 200)
  })

  t.test('another site\'s page cannot act with the browser\'s credentials', async (t) => {
    const before = (await call(adminUrl, '/rules', { headers: asBrowser })).json.rules.length
    const rule = { range: '<3.0.0', status: 'retired' }
    const credentials = basic('ada.rm', ADMIN_TOKEN)
    const forged: Array<Record<string, string>> = [
      { authorization: credentials, origin: 'https://evil.example' },
      { authorization: credentials, origin: 'null' },
      { authorization: credentials, 'sec-fetch-site': 'cross-site' },
      { authorization: credentials, 'sec-fetch-site': 'same-site' }
    ]
    for (const headers of forged) {
      const res = await call(adminUrl, '/rules', { method: 'POST', headers, json: rule })
      t.equal(res.status, 403, JSON.stringify(headers))
      t.equal(res.json.error.code, 'EVG_ERR_CROSS_SITE')
    }
    t.equal((await call(adminUrl, '/rules', { headers: asBrowser })).json.rules.length, before, 'no rule was made')

    const followed = await call(adminUrl, '/', { headers: { authorization: credentials, 'sec-fetch-site': 'cross-site' } })
    t.equal(followed.status, 200, 'a link to the page from a wiki or a chat opens it: reading changes nothing')

    // A bearer token is never sent by a browser on its own: whoever holds it meant to.
    const scripted = await call(adminUrl, '/rules', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, origin: 'https://tools.example', 'x-evergate-actor': 'ci' },
      json: { range: '<1.0.0', status: 'retired' }
    })
    t.equal(scripted.status, 201)
    t.equal(scripted.json.updated_by, 'ci')
  })
})
