import { run, type Io } from '../../src/cli.js'

/** The CLI as a person runs it, with its stdout and stderr lines kept. */
export function cli (env: Record<string, string> = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env }
  return { out, err, run: async (...argv: string[]) => await run(argv, io) }
}
