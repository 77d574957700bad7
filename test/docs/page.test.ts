/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import t from 'tap'
import { launch, open } from '../helpers/browser.js'
import { startDemo } from '../helpers/gateway.js'

// The mobile team's reference page, in a real Chromium: head by default, a picker over every
// version, and 1.0.0's own API when it is picked.

t.test('/_evergate/docs shows the API, and each version\'s when picked', async (t) => {
  const { url } = await startDemo(t)
  const browser = await launch(t)
  const { page, errors, offsite } = await open(browser, `${url}/_evergate/docs`)
  await page.waitForFunction(() => document.body.innerText.includes('/users/me'), { timeout: 20_000 })
  const text = () => page.evaluate(() => document.body.innerText)
  t.match(await text(), /API for apps on contract 3\.0\.0/, 'head by default')
  t.notMatch(await text(), /\/profile/)

  const picked = await page.evaluate(() => {
    // Scalar's picker: a listbox button naming the version shown.
    const button = [...document.querySelectorAll('button')].find((b) => /3\.0\.0 \(head\)/.test(b.textContent ?? ''))
    button?.click()
    return button !== undefined
  })
  t.ok(picked, 'the picker names the version shown')
  const options = await page.waitForFunction(() => {
    const items = [...document.querySelectorAll('[role="option"], li')].map((e) => e.textContent?.trim() ?? '').filter((s) => /^\d+\.\d+\.\d+/.test(s))
    return items.length >= 4 ? items : null
  }, { timeout: 10_000 })
  t.same((await options.jsonValue() as string[]).map((s) => s.split(/\s/)[0]).slice(0, 4), ['3.0.0', '2.3.0', '2.0.0', '1.0.0'], 'every version, newest first')
  await page.evaluate(() => {
    const option = [...document.querySelectorAll('[role="option"], li')].find((e) => e.textContent?.trim().startsWith('1.0.0'))
    ;(option as HTMLElement | undefined)?.click()
  })
  await page.waitForFunction(() => document.body.innerText.includes('API for apps on contract 1.0.0'), { timeout: 20_000 })
  // Open GET /profile from the sidebar: its group, then the operation.
  const clickText = (wanted: string) => page.evaluate((wanted) => {
    const element = [...document.querySelectorAll('a, button, [role="button"], li')].find((e) => e.textContent?.trim() === wanted)
    ;(element as HTMLElement | undefined)?.click()
    return element !== undefined
  }, wanted)
  t.ok(await clickText('Profile'), 'a Profile group')
  await page.waitForFunction(() => document.body.innerText.includes('Change the profile'), { timeout: 10_000 })
  await page.waitForFunction(() => /GET\s*\/profile/.test(document.body.innerText), { timeout: 10_000 })
  t.match(await text(), /GET\s*\/profile/, '1.0.0 shows GET /profile')
  await page.waitForFunction(() => document.body.innerText.includes('Ada Lovelace'), { timeout: 10_000 })
  t.match(await text(), /"name": "Ada Lovelace"/, 'with its example, in the 1.0.0 shape')
  t.notMatch(await text(), /\/users\/me/, 'and not head\'s routes')
  t.same(offsite, [], 'nothing is asked of another host')
  t.same(errors, [], 'no console errors')
})
