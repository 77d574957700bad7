import { createHash } from 'node:crypto'
import { Script } from 'node:vm'
import { Window } from 'happy-dom'
import t from 'tap'
import { ADMIN_TOKEN, call, startReleaseDemo } from '../helpers/gateway.js'
import { pgSchema } from '../helpers/database.js'
import { clearOfMidnight } from '../helpers/clock.js'

// The release managers' page on the admin port: the browser asks for the token, the page calls the
// admin API with it, and another site's page cannot.

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
    t.match(csp, `script-src ${hash(script)}`, 'the inline script runs')
    t.match(csp, `style-src ${hash(style)}`)
    t.match(csp, "default-src 'none'")
    t.match(csp, "frame-ancestors 'none'")
    t.doesNotThrow(() => new Script(script), 'the script is valid JavaScript')
    for (const path of ['/versions', '/usage?days=', '/usage/routes?days=', '/usage/trend?', '/rules', '/releases', '/audit?limit=20']) t.match(script, `'${path}`, `it calls ${path}`)
    for (const [, id] of script.matchAll(/\$\('([\w-]+)'\)/g)) t.match(page.text, `id="${id}"`, `the element #${id} the script fills is on the page`)
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

  t.test('the page\'s script, run on a DOM against the API: it fills the page, announces and withdraws a release', async (t) => {
    await clearOfMidnight()
    await call(adminUrl, '/releases', { method: 'POST', headers: asBrowser, json: { version: '3.4.0', platform: 'ios' } })
    await call(url, '/profile', { version: '1.2.0' })
    await call(url, '/profile', { version: '1.6.0' })
    const page = (await call(adminUrl, '/', { headers: asBrowser })).text
    const window = new Window({ url: adminUrl })
    t.teardown(() => window.happyDOM.close())
    const { document } = window
    document.body.innerHTML = page.slice(page.indexOf('<body>') + 6, page.indexOf('<script>'))
    // The browser's part: its fetch, sending the credentials it asked for, and its confirm dialog.
    const fetchAsBrowser = async (path: string, init: RequestInit = {}) =>
      await fetch(new URL(path, adminUrl), { ...init, headers: { ...init.headers as Record<string, string>, ...asBrowser } })
    const script = /<script>([\s\S]*)<\/script>/.exec(page)?.[1] ?? ''
    // The page's own script, with the browser's globals handed to it.
    new Function('document', 'fetch', 'confirm', 'FormData', script)(document, fetchAsBrowser, () => true, window.FormData)
    const text = (id: string) => document.getElementById(id)?.textContent ?? ''
    const settled = async (check: () => boolean) => {
      for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20))
      return check()
    }

    t.ok(await settled(() => text('latest') !== '…'), 'the page loaded')
    t.equal(text('notice'), '', `with no error: ${text('notice')}`)
    t.match(text('latest'), 'ios 3.4.0 (announced)')
    t.match(text('releases'), /3\.4\.0ios.*UTCada\.rm/)
    t.match(text('rules'), /<1\.5\.0.*retired/)
    t.match(text('routes'), /1\.0\.0GET \/profile21 \(50\.0 %\)0/, 'a route of 1.0.0, where retired builds get their 426')
    t.match(text('audit'), /create release #\d+release 3\.4\.0 on ios/, 'a release in the audit log')
    t.match(text('audit'), /create rule #\d+retired <1\.5\.0/, 'and a rule')

    const trendForm = document.getElementById('trend-form') as unknown as { elements: Record<string, { value: string }>, dispatchEvent (e: unknown): boolean }
    trendForm.elements.range.value = '<1.5.0'
    trendForm.dispatchEvent(new window.Event('submit', { cancelable: true }))
    t.ok(await settled(() => text('trend') !== ''), text('notice'))
    t.match(text('trend'), /^\d{4}-\d{2}-\d{2}1250\.0 %/, 'today first: 1 of the 2 requests is 1.2.0')
    t.equal(document.querySelectorAll('#trend tr').length, 7, 'the 7 days chosen')

    const ruleForm = document.getElementById('new-rule') as unknown as { elements: Record<string, { value: string }> }
    ruleForm.elements.range.value = '<2.0.0'
    ruleForm.elements.status.value = 'retired'
    ;(document.getElementById('preview-rule') as unknown as { click (): void }).click()
    t.ok(await settled(() => text('preview') !== ''), text('notice'))
    t.equal(text('preview'), 'Would change 1 app version(s), 50.0 % of the last 30 days\' requests: 1.6.0 on unknown supported → retired (50.0 %). Nothing is changed yet.')
    t.equal((await call(adminUrl, '/rules', { headers: asBrowser })).json.rules.length, 2, 'a preview makes no rule')
    document.getElementById('new-rule')?.dispatchEvent(new window.Event('input', { bubbles: true }))
    t.equal(text('preview'), '', 'a preview of other values is gone once the form changes')

    const form = document.getElementById('new-release') as unknown as { elements: Record<string, { value: string }>, dispatchEvent (e: unknown): boolean }
    form.elements.version.value = '3.5.0'
    form.elements.platform.value = 'android'
    form.dispatchEvent(new window.Event('submit', { cancelable: true }))
    t.ok(await settled(() => text('notice') === 'Release 3.5.0 announced on every instance.'), text('notice'))
    t.ok(await settled(() => text('latest').includes('android 3.5.0 (announced)')), text('latest'))

    const withdraw = [...document.querySelectorAll('#releases tr')]
      .find((row) => row.textContent.startsWith('3.4.0'))?.querySelector('button')
    withdraw?.click()
    t.ok(await settled(() => text('notice') === 'Release 3.4.0 withdrawn.'), text('notice'))
    t.ok(await settled(() => /3\.4\.0ios.*withdrawn \d{4}-\d{2}-\d{2} by ada\.rm/.test(text('releases'))), text('releases'))
    const { json } = await call(adminUrl, '/releases', { headers: asBrowser })
    t.same(json.releases.map((r: { version: string, platform: string, withdrawn_by: string | null }) => `${r.version} ${r.platform} ${r.withdrawn_by}`),
      ['3.4.0 ios ada.rm', '3.5.0 android null'])
    t.equal(json.releases[1].created_by, 'ada.rm', 'signed with the browser\'s user name')
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
