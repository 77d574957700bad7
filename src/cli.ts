#!/usr/bin/env node
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { changelog } from './cli/changelog.js'
import { contracts, loadContracts } from './cli/contracts.js'
import { UsageError, type Io } from './cli/io.js'
import { versions } from './cli/versions.js'
import { loadConfig } from './config.js'
import { openDatabase } from './storage/database.js'
import { migrate } from './storage/migrations.js'

export type { Io } from './cli/io.js'

const USAGE = `usage: evergate <command>

  versions list                          the rules in force and every app version seen
  versions deprecate <range> [options]   deprecate app versions (Deprecation/Sunset headers)
  versions retire <range> [options]      refuse app versions with a 426 upgrade answer
  versions support <range> [options]     support app versions again (the newest rule wins)
  versions usage [--days N]              requests per app version and platform, with shares
  versions routes [--days N] [--contract V]
                                         requests per contract version and route, with errors
  versions trend <range> [--platform P] [--days N]
                                         a range's share of each day's requests (default 30 days)
  versions delete-rule <id>              delete a rule (list shows their ids)
  versions audit [--limit N]             the last changes to rules and releases: who, when, what
  versions release <version> [options]   announce a release: app-status names it the latest
  versions withdraw <version> [--platform P]
                                         withdraw an announced release (pulled from the store)
  migrate                                bring the database schema up to date
  contracts check [--format F] [--fail-on ERR|WARN]
                                         compare what each released version is served with what its
                                         apps were built against; F: text, json, markdown, junit
  contracts freeze [version...]          freeze every contract not frozen yet (a release), or those named
  contracts freeze --update <version...> record compatible (INFO-only) changes in a frozen copy
  contracts new <version>                start a new head: freeze the old one, keep it as a delta, scaffold the rest
  contracts verify --url URL [--timeout MS] [--version-header NAME]
                                         replay every version's examples against a running gateway
  changelog [--from V] [--to V] [--json] the changelog as Markdown, newest first; with --from, what
                                         changes for an app moving from V (to head by default)

options for deprecate, retire, support:
  --dry-run          change nothing: show the app versions whose status would change, with their traffic
  --platform P       ios, android, web, ... (default: every platform)
  --sunset DATE      YYYY-MM-DD: deprecated versions retire on that day
  --message TEXT     what the app shows its user
  --upgrade-url URL  the store page

options for release:
  --platform P       the store it is out in (default: every platform)
  --date WHEN        YYYY-MM-DD (UTC), or a timestamp with its offset: when it is out (default: now)

The versions commands talk to the admin API: EVERGATE_ADMIN_URL (default http://127.0.0.1:8081)
with EVERGATE_ADMIN_TOKEN. migrate uses DATABASE_URL, or the embedded database in EVERGATE_DATA_DIR.
Exit codes: 0 done, 1 failed, 2 bad usage.`

async function migrateCommand (io: Io): Promise<number> {
  const config = loadConfig({ ...io.env, EVERGATE_RELEASE_MANAGEMENT: 'true' })
  const db = openDatabase(config.release?.database as Parameters<typeof openDatabase>[0])
  try {
    const ran = await migrate(db.knex)
    io.out(ran.length === 0 ? `the ${db.kind} database is up to date` : `migrated the ${db.kind} database: ${ran.join(', ')}`)
    return 0
  } finally {
    await db.knex.destroy()
  }
}

/** Runs one CLI command; returns the exit code. */
export async function run (argv: string[], io: Io, load = loadContracts): Promise<number> {
  const [group, command, ...args] = argv
  try {
    if (group === 'versions') return await versions(command, args, io)
    if (group === 'contracts') return await contracts(command, args, io, load)
    if (group === 'migrate' && command === undefined) return await migrateCommand(io)
    if (group === 'changelog') return await changelog(argv.slice(1), io)
    throw new UsageError(group === undefined ? 'no command' : `unknown command: ${argv.join(' ')}`)
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true
    io.err(`evergate: ${(err as Error).message}`)
    if (usage) io.err(USAGE)
    return usage ? 2 : 1
  }
}

/* c8 ignore next 4 -- the process entry; `run` is what the tests drive */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const io: Io = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env }
  process.exitCode = await run(process.argv.slice(2), io)
}
