import { existsSync } from 'node:fs'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

// A real headless Chromium (Debian's `chromium`, which .ci/run installs when it is missing), for
// pages tested as people use them. Every request a page makes off this machine is refused and
// recorded: assets come from packages, never from a CDN.

const EXECUTABLE = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path)) ?? '/usr/bin/chromium'

export interface OpenedPage {
  page: Page
  /** Console errors and uncaught page errors. */
  errors: string[]
  /** URLs the page asked for that are not on this machine. */
  offsite: string[]
}

export async function launch (t: { teardown (fn: () => unknown): void }): Promise<Browser> {
  const browser = await puppeteer.launch({
    executablePath: EXECUTABLE,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage']
  })
  t.teardown(() => browser.close())
  return browser
}

/** `credentials` answer the page's HTTP authentication challenge, as a person would in the browser's dialog. */
export async function open (browser: Browser, url: string, viewport = { width: 1280, height: 900 }, credentials?: { username: string, password: string }): Promise<OpenedPage> {
  const page = await browser.newPage()
  await page.setViewport(viewport)
  if (credentials !== undefined) await page.authenticate(credentials)
  const errors: string[] = []
  const offsite: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url ?? ''})`) })
  page.on('pageerror', (err) => { errors.push(String(err)) })
  await page.setRequestInterception(true)
  page.on('request', (request) => {
    const { hostname, protocol } = new URL(request.url())
    if (protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1' || hostname === 'localhost') {
      void request.continue()
    } else {
      offsite.push(request.url())
      void request.abort()
    }
  })
  await page.goto(url, { waitUntil: 'networkidle0' })
  return { page, errors, offsite }
}
