import t from 'tap'
import { COMMANDS } from '../../src/cli/help.js'
import { cli } from '../helpers/cli.js'

t.test('evergate --help lists every command, on stdout, and exits 0', async (t) => {
  for (const argv of [['--help'], ['-h'], ['help']]) {
    const c = cli()
    t.equal(await c.run(...argv), 0, argv.join(' '))
    t.same(c.err, [])
    t.equal(c.out[0], 'usage: evergate <command> ...')
    for (const command of Object.keys(COMMANDS)) t.ok(c.out.some((l) => l.startsWith(`  ${command} `)), `${argv.join(' ')} lists ${command}`)
    t.ok(c.out.some((l) => l.includes('EVERGATE_ADMIN_URL')))
  }
})

t.test('a command\'s help, as help <command> or <command> --help', async (t) => {
  for (const argv of [['versions', 'retire', '--help'], ['help', 'versions', 'retire'], ['versions', 'retire', '<2.0.0', '-h']]) {
    const c = cli()
    t.equal(await c.run(...argv), 0, argv.join(' '))
    t.equal(c.out[0], 'usage: evergate versions retire <range> [options]')
    t.ok(c.out.some((l) => /^ {2}--dry-run\s+change nothing/.test(l)))
    t.ok(c.out.some((l) => /^ {2}--timeout MS\s/.test(l)))
    t.ok(c.out.every((l) => l.length <= 110), 'lines a terminal shows whole')
  }
  const check = cli()
  t.equal(await check.run('contracts', 'check', '--help'), 0)
  t.equal(check.out[0], 'usage: evergate contracts check [--format F] [--fail-on ERR|WARN]')
  t.ok(check.out.some((l) => /^ {2}--json\s+the same as --format json$/.test(l)))
  const migrate = cli()
  t.equal(await migrate.run('migrate', '--help'), 0)
  t.same(migrate.out.slice(0, 2), ['usage: evergate migrate', ''], 'no options section for a command without options')
  t.notOk(migrate.out.includes('options:'))
  const group = cli()
  t.equal(await group.run('help', 'versions'), 0)
  t.equal(group.out[0], 'usage: evergate versions ...')
  t.ok(group.out.some((l) => l.startsWith('  versions trend ')))
  t.notOk(group.out.some((l) => l.startsWith('  contracts ')), 'only that group')
  for (const command of ['contracts new', 'contracts verify']) {
    const c = cli()
    t.equal(await c.run('help', ...command.split(' ')), 0, `${command} has its help already`)
  }
})

t.test('every command has a usage line, a summary, and options that say what they do', async (t) => {
  for (const [name, entry] of Object.entries(COMMANDS)) {
    t.match(entry.summary, /^[a-z]/, name)
    for (const [flag, text] of entry.options ?? []) t.match(`${flag} ${text}`, /^--[a-z-]+( \S+)? \S/, `${name} ${flag}`)
  }
})

t.test('a usage error is one line and where the help is, on stderr, exit 2', async (t) => {
  const cases: Array<[string[], RegExp, string]> = [
    [['versions', 'retire'], /^evergate: versions retire takes one range/, 'evergate help versions retire'],
    [['versions', 'retire', '<2.0.0', '--colour', 'red'], /^evergate: Unknown option '--colour'/, 'evergate help versions retire'],
    [['versions', 'usage', '--timeout', 'soon'], /^evergate: --timeout "soon" is not a number of milliseconds$/, 'evergate help versions usage'],
    [['versions', 'explode'], /^evergate: unknown command: versions explode$/, 'evergate help versions'],
    [['contracts', 'check', '--json', '--format', 'junit'], /^evergate: --json and --format junit ask for two formats$/, 'evergate help contracts check'],
    [['migrate', 'now'], /^evergate: Unexpected argument 'now'/, 'evergate help migrate'],
    [['deploy'], /^evergate: unknown command: deploy$/, 'evergate help'],
    [['help', 'deploy'], /^evergate: no command "deploy"$/, 'evergate help'],
    [[], /^evergate: no command$/, 'evergate help']
  ]
  for (const [argv, message, pointer] of cases) {
    const c = cli({ EVERGATE_ADMIN_TOKEN: 'x' })
    t.equal(await c.run(...argv), 2, argv.join(' '))
    t.same(c.out, [], argv.join(' '))
    t.equal(c.err.length, 2, argv.join(' '))
    t.match(c.err[0], message, argv.join(' '))
    t.equal(c.err[1], `run "${pointer}" for usage`, argv.join(' '))
  }
  const env = cli({ EVERGATE_ADMIN_TOKEN: 'x', EVERGATE_ADMIN_TIMEOUT_MS: '0' })
  t.equal(await env.run('versions', 'list'), 2)
  t.equal(env.err[0], 'evergate: EVERGATE_ADMIN_TIMEOUT_MS "0" is not a number of milliseconds')
})
