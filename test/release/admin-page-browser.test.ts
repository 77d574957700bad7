/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { join } from 'node:path'
import t from 'tap'
import type { Page } from 'puppeteer-core'
import { launch, open } from '../helpers/browser.js'
import { clearOfMidnight } from '../helpers/clock.js'
import { pgSchema } from '../helpers/database.js'
import { ADMIN_TOKEN, call, startReleaseDemo } from '../helpers/gateway.js'

// The release managers' page in a real Chromium, as a release manager uses it: charts of real
// traffic, a rule added through its preview and confirmation, errors next to their form, on a
// desktop and on a 390 px phone, with no console error and nothing asked of another host.

const credentials = { username: 'ada.rm', password: ADMIN_TOKEN }
/** The first colour of the page's palette: the busiest series of each chart. */
const FIRST_SERIES = [0x2f, 0x6f, 0xdf]

/** Pixels of the busiest series' colour in a chart's canvas: a chart drawn with data has many. */
async function seriesPixels (page: Page, id: string): Promise<number> {
  return await page.evaluate((id, [r, g, b]) => {
    const canvas = document.querySelector<HTMLCanvasElement>(`#${id} canvas`)
    if (canvas === null) return 0
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height)
    let count = 0
    for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) count++
    return count
  }, id, FIRST_SERIES)
}

const text = async (page: Page, selector: string) => await page.$eval(selector, (e) => (e as HTMLElement).innerText)

/** Types into a form's fields (by name), as a person would. */
async function type (page: Page, form: string, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) {
    const selector = `#${form} [name="${name}"]`
    if (await page.$eval(selector, (e) => e.tagName) === 'SELECT') await page.select(selector, value)
    else {
      await page.$eval(selector, (e) => { (e as HTMLInputElement).value = '' })
      await page.type(selector, value)
    }
  }
}

t.test('the release managers\' page, in Chromium', async (t) => {
  await clearOfMidnight()
  const { app, url, adminUrl, asAdmin } = await startReleaseDemo(t, await pgSchema(t))
  // Last week's traffic, as the gateway would have counted it: ten app versions, so that the
  // quietest are "other".
  const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)
  const history = []
  for (let days = 1; days <= 6; days++) {
    for (const [i, version] of ['3.1.0', '3.0.2', '2.4.0', '2.3.1', '2.0.0', '1.9.0', '1.6.0', '1.4.0', '1.2.0', '1.0.0'].entries()) {
      const contract = version >= '3' ? '3.0.0' : version >= '2.3' ? '2.3.0' : version >= '2' ? '2.0.0' : '1.0.0'
      history.push({ day: ago(days), platform: i % 2 === 0 ? 'ios' : 'android', app_version: version, contract_version: contract, route: 'GET /profile', status_class: '2xx', count: (10 - i) * 10 + days })
    }
  }
  await app.release.repository.addUsage(history)
  // And today's, through the gateway: counted in memory, written when the admin API is asked.
  for (const [version, platform, path] of [['3.1.0', 'ios', '/users/me'], ['1.2.0', 'ios', '/profile'], ['1.2.0', 'android', '/profile'], ['2.4.0', 'android', '/articles']]) {
    t.equal((await call(url, path, { version, headers: { 'x-app-platform': platform } })).status, 200, `${version} on ${platform} is served`)
  }
  await asAdmin('/rules', { method: 'POST', json: { range: '<1.1.0', status: 'retired' } })

  const browser = await launch(t)
  const { page, errors, offsite } = await open(browser, `${adminUrl}/`, undefined, credentials)
  const dialogs: string[] = []
  let answer = true
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void (answer ? dialog.accept() : dialog.dismiss()) })
  await page.waitForFunction(() => document.getElementById('load-notice')?.textContent?.startsWith('Updated'), { timeout: 10_000 })

  t.test('the charts are drawn with the traffic', async (t) => {
    t.ok(await seriesPixels(page, 'versions-chart') > 500, 'app versions, stacked')
    t.ok(await seriesPixels(page, 'contracts-chart') > 500, 'contract versions, stacked')
    const legend = await text(page, '#versions-chart .u-legend')
    t.match(legend, /3\.1\.0 · \d+\.\d %/, 'the busiest by name, with their share')
    t.match(legend, /other · \d+\.\d+ %/, 'the rest as other')
    t.notMatch(legend, /1\.0\.0 ·/, 'the quietest are not named')
    t.match(await text(page, '#contracts-chart .u-legend'), /^3\.0\.0 · 33\.\d %\s*1\.0\.0 · 28\.\d %\s*2\.3\.0 · 26\.\d %\s*2\.0\.0 · 10\.\d %$/, 'every contract, busiest first')

    await type(page, 'trend-form', { range: '<2.0.0' })
    await page.click('#trend-form button[type=submit]')
    await page.waitForSelector('#trend-chart canvas')
    t.ok(await seriesPixels(page, 'trend-chart') > 100, 'a range\'s share, as a line')
    t.equal(await page.$$eval('#trend tr', (rows) => rows.length), 7, 'and day by day, the 7 days chosen')
  })

  t.test('versions grouped by app version, platforms under them, sortable by share', async (t) => {
    const groups = () => page.$$eval('#versions tr:not(.platform) td:first-child', (cells) => cells.map((c) => c.textContent))
    const byShare = await groups()
    t.equal(byShare[0], '3.1.0', 'the busiest first')
    t.equal(new Set(byShare).size, byShare.length, 'one row per app version')
    const platforms = await page.$$eval('#versions tr', (rows) => {
      const start = rows.findIndex((r) => r.cells[0].textContent === '1.2.0')
      return rows.slice(start + 1).filter((r, i, all) => all.slice(0, i + 1).every((x) => x.classList.contains('platform'))).map((r) => r.cells[0].textContent)
    })
    t.same(platforms.sort(), ['android', 'ios'], '1.2.0 on both platforms, as a breakdown')
    await page.select('#sort', 'version')
    t.same((await groups()).slice(0, 3), ['3.1.0', '3.0.2', '2.4.0'], 'or newest first')
    await page.select('#sort', 'share')
  })

  t.test('a bad range is refused next to the form that sent it', async (t) => {
    await type(page, 'new-rule', { range: 'soon', status: 'retired' })
    await page.click('#new-rule button[type=submit]')
    await page.waitForFunction(() => document.getElementById('rule-notice')?.classList.contains('error'))
    t.match(await text(page, '#rule-notice'), /range "soon" is not a semver range/)
    const gap = await page.evaluate(() => document.getElementById('rule-notice')!.getBoundingClientRect().top - document.getElementById('new-rule')!.getBoundingClientRect().bottom)
    t.ok(gap >= 0 && gap < 40, `right under the form (${gap} px)`)
    t.equal(await text(page, '#load-notice').then((s) => s.startsWith('Updated')), true, 'not at the top of the page')

    await type(page, 'trend-form', { range: 'later' })
    await page.click('#trend-form button[type=submit]')
    await page.waitForFunction(() => document.getElementById('trend-notice')?.classList.contains('error'))
    t.match(await text(page, '#trend-notice'), /"later" is not a semver range/, 'each form its own')
    t.equal(await text(page, '#rule-notice').then((s) => s.length > 0), true)
  })

  t.test('a retire is previewed, marked in the table, and confirmed before it is made', async (t) => {
    await type(page, 'new-rule', { range: '<1.5.0', status: 'retired', message: 'Please update Pulse' })
    t.equal(await text(page, '#rule-notice'), '', 'what the form said before is gone once it changes')
    await page.click('#new-rule button[type=submit]')
    await page.waitForSelector('#add-rule')
    const preview = await text(page, '#preview')
    t.match(preview, /retired <1\.5\.0 would change 2 app version\(s\), \d+\.\d %/, 'versions and their share of requests')
    t.match(preview, /supported → retired: 3 version\(s\) on a platform/, 'the transitions')
    t.match(preview, /Nothing is changed yet/)
    const marked = await page.$$eval('#versions tr.changing', (rows) => rows.map((r) => r.cells[0].textContent))
    t.same(marked.filter((v) => /^\d/.test(v ?? '')).sort(), ['1.2.0', '1.4.0'], 'the versions it would change are marked')
    t.match(await text(page, '#versions'), /supported → retired/)
    t.equal((await asAdmin('/rules')).json.rules.length, 1, 'a preview makes no rule')

    answer = false
    await page.click('#add-rule')
    await page.waitForFunction(() => document.getElementById('rule-notice')?.textContent === 'Not added.')
    t.match(dialogs.pop(), /cuts off 3 version\(s\) on a platform, \d+\.\d+ % of requests/, 'cutting traffic off asks first')
    t.equal((await asAdmin('/rules')).json.rules.length, 1, 'not confirmed, not made')

    answer = true
    await page.click('#add-rule')
    await page.waitForFunction(() => document.getElementById('rule-notice')?.textContent?.includes('in force'))
    t.equal(await text(page, '#rule-notice'), 'retired <1.5.0: in force on every instance.')
    const { rules } = (await asAdmin('/rules')).json
    t.match(rules.at(-1), { range: '<1.5.0', status: 'retired', message: 'Please update Pulse', updated_by: 'ada.rm' })
    await page.waitForFunction(() => document.getElementById('rules')?.textContent?.includes('<1.5.0'))
    t.equal(await page.$$eval('#versions tr.changing', (rows) => rows.length), 0, 'the marks go with the preview')
  })

  t.test('un-retiring asks too; a supported rule that changes nothing does not', async (t) => {
    await type(page, 'new-rule', { range: '<1.3.0', status: 'deprecated' })
    await page.click('#new-rule button[type=submit]')
    await page.waitForSelector('#add-rule')
    t.match(await text(page, '#preview'), /retired → deprecated/)
    answer = false
    await page.click('#add-rule')
    await page.waitForFunction(() => document.getElementById('rule-notice')?.textContent === 'Not added.')
    t.match(dialogs.pop(), /un-retires 3 version\(s\) on a platform \(.*1\.0\.0 on android.*\): they will be served again/)
    answer = true

    const asked = dialogs.length
    await type(page, 'new-rule', { range: '>=9.0.0', status: 'supported' })
    await page.click('#new-rule button[type=submit]')
    await page.waitForSelector('#add-rule')
    t.match(await text(page, '#preview'), /would change 0 app version/)
    await page.click('#add-rule')
    await page.waitForFunction(() => document.getElementById('rule-notice')?.textContent?.includes('in force'))
    t.equal(dialogs.length, asked, 'no question')
  })

  t.test('a release announced and withdrawn, said next to the releases', async (t) => {
    await type(page, 'new-release', { version: '3.5.0', platform: 'android' })
    await page.click('#new-release button[type=submit]')
    await page.waitForFunction(() => document.getElementById('release-notice')?.textContent === 'Release 3.5.0 announced on every instance.')
    await page.waitForFunction(() => document.getElementById('latest')?.textContent?.includes('android 3.5.0 (announced)'))
    await page.evaluate(() => {
      const row = [...document.querySelectorAll('#releases tr')].find((r) => r.textContent?.startsWith('3.5.0'))
      row?.querySelector('button')?.click()
    })
    await page.waitForFunction(() => document.getElementById('release-notice')?.textContent === 'Release 3.5.0 withdrawn.')
    t.match(dialogs.pop(), /Withdraw release 3\.5\.0 \(android\)/)
    await page.waitForFunction(() => /3\.5\.0android.*withdrawn/.test(document.getElementById('releases')?.textContent ?? ''))
    t.match(await text(page, '#audit'), /withdraw release #\d+/)
    t.match(await text(page, '#routes'), /1\.0\.0\s+GET \/profile/)
  })

  t.test('it refreshes on demand', async (t) => {
    await call(url, '/users/me', { version: '3.2.0', headers: { 'x-app-platform': 'ios' } })
    await page.evaluate(() => { document.getElementById('load-notice')!.textContent = '' })
    await page.click('#refresh')
    await page.waitForFunction(() => document.getElementById('load-notice')?.textContent?.startsWith('Updated'))
    t.match(await text(page, '#versions'), /3\.2\.0/, 'today\'s new version is there')
  })

  t.test('at 390 px wide nothing overflows', async (t) => {
    const phone = await open(browser, `${adminUrl}/`, { width: 390, height: 844 }, credentials)
    const { page } = phone
    await page.waitForFunction(() => document.getElementById('load-notice')?.textContent?.startsWith('Updated'), { timeout: 10_000 })
    await type(page, 'trend-form', { range: '<2.0.0' })
    await page.click('#trend-form button[type=submit]')
    await page.waitForSelector('#trend-chart canvas')
    await type(page, 'new-rule', { range: '<2.4.0', status: 'deprecated' })
    await page.click('#new-rule button[type=submit]')
    await page.waitForSelector('#add-rule')
    t.ok(await seriesPixels(page, 'versions-chart') > 200, 'the charts are drawn')
    t.ok(await page.$eval('#versions-chart canvas', (c) => c.getBoundingClientRect().right <= 390), 'at the width of the screen')
    t.equal(await page.evaluate(() => document.querySelector('meta[name=viewport]')?.getAttribute('content')), 'width=device-width, initial-scale=1')
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'no horizontal scrolling')
    const wide = await page.evaluate(() => [...document.body.querySelectorAll('*')]
      .filter((e) => e.getBoundingClientRect().right > 390.5)
      .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`))
    t.same(wide, [], 'no element past the right edge')
    t.saveFixture = true
    const path = join(t.testdir(), 'admin-page-390.png')
    await page.screenshot({ path, fullPage: true })
    await page.evaluate(() => { scrollTo(0, 0) })
    await page.screenshot({ path: join(t.testdirName, 'admin-page-390-first-screen.png') })
    t.comment(`screenshots: ${path}, and its first screen`)
    t.same(phone.errors, [], 'no console errors')
    t.same(phone.offsite, [], 'nothing asked of another host')
  })

  t.test('without JavaScript it says it needs it', async (t) => {
    const bare = await browser.newPage()
    await bare.setJavaScriptEnabled(false)
    await bare.authenticate(credentials)
    await bare.goto(`${adminUrl}/`)
    t.match(await bare.evaluate(() => document.body.innerText), /This page needs JavaScript/)
  })

  t.test('no console errors, nothing asked of another host', async (t) => {
    // The browser logs each answer >= 400: those of the two bad ranges sent above, and no other.
    const refused = /status of 400 \(Bad Request\) \(http:\/\/127\.0\.0\.1:\d+\/(rules\/preview|usage\/trend\?range=later&days=7)\)$/
    t.equal(errors.filter((e) => refused.test(e)).length, 2, 'the bad ranges\' answers')
    t.same(errors.filter((e) => !refused.test(e)), [])
    t.same(offsite, [])
  })
})
