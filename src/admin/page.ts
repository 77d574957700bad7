import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

// The release managers' page: one HTML document, no build step. It calls the admin API from the
// browser with the credentials the browser asked for (see `credentials` in app.ts) and puts what
// it gets into the page as text, never as markup: messages and URLs are typed by people. Its
// inline script and style are allowed by hash; its charts are uPlot, served from the package on
// this port (a CDN would see who manages releases, and the page must work with no way out).

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 1.5em 3em; color: #1d2330 }
h1 { font-size: 1.4em; margin: 1em 0 .2em }
h2 { font-size: 1.1em; margin: 1.8em 0 .5em }
p.facts { color: #556; margin: 0 }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: .4em .8em; margin: .8em 0 }
/* The page's tables; uPlot's legend is a table too, and keeps its own style. */
table { border-collapse: collapse; width: 100% }
table:not(.u-legend) :is(th, td) { text-align: left; padding: .35em .6em; border-bottom: 1px solid #e3e6ec; vertical-align: top; overflow-wrap: anywhere }
th { font-weight: 600; color: #556; font-size: .9em }
td.number { text-align: right; font-variant-numeric: tabular-nums }
td.empty { color: #889 }
td.failing { color: #b3261e; font-weight: 600 }
tr.platform td:first-child { padding-left: 1.6em; color: #556 }
tr.changing { background: #fff4d6 }
tr.changing td:first-child { box-shadow: inset 4px 0 #c77700 }
.status { font-weight: 600 }
.status.supported { color: #16794a }
.status.deprecated { color: #a25c00 }
.status.retired { color: #b3261e }
.chart { min-height: 240px; margin: .5em 0 }
form { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: .6em; align-items: end }
label { display: grid; gap: .2em; font-size: .9em; color: #556 }
.controls label { display: inline-flex; align-items: center; gap: .4em }
form input, form select { min-width: 0; width: 100%; box-sizing: border-box }
td.day { white-space: nowrap }
input, select, button { font: inherit; padding: .35em .5em }
form button[type=submit] { grid-column: 4 }
.notice { min-height: 1.5em; margin: .4em 0 0 }
.notice.error { color: #b3261e; font-weight: 600 }
#preview { margin: .6em 0; padding: .6em .8em; border-left: 4px solid #c77700; background: #fffaf0 }
#preview:empty { display: none }
#preview ul { margin: .3em 0; padding-left: 1.2em }
.needs-js { padding: 1em; background: #fdecea; color: #b3261e; font-weight: 600 }
/* A phone: one column of fields, and each table row a card whose cells name their column. */
@media (max-width: 700px) {
  body { padding: 0 .8em 2em }
  form { grid-template-columns: minmax(0, 1fr) }
  form button[type=submit] { grid-column: auto }
  table thead { display: none }
  table:not(.u-legend) tr { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); column-gap: 1em; padding: .3em 0; border-bottom: 1px solid #e3e6ec }
  table:not(.u-legend) td { display: flex; justify-content: space-between; gap: .5em; border: 0; padding: .1em .3em; text-align: right }
  table:not(.u-legend) td::before { content: attr(data-label); flex-shrink: 0; color: #556; text-align: left; font-weight: 400 }
  table:not(.u-legend) td:first-child { grid-column: 1 / -1; font-weight: 600 }
  table:not(.u-legend) td:first-child::before { content: none }
  td.day { white-space: normal }
}
`

const SCRIPT = `
'use strict'
const $ = (id) => document.getElementById(id)
const REFRESH_MS = 30000
// Colours told apart by most people with a colour vision deficiency; "other" is grey.
const PALETTE = ['#2f6fdf', '#e8772e', '#2a9d6f', '#b5489a', '#c9a227', '#56b4e9', '#8c5a3c', '#d45d79', '#4b4e9c', '#6f8f2f']
const OTHER = '#a7adb8'
const color = (i) => PALETTE[i % PALETTE.length]

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

/** Each cell named by its column, for the narrow layout where the header row is hidden. */
function label (body) {
  const names = [...body.closest('table').querySelectorAll('thead th')].map((th) => th.textContent)
  for (const row of body.rows) [...row.cells].forEach((td, i) => { td.dataset.label = names[i] || '' })
}

function fill (id, items, render) {
  const body = $(id)
  body.replaceChildren()
  for (const item of items) render(body.insertRow(), item)
  if (items.length === 0) {
    const td = cell(body.insertRow(), 'None', 'empty')
    td.colSpan = body.closest('table').querySelectorAll('thead th').length
  }
  label(body)
}

const day = (iso) => iso === null ? null : iso.slice(0, 10)
const percent = (share) => (share * 100).toFixed(share < 0.01 ? 2 : 1) + ' %'

/** Says how a change went next to the form or table that made it, not at the top of the page. */
function notice (id, text, isError) {
  $(id).textContent = text
  $(id).className = 'notice' + (isError ? ' error' : '')
}

// Charts: uPlot, sized to their box and redrawn on each load (the series change with the data).
const charts = new Map()
function chart (id, series, data, yAxis, bands) {
  if (charts.has(id)) charts.get(id).destroy()
  const box = $(id)
  const options = {
    width: box.clientWidth,
    height: 220,
    // Days are UTC days, as the usage counts them.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { live: false },
    scales: { y: yAxis.range ? { range: yAxis.range } : {} },
    axes: [{}, { values: (u, splits) => splits.map((v) => v + ' %'), size: 56 }],
    series: [{}, ...series],
    bands: bands || []
  }
  charts.set(id, new uPlot(options, data, box))
}
addEventListener('resize', () => { for (const [id, c] of charts) c.setSize({ width: $(id).clientWidth, height: 220 }) })
const seconds = (dates) => dates.map((d) => Date.parse(d + 'T00:00:00Z') / 1000)

/**
 * Shares of each day's requests, stacked: uPlot draws series, not stacks, so each series is drawn
 * at the sum of itself and those below it, and filled down to the one below (a band).
 */
function stacked (id, dates, totals, series) {
  let below = totals.map(() => 0)
  const tops = series.map((s) => (below = below.map((b, i) => totals[i] === 0 ? null : b + 100 * s.requests[i] / totals[i])))
  const colors = series.map((s, i) => s.name === null ? OTHER : color(i))
  const drawn = series.map((s, i) => ({
    label: (s.name === null ? 'other' : s.name) + ' · ' + percent(s.share),
    stroke: colors[i],
    fill: i === 0 ? colors[i] : undefined,
    width: 1,
    points: { show: false }
  }))
  const bands = series.slice(1).map((s, i) => ({ series: [i + 2, i + 1], fill: colors[i + 1] }))
  chart(id, drawn, [seconds(dates), ...tops], { range: [0, 100] }, bands)
}

// What the last preview would change, kept across reloads so the table stays marked, and the
// table's last data, to mark or sort it again without a call.
let previewed = null
let lastTable = null
const changeOf = (platform, version) => previewed && previewed.changes.find((c) => c.platform === platform && c.app_version === version)

/** App versions, busiest (or newest) first, each with a row per platform under it. */
function versionsTable (versions, usage) {
  const groups = new Map()
  for (const v of versions.versions) {
    const group = groups.get(v.app_version) || { version: v.app_version, requests: 0, share: 0, platforms: [] }
    const used = usage.versions.filter((u) => u.app_version === v.app_version && u.platform === v.platform)
    // Its contract: the one that served most of its traffic (the usage comes busiest first).
    const platform = { ...v, contract: used.length ? used[0].contract_version : null, requests: 0, share: 0 }
    for (const u of used) { platform.requests += u.requests; platform.share += u.share }
    group.requests += platform.requests
    group.share += platform.share
    group.platforms.push(platform)
    groups.set(v.app_version, group)
  }
  const bySemver = (a, b) => {
    const [x, y] = [a.version, b.version].map((v) => v.split(/[.+-]/).map((n) => Number(n) || 0))
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i]
    return 0
  }
  const sorted = [...groups.values()].sort($('sort').value === 'share' ? (a, b) => b.share - a.share || bySemver(a, b) : bySemver)
  const body = $('versions')
  body.replaceChildren()
  const status = (row, from, change) => cell(row, change ? from + ' → ' + change.to : from, 'status ' + (change ? change.to : from))
  for (const g of sorted) {
    const row = body.insertRow()
    const changes = g.platforms.map((p) => changeOf(p.platform, p.app_version)).filter(Boolean)
    const statuses = [...new Set(g.platforms.map((p) => p.status))]
    cell(row, g.version)
    cell(row, [...new Set(g.platforms.map((p) => p.contract).filter(Boolean))].join(', ') || null)
    cell(row, statuses.join(', ') + (changes.length ? ' → ' + [...new Set(changes.map((c) => c.to))].join(', ') : ''), 'status ' + (statuses.length === 1 ? statuses[0] : ''))
    cell(row, [...new Set(g.platforms.map((p) => day(p.sunset_date)).filter(Boolean))].join(', ') || null, 'day')
    cell(row, g.requests.toLocaleString(), 'number')
    cell(row, percent(g.share), 'number')
    if (changes.length) row.className = 'changing'
    for (const p of g.platforms.sort((a, b) => b.requests - a.requests)) {
      const sub = body.insertRow()
      const change = changeOf(p.platform, p.app_version)
      sub.className = 'platform' + (change ? ' changing' : '')
      cell(sub, p.platform)
      cell(sub, p.contract)
      status(sub, p.status, change)
      cell(sub, day(p.sunset_date), 'day')
      cell(sub, p.requests.toLocaleString(), 'number')
      cell(sub, percent(p.share), 'number')
    }
  }
  label(body)
}

async function load () {
  const days = $('days').value
  const [versions, usage, daily, routes, rules, releases, audit] = await Promise.all([
    api('GET', '/versions'), api('GET', '/usage?days=' + days), api('GET', '/usage/daily?days=' + days),
    api('GET', '/usage/routes?days=' + days), api('GET', '/rules'), api('GET', '/releases'), api('GET', '/audit?limit=20')
  ])
  $('kept').textContent = usage.days < Number(days) ? ' (only the last ' + usage.days + ' days are kept)' : ''
  $('contracts').textContent = versions.contracts.join(', ')
  $('minimum').textContent = versions.minimum_version || 'none'
  $('latest').textContent = versions.latest.map((l) => l.platform + ' ' + l.version + ' (' + l.source + ')').join(', ') || 'none'
  $('database').textContent = versions.database.status + (versions.database.reason ? ' (' + versions.database.reason + ')' : '')
  stacked('versions-chart', daily.dates, daily.totals, daily.versions)
  stacked('contracts-chart', daily.dates, daily.totals, daily.contracts)
  lastTable = [versions, usage]
  versionsTable(versions, usage)
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
      if (confirm('Delete rule #' + r.id + ' (' + r.status + ' ' + r.range + ')?')) act('rules-notice', () => api('DELETE', '/rules/' + r.id), 'Rule #' + r.id + ' deleted.').then(refresh)
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
      if (confirm('Withdraw release ' + r.version + ' (' + (r.platform || 'every platform') + ')?')) act('release-notice', () => api('DELETE', '/releases/' + r.id), 'Release ' + r.version + ' withdrawn.').then(refresh)
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
  // The trend shown, redrawn on the new data; its own errors stay next to its own form.
  if (trendShown !== null) await trend(trendShown).catch((err) => notice('trend-notice', err.message, true))
}

/** Makes a change and says how it went, next to what made it; true when it was made. */
async function act (where, change, done) {
  try {
    await change()
    notice(where, done)
    return true
  } catch (err) {
    notice(where, err.message, true)
    return false
  }
}

const refresh = () => load().then(
  () => notice('load-notice', 'Updated at ' + new Date().toLocaleTimeString() + '; again every 30 s.'),
  (err) => notice('load-notice', err.message, true))

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

function showPreview (p) {
  previewed = p
  const box = $('preview')
  box.replaceChildren()
  const line = (text, tag) => { const el = document.createElement(tag || 'p'); el.textContent = text; box.append(el); return el }
  const versions = new Set(p.changes.map((c) => c.app_version)).size
  line(p.rule.status + ' ' + p.rule.range + (p.rule.platform ? ' on ' + p.rule.platform : '') + ' would change ' + versions +
    ' app version(s), ' + percent(p.share) + ' of the requests of the last ' + p.days + ' days. Nothing is changed yet.')
  const transitions = new Map()
  for (const c of p.changes) {
    const key = c.from + ' → ' + c.to
    const t = transitions.get(key) || { versions: 0, share: 0 }
    transitions.set(key, { versions: t.versions + 1, share: t.share + c.share })
  }
  const list = line('', 'ul')
  for (const [key, t] of transitions) {
    const li = document.createElement('li')
    li.textContent = key + ': ' + t.versions + ' version(s) on a platform, ' + percent(t.share) + ' of requests'
    list.append(li)
  }
  if (p.changes.length) line('Busiest: ' + p.changes.slice(0, 8).map((c) => c.app_version + ' on ' + c.platform + ' (' + percent(c.share) + ')').join(', ') + (p.changes.length > 8 ? ', …' : '') + '. Marked in the table above.')
  const add = document.createElement('button')
  add.type = 'button'
  add.id = 'add-rule'
  add.textContent = 'Add this rule'
  add.addEventListener('click', () => addRule(p))
  box.append(add)
}

function clearPreview () {
  if (previewed === null) return
  previewed = null
  $('preview').replaceChildren()
  if (lastTable) versionsTable(...lastTable)
}

/** Adds the previewed rule, once the release manager confirms what cuts apps off or brings them back. */
async function addRule (p) {
  const cut = p.changes.filter((c) => c.to === 'retired')
  const back = p.changes.filter((c) => c.from === 'retired')
  const warnings = []
  if (cut.length) warnings.push('cuts off ' + cut.length + ' version(s) on a platform, ' + percent(cut.reduce((s, c) => s + c.share, 0)) + ' of requests: they will get an upgrade answer, not the API')
  if (back.length) warnings.push('un-retires ' + back.length + ' version(s) on a platform (' + back.map((c) => c.app_version + ' on ' + c.platform).slice(0, 5).join(', ') + '): they will be served again')
  if (warnings.length && !confirm('This rule ' + warnings.join('; it also ') + '. Add it?')) return notice('rule-notice', 'Not added.')
  if (await act('rule-notice', () => api('POST', '/rules', p.rule), p.rule.status + ' ' + p.rule.range + ': in force on every instance.')) {
    $('new-rule').reset()
    previewed = null
    $('preview').replaceChildren()
    refresh()
  }
}

$('new-rule').addEventListener('submit', async (event) => {
  event.preventDefault()
  notice('rule-notice', '')
  try {
    const rule = ruleOf(event.target)
    const p = await api('POST', '/rules/preview', rule)
    showPreview({ ...p, rule })
    if (lastTable) versionsTable(...lastTable)
  } catch (err) {
    notice('rule-notice', err.message, true)
  }
})
// A preview of other values than the form's would mislead.
$('new-rule').addEventListener('input', () => { notice('rule-notice', ''); clearPreview() })
$('new-release').addEventListener('submit', async (event) => {
  event.preventDefault()
  const release = fields(event.target, ['version', 'platform', 'released_at'])
  if (await act('release-notice', () => api('POST', '/releases', release), 'Release ' + release.version + ' announced on every instance.')) {
    event.target.reset()
    refresh()
  }
})

// The range and platform of the trend drawn, if any.
let trendShown = null
async function trend ({ range, platform }) {
  const query = 'range=' + encodeURIComponent(range) + '&days=' + $('days').value + (platform ? '&platform=' + encodeURIComponent(platform) : '')
  const { trend } = await api('GET', '/usage/trend?' + query)
  chart('trend-chart', [{ label: range + (platform ? ' on ' + platform : '') + ': share of requests', stroke: color(0), width: 2 }],
    [seconds(trend.map((d) => d.day)), trend.map((d) => d.total === 0 ? null : 100 * d.share)], {})
  fill('trend', trend.slice().reverse(), (row, d) => {
    cell(row, d.day, 'day')
    cell(row, d.requests.toLocaleString(), 'number')
    cell(row, d.total.toLocaleString(), 'number')
    cell(row, percent(d.share), 'number')
  })
}
$('trend-form').addEventListener('submit', (event) => {
  event.preventDefault()
  notice('trend-notice', '')
  const shown = fields(event.target, ['range', 'platform'])
  trend(shown).then(() => { trendShown = shown }, (err) => notice('trend-notice', err.message, true))
})
$('days').addEventListener('change', refresh)
$('sort').addEventListener('change', () => { if (lastTable) versionsTable(...lastTable) })
$('refresh').addEventListener('click', refresh)
// Every 30 s, while the page is in view: the traffic moves, and so do other people's rules.
setInterval(() => { if (!document.hidden) refresh() }, REFRESH_MS)
refresh()
`

const BODY = `
<h1>evergate release management</h1>
<noscript><p class="needs-js">This page needs JavaScript: it draws its charts and tables from the admin API in your browser. Turn JavaScript on for this address, or use the same API with the evergate CLI (evergate versions list).</p></noscript>
<p class="facts">Contract versions <span id="contracts">…</span> · minimum version <span id="minimum">…</span> · latest <span id="latest">…</span> · database <span id="database">…</span></p>
<div class="controls">
  <label>Traffic over <select id="days"><option value="1">1 day</option><option value="7" selected>7 days</option><option value="30">30 days</option><option value="90">90 days</option></select></label><span id="kept"></span>
  <button id="refresh" type="button">Refresh now</button>
  <span class="notice" id="load-notice" role="status"></span>
</div>

<h2>Share of requests by app version, day by day</h2>
<div class="chart" id="versions-chart"></div>

<h2>Share of requests by contract version, day by day</h2>
<div class="chart" id="contracts-chart"></div>

<h2>App versions in the wild</h2>
<div class="controls"><label>Sort by <select id="sort"><option value="share" selected>share of requests</option><option value="version">version, newest first</option></select></label></div>
<table>
  <thead><tr><th>App version / platform</th><th>Contract</th><th>Status</th><th>Sunset</th><th>Requests</th><th>Share</th></tr></thead>
  <tbody id="versions"></tbody>
</table>
<p class="facts" id="versions-more"></p>

<h2>New rule</h2>
<p class="facts">A rule is previewed on the last 30 days' traffic first; the versions it would change are marked in the table above.</p>
<form id="new-rule">
  <label>Range <input name="range" required placeholder="&lt;2.0.0" maxlength="200"></label>
  <label>Status <select name="status"><option>deprecated</option><option>retired</option><option>supported</option></select></label>
  <label>Platform <input name="platform" placeholder="any" pattern="[a-z][a-z0-9_\\-]{0,31}"></label>
  <label>Sunset (UTC day) <input name="sunset_date" type="date"></label>
  <label>Message to the user <input name="message" maxlength="500"></label>
  <label>Upgrade URL <input name="upgrade_url" type="url" placeholder="https://apps.apple.com/…"></label>
  <button type="submit">Preview</button>
</form>
<p class="notice" id="rule-notice" role="status"></p>
<div id="preview" role="status"></div>

<h2>Rules</h2>
<p class="facts">Where rules overlap, one for the app's own platform beats one for any platform; then the latest change wins.</p>
<table>
  <thead><tr><th>Id</th><th>Platform</th><th>Range</th><th>Status</th><th>Deprecated</th><th>Sunset</th><th>Message</th><th>Upgrade URL</th><th>Last change</th><th></th></tr></thead>
  <tbody id="rules"></tbody>
</table>
<p class="notice" id="rules-notice" role="status"></p>

<h2>A range's share, day by day</h2>
<p class="facts">How fast a range of versions is leaving, over the days chosen above: to date its sunset by.</p>
<form id="trend-form">
  <label>Range <input name="range" required placeholder="&lt;2.0.0" maxlength="200"></label>
  <label>Platform <input name="platform" placeholder="any" pattern="[a-z][a-z0-9_\\-]{0,31}"></label>
  <button type="submit">Show</button>
</form>
<p class="notice" id="trend-notice" role="status"></p>
<div class="chart" id="trend-chart"></div>
<details><summary>Day by day</summary>
<table>
  <thead><tr><th>Day</th><th>Requests in the range</th><th>All requests</th><th>Share</th></tr></thead>
  <tbody id="trend"></tbody>
</table>
</details>

<h2>Routes per contract version</h2>
<p class="facts">What each contract version is still called on, over the same days, and how often it fails there.</p>
<table>
  <thead><tr><th>Contract</th><th>Route</th><th>Requests</th><th>4xx</th><th>5xx</th></tr></thead>
  <tbody id="routes"></tbody>
</table>

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
<p class="notice" id="release-notice" role="status"></p>

<h2>Last changes</h2>
<table>
  <thead><tr><th>When</th><th>Who</th><th>What</th><th>Rule or release</th></tr></thead>
  <tbody id="audit"></tbody>
</table>
`

const require = createRequire(import.meta.url)
const UPLOT_VERSION: string = require('uplot/package.json').version

/** A file of a package the page loads, read once: the admin port serves it, never a CDN. */
export interface PageAsset {
  /** Versioned, so that a browser may keep it while the page is the same. */
  path: string
  type: string
  body: Buffer
}

export interface AdminPage {
  readonly html: string
  readonly assets: readonly PageAsset[]
  /** Allows the page's own scripts and styles, and calls to its own origin; nothing else. */
  readonly contentSecurityPolicy: string
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

/** The page, its assets and its policy, built once when the admin API starts. */
export function adminPage (): AdminPage {
  const asset = (file: string, type: string): PageAsset =>
    ({ path: `/assets/uplot-${UPLOT_VERSION}/${file}`, type, body: readFileSync(require.resolve(`uplot/dist/${file}`)) })
  const [script, style] = [asset('uPlot.iife.min.js', 'text/javascript; charset=utf-8'), asset('uPlot.min.css', 'text/css; charset=utf-8')]
  return {
    html: '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
      '<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>evergate release management</title>\n' +
      `<link rel="stylesheet" href="${style.path}">\n<style>${STYLE}</style>\n<script src="${script.path}"></script>\n</head>\n` +
      `<body>${BODY}<script>${SCRIPT}</script>\n</body>\n</html>\n`,
    assets: [script, style],
    contentSecurityPolicy: [
      "default-src 'none'",
      // 'self' for uPlot's file: every answer on this port is sent with nosniff, so none but a
      // script can run as one.
      `script-src 'self' ${sha256(SCRIPT)}`,
      `style-src 'self' ${sha256(STYLE)}`,
      "connect-src 'self'",
      "form-action 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'"
    ].join('; ')
  }
}
