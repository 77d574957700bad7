// `npm run docs:config`: writes the table of docs/configuration.md from the config schema
// (EnvSchema in src/config.ts), so the page says what the gateway reads and nothing else.
// test/config-docs.test.ts fails when the page and the schema disagree.
import { readFile, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import type { TObject, TSchema } from '@sinclair/typebox'
import { EnvSchema } from '../src/config.js'

export const TABLE_START = '<!-- The table below is generated from src/config.ts by `npm run docs:config`: edit the descriptions there. -->'
export const TABLE_END = '<!-- End of the generated table. -->'

/** A table cell: one line, and no `|` that would end it early. */
const cell = (text: string) => text.replace(/\s*\n\s*/g, ' ').replaceAll('|', '\\|')

function defaultOf (schema: TSchema): string {
  if (!('default' in schema)) return '(unset)'
  return schema.default === '' ? '(empty)' : `\`${String(schema.default)}\``
}

function allowedOf (schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map((s) => `\`${String(s.const)}\``).join(', ')
  const { minimum: min, maximum: max } = schema as { minimum?: number, maximum?: number }
  const range = min !== undefined && max !== undefined ? `, ${min} to ${max}` : min !== undefined ? `, at least ${min}` : ''
  switch (schema.type) {
    case 'integer': return `integer${range}`
    case 'number': return `number${range}`
    case 'boolean': return '`true`, `false`'
    case 'string':
      if (typeof schema.pattern === 'string') return `string matching \`${schema.pattern}\``
      return schema.minLength === 1 ? 'string, not empty' : 'string'
    default: throw new Error(`docs:config: no way to write down a schema of type ${String(schema.type)}`)
  }
}

/** The Markdown table of every variable in the schema, in the schema's order. */
export function configTable (schema: TObject = EnvSchema): string {
  const rows = Object.entries(schema.properties).map(([name, property]) => {
    if (typeof property.description !== 'string' || property.description.trim() === '') {
      throw new Error(`docs:config: ${name} has no description: give it one in src/config.ts`)
    }
    return `| \`${name}\` | ${cell(defaultOf(property))} | ${cell(allowedOf(property))} | ${cell(property.description)} |`
  })
  return ['| variable | default | allowed | what it does |', '| --- | --- | --- | --- |', ...rows].join('\n')
}

/** The page with the table between the markers replaced by `table`; the rest as it was. */
export function withConfigTable (page: string, table: string = configTable()): string {
  const start = page.indexOf(TABLE_START)
  const end = page.indexOf(TABLE_END)
  if (start === -1 || end < start) throw new Error('docs:config: the page has lost the markers around its table; put them back first')
  return `${page.slice(0, start + TABLE_START.length)}\n${table}\n${page.slice(end)}`
}

/** Rewrites the page's table when it differs; says whether it did. */
export async function writeConfigDocs (path: string | URL, table: string = configTable()): Promise<'updated' | 'up to date'> {
  const page = await readFile(path, 'utf8')
  const next = withConfigTable(page, table)
  if (next === page) return 'up to date'
  await writeFile(path, next)
  return 'updated'
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // npm runs scripts from the package's root.
  const path = 'docs/configuration.md'
  console.log(`${path}: ${await writeConfigDocs(path)}`)
}
