#!/usr/bin/env node
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { changelog } from './cli/changelog.js'
import { contracts, loadContracts } from './cli/contracts.js'
import { commandOf, help } from './cli/help.js'
import { UsageError, type Io } from './cli/io.js'
import { migrateCommand } from './cli/migrate.js'
import { mockCommand } from './cli/mock.js'
import { versions } from './cli/versions.js'

export type { Io } from './cli/io.js'

/**
 * `evergate --help`, `evergate help <command>`, `<command> --help`: the command or group whose help
 * was asked for, null for the list of commands; undefined when no help was asked for.
 */
function helpAsked (argv: readonly string[]): string | null | undefined {
  if (argv[0] === 'help') {
    const command = commandOf(argv.slice(1))
    if (argv.length > 1 && command === null) throw new UsageError(`no command "${argv.slice(1).join(' ')}"`)
    return command
  }
  if (!argv.some((a) => a === '--help' || a === '-h')) return undefined
  return commandOf(argv)
}

/** Runs one CLI command; returns the exit code. */
export async function run (argv: string[], io: Io, load = loadContracts): Promise<number> {
  const [group, command, ...args] = argv
  try {
    const asked = helpAsked(argv)
    if (asked !== undefined) {
      for (const line of help(asked)) io.out(line)
      return 0
    }
    if (group === 'versions') return await versions(command, args, io)
    if (group === 'contracts') return await contracts(command, args, io, load)
    if (group === 'migrate') return await migrateCommand(argv.slice(1), io)
    if (group === 'changelog') return await changelog(argv.slice(1), io)
    if (group === 'mock') return await mockCommand(argv.slice(1), io)
    throw new UsageError(group === undefined ? 'no command' : `unknown command: ${argv.join(' ')}`)
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true
    io.err(`evergate: ${(err as Error).message}`)
    if (!usage) return 1
    // One line and where the help is: the usage itself would scroll the error away.
    const about = commandOf(argv)
    io.err(`run "evergate help${about === null ? '' : ` ${about}`}" for usage`)
    return 2
  }
}

/* c8 ignore next 4 -- the process entry; `run` is what the tests drive */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const io: Io = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env }
  process.exitCode = await run(process.argv.slice(2), io)
}
