import { createServer, connect, type Server, type Socket } from 'node:net'

/**
 * A TCP relay in front of a real service, to make it "go away" for real: `cut()` drops every
 * connection and refuses new ones, `restore()` listens again on the same port.
 */
export async function tcpProxy (t: { teardown (fn: () => unknown): void }, target: { host: string, port: number }) {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0

  const open = async () => {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => { client.destroy(); upstream.destroy() })
      }
      client.pipe(upstream).pipe(client)
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

  await open()
  t.teardown(() => (server === null ? undefined : cut()))
  return { get port () { return port }, cut, restore: open }
}
