import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Type } from '@sinclair/typebox'
import t from 'tap'
import { configTable, TABLE_END, TABLE_START, withConfigTable, writeConfigDocs } from '../scripts/config-docs.js'
import { EnvSchema } from '../src/config.js'

// docs/configuration.md is where an operator looks a setting up: its table is written from the
// schema the gateway reads, so a variable added, renamed or described anew shows up there.
t.test('docs/configuration.md is what the config schema generates', async (t) => {
  const page = await readFile(new URL('../docs/configuration.md', import.meta.url), 'utf8')
  t.equal(page, withConfigTable(page), 'docs/configuration.md differs from src/config.ts: run `npm run docs:config`')
  for (const name of Object.keys(EnvSchema.properties)) {
    t.match(page, `| \`${name}\` |`, `${name} has its line`)
  }
})

t.test('a line per variable: default, allowed values, description', async (t) => {
  const table = configTable(Type.Object({
    A_PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'a port' }),
    A_LIMIT: Type.Integer({ default: 1, minimum: 1, description: 'a | b' }),
    A_RATE: Type.Number({ default: 0, minimum: 0, maximum: 1, description: 'a\n  share' }),
    A_COUNT: Type.Integer({ default: 3, description: 'any integer' }),
    A_LEVEL: Type.Union([Type.Literal('info'), Type.Literal('debug')], { default: 'info', description: 'a level' }),
    A_FLAG: Type.Optional(Type.Boolean({ description: 'unset by default' })),
    A_NAME: Type.String({ default: '', description: 'empty by default' }),
    A_HEADER: Type.String({ default: 'x-a', minLength: 1, description: 'not empty' }),
    A_CHANNEL: Type.String({ default: 'c', pattern: '^[a-z]+$', description: 'a pattern' })
  }))
  t.equal(table, [
    '| variable | default | allowed | what it does |',
    '| --- | --- | --- | --- |',
    '| `A_PORT` | `8080` | integer, 0 to 65535 | a port |',
    '| `A_LIMIT` | `1` | integer, at least 1 | a \\| b |',
    '| `A_RATE` | `0` | number, 0 to 1 | a share |',
    '| `A_COUNT` | `3` | integer | any integer |',
    '| `A_LEVEL` | `info` | `info`, `debug` | a level |',
    '| `A_FLAG` | (unset) | `true`, `false` | unset by default |',
    '| `A_NAME` | (empty) | string | empty by default |',
    '| `A_HEADER` | `x-a` | string, not empty | not empty |',
    '| `A_CHANNEL` | `c` | string matching `^[a-z]+$` | a pattern |'
  ].join('\n'))
})

t.test('a variable without a description stops the generator, naming it', async (t) => {
  t.throws(() => configTable(Type.Object({ A_PORT: Type.Integer({ default: 1 }) })), /A_PORT has no description: give it one in src\/config.ts/)
  t.throws(() => configTable(Type.Object({ A_LIST: Type.Array(Type.String(), { description: 'a list' }) })), /no way to write down a schema of type array/)
})

t.test('the generator rewrites the table between the markers only', async (t) => {
  const dir = t.testdir({ 'page.md': `# Title\n\nBefore.\n\n${TABLE_START}\n| old |\n${TABLE_END}\n\nAfter.\n` })
  const path = join(dir, 'page.md')
  t.equal(await writeConfigDocs(path, '| new |'), 'updated')
  t.equal(await readFile(path, 'utf8'), `# Title\n\nBefore.\n\n${TABLE_START}\n| new |\n${TABLE_END}\n\nAfter.\n`)
  t.equal(await writeConfigDocs(path, '| new |'), 'up to date', 'a second run changes nothing')
  t.throws(() => withConfigTable('# A page without markers\n'), /lost the markers/)
  t.throws(() => withConfigTable(`${TABLE_END}\n${TABLE_START}\n`), /lost the markers/, 'markers in the wrong order')
})
