import { RULES, type Severity } from './rules.js'
import type { CheckReport, GroupedFinding, VersionReport } from './snapshots.js'

// How `contracts check` prints its report: text for people, JSON for tools, Markdown for a pull
// request comment, JUnit XML for CI test tabs.

export const FORMATS = ['text', 'json', 'markdown', 'junit'] as const
export type Format = typeof FORMATS[number]

const field = (f: { location: string, path: string }) => [f.location, f.path].filter((p) => p !== '').join(' ') || '-'

function counts (report: CheckReport): Record<Severity, number> {
  const out: Record<Severity, number> = { ERR: 0, WARN: 0, INFO: 0 }
  for (const f of report.findings) out[f.severity]++
  return out
}

function verdict (report: CheckReport, failing: boolean): string {
  const { ERR, WARN, INFO } = counts(report)
  return `${ERR} ERR, ${WARN} WARN, ${INFO} INFO: ${failing ? 'released apps break' : 'every released app keeps working'}`
}

function versionLine (v: VersionReport): string {
  if (v.status === 'unreleased') return `${v.version}  not frozen yet (freeze it when it ships: evergate contracts freeze)`
  if (v.status === 'unfrozen') return `${v.version}  NOT FROZEN, and a newer contract exists: it has shipped; run evergate contracts freeze ${v.version}`
  if (v.status === 'dropped') return `${v.version}  frozen, but no longer in the bundle: released apps still call it`
  if (v.findings.length === 0) return `${v.version}  frozen, unchanged`
  const by = (s: Severity) => v.findings.filter((f) => f.severity === s).length
  return `${v.version}  frozen, ${(['ERR', 'WARN', 'INFO'] as const).filter((s) => by(s) > 0).map((s) => `${by(s)} ${s}`).join(', ')}`
}

/** One line per finding: rule id, severity, versions, route, field, before → after. */
export function findingLine (f: GroupedFinding): string {
  return `${f.rule}  ${f.severity}  ${f.versions.join(', ')}  ${f.route}  ${field(f)}  ${f.before} → ${f.after}`
}

function text (report: CheckReport, failing: boolean): string[] {
  return [...report.versions.map(versionLine), ...report.findings.map(findingLine), verdict(report, failing)]
}

const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function markdown (report: CheckReport, failing: boolean): string[] {
  const lines = ['## Contract compatibility', '', `**${verdict(report, failing)}**`, '']
  lines.push('| Version | Status |', '| --- | --- |', ...report.versions.map((v) => `| ${v.version} | ${cell(versionLine(v).slice(v.version.length + 2))} |`))
  if (report.findings.length > 0) {
    lines.push('', '| Severity | Rule | Versions | Route | Field | Before | After |', '| --- | --- | --- | --- | --- | --- | --- |')
    for (const f of report.findings) {
      lines.push(`| ${f.severity} | \`${f.rule}\` | ${f.versions.join(', ')} | \`${cell(f.route)}\` | \`${cell(field(f))}\` | ${cell(f.before)} | ${cell(f.after)} |`)
    }
  }
  return lines
}

const xml = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/** A test suite per version, a test case per route it was built against; a failing finding fails its case. */
function junit (report: CheckReport, isFailure: (s: Severity) => boolean): string[] {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>']
  const suites = report.versions.map((v) => {
    const routes = ['*', ...v.routes, ...v.findings.map((f) => f.route).filter((r) => r !== '*' && !v.routes.includes(r))]
    const cases = [...new Set(routes)].map((route) => {
      const findings = v.findings.filter((f) => f.route === route)
      const failures = findings.filter((f) => isFailure(f.severity))
      const notes = findings.filter((f) => !isFailure(f.severity))
      const name = route === '*' ? 'contract' : route
      const body = [
        ...failures.map((f) => `      <failure type="${f.rule}" message="${xml(`${f.rule}: ${field(f)} ${f.before} → ${f.after}`)}">${xml(RULES.get(f.rule)?.summary ?? '')}</failure>`),
        ...(notes.length === 0 ? [] : [`      <system-out>${xml(notes.map((f) => `${f.severity} ${f.rule}: ${field(f)} ${f.before} → ${f.after}`).join('\n'))}</system-out>`])
      ]
      return { failures: failures.length, xml: body.length === 0 ? [`    <testcase classname="${xml(v.version)}" name="${xml(name)}"/>`] : [`    <testcase classname="${xml(v.version)}" name="${xml(name)}">`, ...body, '    </testcase>'] }
    })
    const failures = cases.reduce((n, c) => n + c.failures, 0)
    return { failures, xml: [`  <testsuite name="contract ${xml(v.version)}" tests="${cases.length}" failures="${failures}">`, ...cases.flatMap((c) => c.xml), '  </testsuite>'] }
  })
  const tests = suites.reduce((n, s) => n + s.xml.filter((l) => l.startsWith('    <testcase')).length, 0)
  const failures = suites.reduce((n, s) => n + s.failures, 0)
  lines.push(`<testsuites name="evergate contracts check" tests="${tests}" failures="${failures}">`, ...suites.flatMap((s) => s.xml), '</testsuites>')
  return lines
}

/** The report in `format`, as lines to print. */
export function formatReport (report: CheckReport, format: Format, failOn: Severity, failing: boolean): string[] {
  const rank: Record<Severity, number> = { ERR: 0, WARN: 1, INFO: 2 }
  if (format === 'json') return [JSON.stringify({ ok: !failing, failOn, ...report }, null, 2)]
  if (format === 'markdown') return markdown(report, failing)
  if (format === 'junit') return junit(report, (s) => rank[s] <= rank[failOn])
  return text(report, failing)
}
