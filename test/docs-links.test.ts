import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// The README sends a newcomer on to docs/, and the pages link one another and the code: a file
// moved or a heading reworded must not leave a link that goes nowhere.
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const PAGES = ['README.md', 'bench/README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]

/** The page's text outside fenced code blocks, where neither headings nor links live. */
function prose (markdown: string): string[] {
  let fence: string | null = null
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]
    if (fence === null && marker !== undefined) fence = marker[0]
    else if (fence !== null && marker?.[0] === fence) fence = null
    else if (fence === null) return line
    return ''
  })
}

/** GitHub's anchor for a heading: its text lower-cased, punctuation but `-` and `_` dropped, spaces as `-`. */
function slug (heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link: its text
    .replace(/<[^>]+>/g, '') // inline HTML
  return text.trim().toLowerCase().replace(/[^\p{L}\p{N}\p{M} _-]/gu, '').replace(/ /g, '-')
}

/** Every anchor of a page, `-1`, `-2` after repeats, as GitHub numbers them. */
function anchors (markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const base = slug(heading)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    result.add(n === 0 ? base : `${base}-${n}`)
  }
  return result
}

/** The relative links of a page (inline, images and reference definitions), not those in code. */
function links (markdown: string): string[] {
  const found: string[] = []
  for (const line of prose(markdown)) {
    const text = line.replace(/`[^`]*`/g, '')
    for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push(m[1])
    const definition = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(text)?.[1]
    if (definition !== undefined) found.push(definition)
  }
  return found.filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link))
}

t.test('GitHub-style anchors', async (t) => {
  t.equal(slug('Forwarding headers'), 'forwarding-headers')
  t.equal(slug('`EVG_ERR_VERSION_INVALID`'), 'evg_err_version_invalid')
  t.equal(slug('Warnings and `--yes`'), 'warnings-and---yes')
  t.equal(slug('2026-11-25, the latest full run'), '2026-11-25-the-latest-full-run')
  t.equal(slug('A new head: `evergate contracts new`'), 'a-new-head-evergate-contracts-new')
  t.equal(slug('See [the CLI](docs/cli.md) (v2)'), 'see-the-cli-v2')
  t.same([...anchors('# A\n## A\n```\n# not a heading\n```\n## A\n')], ['a', 'a-1', 'a-2'])
  t.same(links('[a](a.md) `[b](b.md)` ![c](c.png) [d](https://x.org)\n```\n[e](e.md)\n```\n[f]: f.md#x\n'), ['a.md', 'c.png', 'f.md#x'])
})

for (const page of PAGES) {
  t.test(`the relative links of ${page} resolve`, async (t) => {
    const text = readFileSync(join(ROOT, page), 'utf8')
    const own = anchors(text)
    for (const link of links(text)) {
      const [path, anchor] = link.split('#', 2) as [string, string | undefined]
      const target = path === '' ? join(ROOT, page) : join(ROOT, dirname(page), decodeURIComponent(path))
      const name = relative(ROOT, target)
      if (!t.ok(existsSync(target), `${page}: ${link} (${name} exists)`)) continue
      if (anchor === undefined || anchor === '' || !target.endsWith('.md')) continue
      const names = path === '' ? own : anchors(readFileSync(target, 'utf8'))
      t.ok(names.has(decodeURIComponent(anchor)), `${page}: ${link} (${name} has a heading #${anchor})`)
    }
  })
}

t.test('the README sends its reader on to every page of docs/', async (t) => {
  const readme = new Set(links(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((link) => link.split('#')[0]))
  for (const page of PAGES.filter((p) => p.startsWith('docs/'))) t.ok(readme.has(page), `README.md links ${page}`)
})
