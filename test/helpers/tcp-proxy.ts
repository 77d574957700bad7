import { createServer, connect, type Server, type Socket } from 'node:net'

/** PostgreSQL's ReadyForQuery, idle: the statement before it, or its transaction, has committed. */
const READY_IDLE = Buffer.from([0x5a, 0, 0, 0, 5, 0x49])

/**
 * A TCP relay in front of a real service, to make it "go away" for real: `cut()` drops every
 * connection and refuses new ones, `restore()` listens again on the same port.
 * `cutAfterCommit(sql)` arms a trap for PostgreSQL: the next connection that sends `sql` is cut
 * as soon as the server says it committed, its answer never passed on.
 */
export async function tcpProxy (t: { teardown (fn: () => unknown): void }, target: { host: string, port: number }) {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  let trap: { sql: string, sprung: () => void } | null = null

  const open = async () => {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => { client.destroy(); upstream.destroy() })
      }
      let armed: typeof trap = null
      client.on('data', (chunk: Buffer) => {
        if (trap !== null && chunk.includes(trap.sql)) {
          armed = trap
          trap = null
        }
        upstream.write(chunk)
      })
      upstream.on('data', (chunk: Buffer) => {
        if (armed !== null && chunk.includes(READY_IDLE)) {
          client.destroy()
          upstream.destroy()
          armed.sprung()
          return
        }
        client.write(chunk)
      })
      client.on('end', () => upstream.end())
      upstream.on('end', () => client.end())
    })
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve))
    port = (server?.address() as { port: number }).port
  }

  const cut = async () => {
    const closing = new Promise((resolve) => server?.close(resolve))
    for (const s of sockets) s.destroy()
    await closing
    server = null
  }

  /** Resolves once a connection that sent `sql` was cut after its commit. */
  const cutAfterCommit = async (sql: string) => await new Promise<void>((resolve) => { trap = { sql, sprung: resolve } })

  await open()
  t.teardown(() => (server === null ? undefined : cut()))
  return { get port () { return port }, cut, restore: open, cutAfterCommit }
}
