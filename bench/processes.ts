import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type Role = 'core' | 'synthetic-core' | 'proxy' | 'node-forwarder' | 'fastify-forwarder' | 'evergate' | 'otlp-sink'

export type ParentMessage =
  | { type: 'rss' }
  | { type: 'cpu' }
  | { type: 'profile-start' }
  | { type: 'profile-stop', file: string }
  | { type: 'stop' }
export type ServerMessage =
  | { type: 'ready', port: number }
  | { type: 'rss', rss: number }
  | { type: 'cpu', micros: number }
  | { type: 'profile-started' }
  | { type: 'profile-written' }

export interface ServerProcess {
  readonly role: Role
  readonly pid: number
  readonly url: string
  /** Resident set size in bytes, as the process itself reads it. */
  rss (): Promise<number>
  /** CPU time the process has used so far, user and system, in microseconds (process.cpuUsage()). */
  cpu (): Promise<number>
  /** Starts the V8 CPU profiler in the server, so that boot and warm-up can stay out of the profile. */
  startProfile (): Promise<void>
  /** Stops it and has the server write the profile (.cpuprofile, for DevTools) to `file`. */
  stopProfile (file: string): Promise<void>
  stop (): Promise<void>
}

export interface StartOptions {
  /** Where a proxy or a gateway forwards to. */
  upstream?: string
  /** A gateway's bundle module (file URL); the demo's versions/ when absent. */
  bundle?: string
  /** Extra environment for the child. */
  env?: Record<string, string>
  /** A program to run Node under (valgrind, for `--instructions`), and its arguments before Node's. */
  under?: { command: string, args: readonly string[] }
}

/**
 * V8 flags the gateway runs with in production (the Dockerfile's CMD, `npm run start:gateway`), so
 * it is measured as it is deployed. A 4 MB semi-space (V8's default grows to 16 MB): the gateway's
 * garbage is per request and short-lived. Measured on the demo under load: peak RSS 136 -> 101 MB
 * at the same throughput; 2 MB cost 13% of the 1.0.0 client's throughput and promoted so much
 * in-flight request state that RSS rose instead (bench/README.md).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4']

// Forked children inherit execArgv: compiled, the parent runs dist/bench/*.js with no loader;
// under tap it runs bench/*.ts with tap's TypeScript loader, and so will the child.
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './server.ts' : './server.js', import.meta.url)
const READY_TIMEOUT_MS = 300_000
const STOP_TIMEOUT_MS = 5_000

function waitForReady (child: ChildProcess, role: Role): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${role} did not start within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS)
    function onMessage (message: ServerMessage) {
      if (message.type !== 'ready') return
      cleanup()
      resolve(message.port)
    }
    function onExit (code: number | null, signal: NodeJS.Signals | null) {
      fail(new Error(`${role} exited before listening (code ${code}, signal ${signal})`))
    }
    function fail (err: Error) {
      cleanup()
      reject(err)
    }
    function cleanup () {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.on('exit', onExit)
  })
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage)
  else child.kill('SIGKILL')
  await exited
  clearTimeout(kill)
}

/** Sends a message and resolves with the first reply of the given type. */
function ask<T extends ServerMessage['type']> (child: ChildProcess, message: ParentMessage, reply: T): Promise<Extract<ServerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    function onMessage (answer: ServerMessage) {
      if (answer.type !== reply) return
      child.off('message', onMessage)
      resolve(answer as Extract<ServerMessage, { type: T }>)
    }
    child.on('message', onMessage)
    child.send(message, (err) => {
      if (err !== null) {
        child.off('message', onMessage)
        reject(err)
      }
    })
  })
}

/**
 * Every server of a run. A child is tracked from the moment it is forked, so stopAll() also ends
 * one that is still booting when another fails.
 */
export class ProcessGroup {
  readonly #children = new Set<ChildProcess>()
  readonly #afterStop: Array<() => Promise<void>> = []

  /** Work to do once every child has stopped (a gateway's database schema to drop, say). */
  afterStop (cleanup: () => Promise<void>): void {
    this.#afterStop.push(cleanup)
  }

  async start (role: Role, options: StartOptions = {}): Promise<ServerProcess> {
    const args = [role, options.upstream, options.bundle].filter((a) => a !== undefined)
    const nodeArgs = role === 'evergate' ? [...process.execArgv, ...GATEWAY_NODE_FLAGS] : process.execArgv
    const { under } = options
    const child = fork(ENTRY, args, {
      ...(under === undefined ? { execArgv: nodeArgs } : { execPath: under.command, execArgv: [...under.args, process.execPath, ...nodeArgs] }),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc']
    })
    this.#children.add(child)
    child.once('exit', () => this.#children.delete(child))
    const port = await waitForReady(child, role)
    return {
      role,
      pid: child.pid as number,
      url: `http://127.0.0.1:${port}`,
      rss: async () => (await ask(child, { type: 'rss' }, 'rss')).rss,
      cpu: async () => (await ask(child, { type: 'cpu' }, 'cpu')).micros,
      startProfile: async () => { await ask(child, { type: 'profile-start' }, 'profile-started') },
      stopProfile: async (file) => { await ask(child, { type: 'profile-stop', file }, 'profile-written') },
      stop: () => stopChild(child)
    }
  }

  /** Stops every child, then runs every cleanup; a cleanup that fails is reported, not thrown. */
  async stopAll (): Promise<void> {
    await Promise.all([...this.#children].map(stopChild))
    const cleanups = this.#afterStop.splice(0)
    for (const result of await Promise.allSettled(cleanups.map((cleanup) => cleanup()))) {
      if (result.status === 'rejected') console.error('bench cleanup failed:', result.reason)
    }
  }
}

/**
 * Runs `work` with a group of servers and a temp directory of its own (`evergate-<name>-…`). Every
 * child is stopped and the directory removed afterwards, whatever happens.
 */
export async function withProcesses<T> (name: string, work: (group: ProcessGroup, workDir: string) => Promise<T>): Promise<T> {
  const group = new ProcessGroup()
  const workDir = await mkdtemp(join(tmpdir(), `evergate-${name}-`))
  try {
    return await work(group, workDir)
  } finally {
    try {
      await group.stopAll()
    } finally {
      await rm(workDir, { recursive: true, force: true })
    }
  }
}
