import { readdir, readFile } from 'node:fs/promises'
import { test } from 'tap'
import { errorCatalogue } from '../src/errors.js'

// docs/errors.md is where an app developer or an operator looks a code up: it must name every code
// the gateway can answer with, at its status, and none the gateway no longer has.
test('docs/errors.md has a section for every code of the catalogue, and no other', async (t) => {
  const page = await readFile(new URL('../docs/errors.md', import.meta.url), 'utf8')
  const sections = new Map([...page.matchAll(/^### `(EVG_ERR_[A-Z_]+)`\n(.*)$/gm)].map((m) => [m[1], m[2]]))
  const catalogue = errorCatalogue()
  t.ok(catalogue.length >= 40, 'the catalogue is loaded whole')
  for (const { code, status } of catalogue) {
    const first = sections.get(code)
    t.ok(first !== undefined, `${code} has a section`)
    // Boot errors never reach a client: their sections give no status.
    if (first !== undefined && !code.startsWith('EVG_ERR_BUNDLE_')) {
      t.match(first, new RegExp(`^\\*\\*(${status}|4xx)[.*, ]`), `${code}'s section opens with its status, ${status}`)
    }
    t.match(page, new RegExp(`^\\| \\[\`${code}\`\\]\\(#${code.toLowerCase()}\\) \\|`, 'm'), `${code} is in the table`)
  }
  const known = new Set(catalogue.map((e) => e.code))
  for (const code of new Set(page.match(/EVG_ERR_[A-Z_]+/g))) {
    t.ok(known.has(code), `${code}, named in docs/errors.md, is a code of the catalogue`)
  }
})

test('every code is defined once, in src/errors.ts', async (t) => {
  const codes = errorCatalogue().map((e) => e.code)
  t.same(codes.length, new Set(codes).size, 'no code twice')
  for (const code of codes) t.match(code, /^EVG_ERR_[A-Z]+(_[A-Z]+)*$/, `${code} is spelled like the others`)
})

test('no module but the catalogue spells a code out', async (t) => {
  const src = new URL('../src/', import.meta.url)
  const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts') && f !== 'errors.ts')
  for (const file of files) {
    const text = await readFile(new URL(file, src), 'utf8')
    t.notMatch(text, /EVG_ERR_/, `src/${file} takes its codes from src/errors.ts`)
  }
})
