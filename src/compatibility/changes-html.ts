import { findingText, type ChangelogEntry, type Differences } from './changes.js'

// The changelog and the upgrade guide as a page a person reads in a browser: plain HTML, no script.

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
/** Markdown's `code` spans, the only markup the texts use, after escaping. */
const inline = (text: string) => escape(text).replace(/`([^`]+)`/g, '<code>$1</code>')

function page (title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escape(title)}</title>`,
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}code{background:#f3f3f3;padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}.err{color:#b00020}</style>',
    '</head><body>',
    ...body,
    '</body></html>'
  ].join('\n')
}

function differencesBody (d: Differences): string[] {
  const out: string[] = []
  for (const route of d.routes) {
    const title = route.from === null ? `<code>${escape(route.to ?? '')}</code> is new` : route.to === null ? `<code>${escape(route.from)}</code> is gone` : route.from === route.to ? `<code>${escape(route.from)}</code>` : `<code>${escape(route.from)}</code> is now <code>${escape(route.to)}</code>`
    out.push(`<h3>${title}</h3>`)
    if (route.changes.length > 0) out.push(`<p>${route.changes.map((c) => `${inline(c.description)} <small>(${escape(c.version)})</small>`).join('<br>')}</p>`)
    if (route.findings.length > 0) out.push('<ul>', ...route.findings.map((f) => `<li${f.severity === 'ERR' ? ' class="err"' : ''}>${inline(findingText(f))}</li>`), '</ul>')
  }
  if (d.errors.findings.length > 0) out.push('<h3>Errors</h3>', '<ul>', ...d.errors.findings.map((f) => `<li class="err">${inline(findingText(f))}</li>`), '</ul>')
  return out
}

export function changelogHtml (entries: readonly ChangelogEntry[], head: string): string {
  const body = ['<h1>Changelog</h1>', `<p>Newest first. Head, the contract the core services implement, is ${escape(head)}.</p>`]
  for (const entry of entries) {
    body.push(`<h2 id="v${escape(entry.version)}">${escape(entry.version)} <small>${entry.released === null ? 'not released yet' : escape(entry.released)}</small></h2>`)
    if (entry.differences === null) {
      body.push('<p>The first release.</p>')
      continue
    }
    body.push('<ul>', ...entry.changes.map((c) => `<li>${inline(c.description)} <small><code>${escape(c.file)}</code></small></li>`), '</ul>')
    body.push(...differencesBody(entry.differences))
  }
  return page('Changelog', body)
}

export function differencesHtml (d: Differences): string {
  return page(`From ${d.from} to ${d.to}`, [`<h1>What changes for an app moving from ${escape(d.from)} to ${escape(d.to)}</h1>`, '<p>Red lines are what the app\'s code must change.</p>', ...differencesBody(d)])
}
