import { createHash } from 'node:crypto'

// The release managers' page: one HTML document, no build step, no dependency. It calls the admin
// API from the browser with the credentials the browser asked for (see `credentials` in app.ts)
// and puts what it gets into the page as text, never as markup: messages and URLs are typed by
// people. Its script and style are allowed by hash, and nothing else is.

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 1.5em 3em; color: #1d2330 }
h1 { font-size: 1.4em; margin: 1em 0 .2em }
h2 { font-size: 1.1em; margin: 1.8em 0 .5em }
p.facts { color: #556; margin: 0 }
table { border-collapse: collapse; width: 100% }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #e3e6ec; vertical-align: top }
th { font-weight: 600; color: #556; font-size: .9em }
td.number { text-align: right; font-variant-numeric: tabular-nums }
td.empty { color: #889 }
td.failing { color: #b3261e; font-weight: 600 }
.status { font-weight: 600 }
.status.supported { color: #16794a }
.status.deprecated { color: #a25c00 }
.status.retired { color: #b3261e }
form { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: .6em; align-items: end }
label { display: grid; gap: .2em; font-size: .9em; color: #556 }
p.controls label { display: inline-flex; align-items: center; gap: .4em }
td.day { white-space: nowrap }
input, select, button { font: inherit; padding: .35em .5em }
form button { grid-column: 4 }
form button#preview-rule { grid-column: 3 }
#notice { min-height: 1.5em; margin: 1em 0 0 }
#notice.error { color: #b3261e }
`

const SCRIPT = `
'use strict'
const $ = (id) => document.getElementById(id)

async function api (method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const json = (res.headers.get('content-type') || '').includes('json') ? await res.json() : null
  if (!res.ok) throw new Error(json && json.error ? json.error.message : res.status + ' ' + res.statusText)
  return json
}

function cell (row, text, className) {
  const td = row.insertCell()
  td.textContent = text === null || text === undefined ? '–' : String(text)
  if (className) td.className = className
  return td
}

function fill (id, items, render) {
  const body = $(id)
  body.replaceChildren()
  for (const item of items) render(body.insertRow(), item)
  if (items.length === 0) {
    const td = cell(body.insertRow(), 'None', 'empty')
    td.colSpan = body.closest('table').querySelectorAll('thead th').length
  }
}

const day = (iso) => iso === null ? null : iso.slice(0, 10)
const percent = (share) => (share * 100).toFixed(share < 0.01 ? 2 : 1) + ' %'

function notice (text, isError) {
  $('notice').textContent = text
  $('notice').className = isError ? 'error' : ''
}

async function load () {
  const days = $('days').value
  const [versions, usage, routes, rules, releases, audit] = await Promise.all([
    api('GET', '/versions'), api('GET', '/usage?days=' + days), api('GET', '/usage/routes?days=' + days),
    api('GET', '/rules'), api('GET', '/releases'), api('GET', '/audit?limit=20')
  ])
  $('kept').textContent = usage.days < Number(days) ? ' (only the last ' + usage.days + ' days are kept)' : ''
  $('contracts').textContent = versions.contracts.join(', ')
  $('minimum').textContent = versions.minimum_version || 'none'
  $('latest').textContent = versions.latest.map((l) => l.platform + ' ' + l.version + ' (' + l.source + ')').join(', ') || 'none'
  $('database').textContent = versions.database.status + (versions.database.reason ? ' (' + versions.database.reason + ')' : '')
  // Usage comes per contract version too: a version's traffic is the sum, its contract the one
  // that served most of it (the list comes busiest first).
  const traffic = new Map()
  for (const v of usage.versions) {
    const key = v.platform + ' ' + v.app_version
    const seen = traffic.get(key)
    traffic.set(key, seen ? { ...seen, requests: seen.requests + v.requests, share: seen.share + v.share } : v)
  }
  fill('versions', versions.versions, (row, v) => {
    const used = traffic.get(v.platform + ' ' + v.app_version)
    cell(row, v.app_version)
    cell(row, v.platform)
    cell(row, used ? used.contract_version : null)
    cell(row, v.status, 'status ' + v.status)
    cell(row, v.rule_id === null ? null : '#' + v.rule_id)
    cell(row, day(v.sunset_date), 'day')
    cell(row, used ? used.requests.toLocaleString() : 0, 'number')
    cell(row, used ? percent(used.share) : null, 'number')
  })
  $('versions-more').textContent = versions.not_listed > 0
    ? versions.not_listed.toLocaleString() + ' more versions seen, with less traffic, are not listed.'
    : ''
  const errors = (n, of) => n ? n.toLocaleString() + ' (' + percent(n / of) + ')' : 0
  fill('routes', routes.routes, (row, r) => {
    cell(row, r.contract_version)
    cell(row, r.route)
    cell(row, r.requests.toLocaleString(), 'number')
    cell(row, errors(r.statuses['4xx'], r.requests), 'number')
    cell(row, errors(r.statuses['5xx'], r.requests), 'number' + (r.statuses['5xx'] ? ' failing' : ''))
  })
  fill('rules', rules.rules, (row, r) => {
    cell(row, '#' + r.id)
    cell(row, r.platform || 'any')
    cell(row, r.range)
    cell(row, r.status, 'status ' + r.status)
    cell(row, day(r.deprecation_date), 'day')
    cell(row, day(r.sunset_date), 'day')
    cell(row, r.message)
    cell(row, r.upgrade_url)
    cell(row, r.updated_by + ', ' + day(r.updated_at))
    const remove = document.createElement('button')
    remove.textContent = 'Delete'
    remove.addEventListener('click', () => {
      if (confirm('Delete rule #' + r.id + ' (' + r.status + ' ' + r.range + ')?')) act(() => api('DELETE', '/rules/' + r.id), 'Rule #' + r.id + ' deleted.').then(refresh)
    })
    row.insertCell().append(remove)
  })
  const now = Date.now()
  fill('releases', releases.releases.slice().reverse(), (row, r) => {
    cell(row, r.version)
    cell(row, r.platform || 'any')
    cell(row, r.released_at.slice(0, 16).replace('T', ' ') + ' UTC' + (Date.parse(r.released_at) > now ? ' (not out yet)' : ''), 'day')
    cell(row, r.created_by)
    if (r.withdrawn_at !== null) {
      cell(row, 'withdrawn ' + day(r.withdrawn_at) + ' by ' + r.withdrawn_by, 'empty')
      return
    }
    const withdraw = document.createElement('button')
    withdraw.textContent = 'Withdraw'
    withdraw.addEventListener('click', () => {
      if (confirm('Withdraw release ' + r.version + ' (' + (r.platform || 'every platform') + ')?')) act(() => api('DELETE', '/releases/' + r.id), 'Release ' + r.version + ' withdrawn.').then(refresh)
    })
    row.insertCell().append(withdraw)
  })
  fill('audit', audit.audit, (row, a) => {
    const subject = a.after || a.before
    cell(row, a.at.slice(0, 19).replace('T', ' ') + ' UTC', 'day')
    cell(row, a.actor)
    cell(row, a.action + (a.rule_id === null ? ' release #' + a.release_id : ' rule #' + a.rule_id))
    cell(row, (a.rule_id === null ? 'release ' + subject.version : subject.status + ' ' + subject.range) + (subject.platform ? ' on ' + subject.platform : ''))
  })
}

/** Makes a change and says how it went; true when it was made. */
async function act (change, done) {
  try {
    await change()
    notice(done)
    return true
  } catch (err) {
    notice(err.message, true)
    return false
  }
}

const refresh = () => load().catch((err) => notice(err.message, true))

/** A form's fields by name, trimmed, null when empty. */
function fields (form, names) {
  const data = new FormData(form)
  const values = {}
  for (const name of names) {
    const v = String(data.get(name) || '').trim()
    values[name] = v === '' ? null : v
  }
  return values
}
const ruleOf = (form) => fields(form, ['range', 'status', 'platform', 'sunset_date', 'message', 'upgrade_url'])

$('new-rule').addEventListener('submit', async (event) => {
  event.preventDefault()
  const rule = ruleOf(event.target)
  if (await act(() => api('POST', '/rules', rule), rule.status + ' ' + rule.range + ': in force on every instance.')) {
    event.target.reset()
    $('preview').textContent = ''
    refresh()
  }
})
$('new-rule').addEventListener('input', () => { $('preview').textContent = '' })
$('preview-rule').addEventListener('click', async () => {
  if (!$('new-rule').reportValidity()) return
  try {
    const p = await api('POST', '/rules/preview', ruleOf($('new-rule')))
    const changes = p.changes.map((c) => c.app_version + ' on ' + c.platform + ' ' + c.from + ' → ' + c.to + ' (' + percent(c.share) + ')')
    $('preview').textContent = 'Would change ' + p.changes.length + ' app version(s), ' + percent(p.share) +
      ' of the last ' + p.days + ' days\\' requests' + (changes.length > 0 ? ': ' + changes.join(', ') : '') + '. Nothing is changed yet.'
  } catch (err) {
    notice(err.message, true)
  }
})
$('new-release').addEventListener('submit', async (event) => {
  event.preventDefault()
  const release = fields(event.target, ['version', 'platform', 'released_at'])
  if (await act(() => api('POST', '/releases', release), 'Release ' + release.version + ' announced on every instance.')) {
    event.target.reset()
    refresh()
  }
})
$('trend-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const { range, platform } = fields(event.target, ['range', 'platform'])
  const query = 'range=' + encodeURIComponent(range) + '&days=' + $('days').value + (platform ? '&platform=' + encodeURIComponent(platform) : '')
  try {
    const { trend } = await api('GET', '/usage/trend?' + query)
    fill('trend', trend.slice().reverse(), (row, d) => {
      cell(row, d.day, 'day')
      cell(row, d.requests.toLocaleString(), 'number')
      cell(row, d.total.toLocaleString(), 'number')
      cell(row, percent(d.share), 'number')
    })
  } catch (err) {
    notice(err.message, true)
  }
})
$('days').addEventListener('change', refresh)
$('refresh').addEventListener('click', () => load().then(() => notice('Up to date.'), (err) => notice(err.message, true)))
refresh()
`

const BODY = `
<h1>evergate release management</h1>
<p class="facts">Contract versions <span id="contracts">…</span> · minimum version <span id="minimum">…</span> · latest <span id="latest">…</span> · database <span id="database">…</span></p>
<p id="notice" role="status"></p>

<h2>App versions in the wild</h2>
<p class="facts controls"><label>Traffic over <select id="days"><option value="1">1 day</option><option value="7" selected>7 days</option><option value="30">30 days</option><option value="90">90 days</option></select></label><span id="kept"></span> <button id="refresh" type="button">Refresh</button></p>
<table>
  <thead><tr><th>App version</th><th>Platform</th><th>Contract</th><th>Status</th><th>Rule</th><th>Sunset</th><th>Requests</th><th>Share</th></tr></thead>
  <tbody id="versions"></tbody>
</table>
<p class="facts" id="versions-more"></p>

<h2>A range's share, day by day</h2>
<p class="facts">How fast a range of versions is leaving, over the days chosen above: to date its sunset by.</p>
<form id="trend-form">
  <label>Range <input name="range" required placeholder="&lt;2.0.0" maxlength="200"></label>
  <label>Platform <input name="platform" placeholder="any" pattern="[a-z][a-z0-9_\\-]{0,31}"></label>
  <button type="submit">Show</button>
</form>
<table>
  <thead><tr><th>Day</th><th>Requests in the range</th><th>All requests</th><th>Share</th></tr></thead>
  <tbody id="trend"></tbody>
</table>

<h2>Routes per contract version</h2>
<p class="facts">What each contract version is still called on, over the same days, and how often it fails there.</p>
<table>
  <thead><tr><th>Contract</th><th>Route</th><th>Requests</th><th>4xx</th><th>5xx</th></tr></thead>
  <tbody id="routes"></tbody>
</table>

<h2>Rules</h2>
<p class="facts">Where rules overlap, one for the app's own platform beats one for any platform; then the latest change wins.</p>
<table>
  <thead><tr><th>Id</th><th>Platform</th><th>Range</th><th>Status</th><th>Deprecated</th><th>Sunset</th><th>Message</th><th>Upgrade URL</th><th>Last change</th><th></th></tr></thead>
  <tbody id="rules"></tbody>
</table>

<h2>New rule</h2>
<form id="new-rule">
  <label>Range <input name="range" required placeholder="&lt;2.0.0" maxlength="200"></label>
  <label>Status <select name="status"><option>deprecated</option><option>retired</option><option>supported</option></select></label>
  <label>Platform <input name="platform" placeholder="any" pattern="[a-z][a-z0-9_\\-]{0,31}"></label>
  <label>Sunset (UTC day) <input name="sunset_date" type="date"></label>
  <label>Message to the user <input name="message" maxlength="500"></label>
  <label>Upgrade URL <input name="upgrade_url" type="url" placeholder="https://apps.apple.com/…"></label>
  <button type="button" id="preview-rule">Preview on traffic</button>
  <button type="submit">Add rule</button>
</form>
<p class="facts" id="preview" role="status"></p>

<h2>Releases</h2>
<p class="facts">The newest release out on a platform is the latest version apps there are told about. Withdraw one pulled from the store.</p>
<table>
  <thead><tr><th>Version</th><th>Platform</th><th>Out from</th><th>Announced by</th><th></th></tr></thead>
  <tbody id="releases"></tbody>
</table>
<form id="new-release">
  <label>Version <input name="version" required placeholder="3.4.0" pattern="\\d+\\.\\d+\\.\\d+" maxlength="64"></label>
  <label>Platform <input name="platform" placeholder="any" pattern="[a-z][a-z0-9_\\-]{0,31}"></label>
  <label>Out from (UTC day; default now) <input name="released_at" type="date"></label>
  <button type="submit">Announce release</button>
</form>

<h2>Last changes</h2>
<table>
  <thead><tr><th>When</th><th>Who</th><th>What</th><th>Rule or release</th></tr></thead>
  <tbody id="audit"></tbody>
</table>
`

export interface AdminPage {
  readonly html: string
  /** Allows the page's own script and style, by hash, and calls to its own origin; nothing else. */
  readonly contentSecurityPolicy: string
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

/** The page and its policy, built once when the admin API starts. */
export function adminPage (): AdminPage {
  return {
    html: `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>evergate release management</title>\n<style>${STYLE}</style>\n</head>\n<body>${BODY}<script>${SCRIPT}</script>\n</body>\n</html>\n`,
    contentSecurityPolicy: [
      "default-src 'none'",
      `script-src ${sha256(SCRIPT)}`,
      `style-src ${sha256(STYLE)}`,
      "connect-src 'self'",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'"
    ].join('; ')
  }
}
