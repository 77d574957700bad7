// Every command's help, in one table: a new command is one entry here. `evergate --help` lists
// them all; `evergate help <command>` and `<command> --help` print one.

export interface CommandHelp {
  /** The arguments after the command's name. */
  args: string
  /** One line, for the list of commands. */
  summary: string
  /** What more a person needs to use it, after the summary. */
  description?: string
  options?: ReadonlyArray<readonly [flag: string, text: string]>
}

const JSON_OPTION = ['--json', 'print the answer as JSON, for scripts'] as const
const ADMIN_OPTIONS = [
  JSON_OPTION,
  ['--timeout MS', 'how long to wait for the admin API (default 10000, or EVERGATE_ADMIN_TIMEOUT_MS)']
] as const
const DAYS = (days: number) => ['--days N', `the last N days (default ${days}; the gateway keeps at most EVERGATE_USAGE_RETENTION_DAYS)`] as const

const RULE_OPTIONS = [
  ['--dry-run', 'change nothing: show the app versions whose status would change, with their traffic'],
  ['--yes', 'go ahead when the rule would un-retire versions or its sunset is in the past'],
  ['--platform P', 'ios, android, web, ... (default: every platform)'],
  ['--sunset DATE', 'YYYY-MM-DD: deprecated versions retire on that day'],
  ['--message TEXT', 'what the app shows its user'],
  ['--upgrade-url URL', 'the store page'],
  ...ADMIN_OPTIONS
] as const

const RULE_NOTE = 'A rule that would turn retired versions back into served ones, or a sunset already past, is ' +
  'refused unless --yes is given: the warning says which versions, with their traffic.'

export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  'versions list': {
    args: '',
    summary: 'the rules in force, the releases announced and every app version seen',
    options: ADMIN_OPTIONS
  },
  'versions deprecate': {
    args: '<range> [options]',
    summary: 'deprecate app versions (Deprecation and Sunset headers)',
    description: `The range is a semver range, e.g. "<2.4.0". ${RULE_NOTE}`,
    options: RULE_OPTIONS
  },
  'versions retire': {
    args: '<range> [options]',
    summary: 'refuse app versions with a 426 upgrade answer',
    description: 'The range is a semver range, e.g. "<1.5.0"; the 426 names the upgrade URL. Run it with ' +
      '--dry-run first to see the traffic it cuts off.',
    options: RULE_OPTIONS
  },
  'versions support': {
    args: '<range> [options]',
    summary: 'support app versions again (the newest rule wins)',
    description: `An exception to an older rule, e.g. "1.4.x" --platform android. ${RULE_NOTE}`,
    options: RULE_OPTIONS
  },
  'versions usage': {
    args: '[--days N]',
    summary: 'requests per app version and platform, with shares',
    options: [DAYS(7), ...ADMIN_OPTIONS]
  },
  'versions routes': {
    args: '[--days N] [--contract V]',
    summary: 'requests per contract version and route, with errors',
    options: [DAYS(7), ['--contract V', 'only the routes of contract version V'], ...ADMIN_OPTIONS]
  },
  'versions trend': {
    args: '<range> [--platform P] [--days N]',
    summary: 'a range\'s share of each day\'s requests: how fast it is leaving',
    options: [['--platform P', 'one platform (default: every platform)'], DAYS(30), ...ADMIN_OPTIONS]
  },
  'versions delete-rule': {
    args: '<id>',
    summary: 'delete a rule (versions list shows their ids)',
    options: ADMIN_OPTIONS
  },
  'versions audit': {
    args: '[--limit N]',
    summary: 'the last changes to rules and releases: who, when, what',
    options: [['--limit N', 'the last N changes (default 20, at most 1000)'], ...ADMIN_OPTIONS]
  },
  'versions release': {
    args: '<version> [options]',
    summary: 'announce a release: app-status names it the latest',
    options: [
      ['--platform P', 'the store it is out in (default: every platform)'],
      ['--date WHEN', 'YYYY-MM-DD (UTC), or a timestamp with its offset: when it is out (default: now)'],
      ...ADMIN_OPTIONS
    ]
  },
  'versions withdraw': {
    args: '<version> [--platform P]',
    summary: 'withdraw an announced release (pulled from the store)',
    options: [['--platform P', 'the platform it was announced for (default: every platform)'], ...ADMIN_OPTIONS]
  },
  migrate: {
    args: '',
    summary: 'bring the database schema up to date',
    description: 'The migrations the gateway runs at start, run ahead of a deploy: on DATABASE_URL (in ' +
      'DATABASE_SCHEMA), or on the embedded database in EVERGATE_DATA_DIR. Progress goes to stderr.'
  },
  'contracts check': {
    args: '[--format F] [--fail-on ERR|WARN]',
    summary: 'compare what each released version is served with what its apps were built against',
    description: 'Exits 1 when a finding is as severe as --fail-on: a released version\'s apps may break.',
    options: [
      ['--format F', 'text, json, markdown or junit (default text)'],
      ['--json', 'the same as --format json'],
      ['--fail-on S', 'ERR (default) or WARN'],
      ['--snapshots DIR', 'the frozen contracts (default contracts/snapshots)']
    ]
  },
  'contracts freeze': {
    args: '[version...] | --update <version...>',
    summary: 'freeze every contract not frozen yet (a release), or those named',
    options: [
      ['--update', 'record compatible (INFO-only) changes in the frozen copies of the versions named'],
      ['--snapshots DIR', 'the frozen contracts (default contracts/snapshots)']
    ]
  },
  'contracts new': {
    args: '<x.y.z>',
    summary: 'start a new head: freeze the old one, keep it as a delta, scaffold the rest',
    description: 'Writes contracts/<old>.ts, versions/<x.y.z>/ and test/contracts/<old>.test.ts, and prints what to write next.',
    options: [['--snapshots DIR', 'the frozen contracts of the deployment to change (default contracts/snapshots)']]
  },
  'contracts verify': {
    args: '--url <gateway>',
    summary: 'replay every supported version\'s examples against a running deployment',
    description: 'Checks each answer against the version\'s frozen contract; exits 1 when any version would break. Examples write data: run it against staging.',
    options: [
      ['--url URL', 'the gateway to check, with its core behind it'],
      ['--timeout MS', 'per request (default 10000)'],
      ['--version-header NAME', 'the header apps send their version in (default x-app-version)'],
      ['--snapshots DIR', 'the frozen contracts (default contracts/snapshots)']
    ]
  },
  changelog: {
    args: '[--from V] [--to V] [--json]',
    summary: 'the changelog as Markdown, newest first, from the contracts and the change files',
    description: 'With --from (and --to, head by default): what changes for an app moving between two versions, field by field.',
    options: [['--from V', 'the version an app is on'], ['--to V', 'the version it moves to (default head)'], ['--json', 'JSON instead of Markdown']]
  },
  mock: {
    args: '[--port N] [--host H] [--retired RANGE] [--deprecated RANGE] [options]',
    summary: 'serve every version\'s API with no core: head\'s examples, through the real gateway',
    description: 'For app teams: point a phone or an emulator at it (it prints its addresses, the LAN\'s ' +
      'included). A request chooses its answer with Prefer: code=404, example="<name>" or dynamic=true ' +
      '(generated data). Writes are validated and answered, nothing is stored. --retired and --deprecated ' +
      'simulate release rules, so an app meets the real 426 and deprecation headers.',
    options: [
      ['--port N', 'the port (default PORT, else 8080; 0 picks a free one)'],
      ['--host H', 'the address to listen on (default HOST, else 0.0.0.0: the LAN too)'],
      ['--retired RANGE', 'app versions refused with the upgrade 426, e.g. "<1.5.0"'],
      ['--deprecated RANGE', 'app versions given Deprecation, Sunset and Link headers, e.g. "<2.0.0"'],
      ['--sunset DATE', 'YYYY-MM-DD: the deprecated versions\' sunset (once past, they are retired)'],
      ['--message TEXT', 'what a retired or deprecated app shows its user'],
      ['--upgrade-url URL', 'the store page (default: the platform\'s in EVERGATE_STORE_URLS)'],
      ['--platform P', 'the rules apply to one platform only (default: every platform)']
    ]
  }
}

const FOOTER = [
  'The versions commands talk to the admin API at EVERGATE_ADMIN_URL (default http://127.0.0.1:8081)',
  'with EVERGATE_ADMIN_TOKEN. Dates are printed as YYYY-MM-DD, times as YYYY-MM-DD HH:MM UTC.',
  'Exit codes: 0 done, 1 failed, 2 bad usage.'
]

/** The commands named by the words `argv` starts with: a command, a group (`versions`), or null. */
export function commandOf (argv: readonly string[]): string | null {
  const words = argv.slice(0, 2).join(' ')
  if (Object.hasOwn(COMMANDS, words)) return words
  return Object.keys(COMMANDS).some((c) => c.split(' ')[0] === argv[0]) ? argv[0] : null
}

function columns (rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`)
}

/** A paragraph in lines of at most 80 characters. */
function wrap (text: string): string[] {
  const lines = ['']
  for (const word of text.split(' ')) {
    const last = lines.length - 1
    if (lines[last] !== '' && lines[last].length + word.length >= 80) lines.push(word)
    else lines[last] = lines[last] === '' ? word : `${lines[last]} ${word}`
  }
  return lines
}

/** The help for `evergate`, a group (`versions`) or a command (`versions retire`). */
export function help (command: string | null): string[] {
  const entry = command === null || !Object.hasOwn(COMMANDS, command) ? undefined : COMMANDS[command]
  if (entry !== undefined) {
    const summary = `${entry.summary[0].toUpperCase()}${entry.summary.slice(1)}.`
    return [
      `usage: evergate ${command} ${entry.args}`.trimEnd(), '',
      ...wrap(entry.description === undefined ? summary : `${summary} ${entry.description}`),
      ...(entry.options === undefined ? [] : ['', 'options:', ...columns(entry.options)])
    ]
  }
  const listed = Object.entries(COMMANDS).filter(([name]) => command === null || name.startsWith(`${command} `))
  return [
    `usage: evergate ${command ?? '<command>'} ...`, '',
    ...columns(listed.map(([name, e]) => [name, e.summary])), '',
    `Run "evergate help <command>" for a command's options (e.g. evergate help ${listed[0][0]}).`,
    ...FOOTER
  ]
}
