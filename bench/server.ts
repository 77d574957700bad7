// One bench server in its own process, forked by processes.ts, so that no server shares an event
// loop with the load generator or with another server.
//
//   server.js <role> [upstream URL] [bundle module URL]
//
// It reports its port over IPC once listening, answers RSS, CPU time and profiler requests, and exits on
// `stop` or when the parent goes away (the IPC channel closes), so no server outlives a crashed run.
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import type { FastifyInstance } from 'fastify'
import type { BenchServer } from './forwarders.js'
import type { ServerMessage, ParentMessage, Role } from './processes.js'

async function buildCore (): Promise<FastifyInstance> {
  const { buildCore } = await import('../demo/core.js')
  const app = buildCore()
  await boundBookmarks(app)
  return app
}

/**
 * The demo core keeps every bookmark POSTed, and a run POSTs millions: its heap, and with it the
 * cost of its collections, would grow all run long and slow every later scenario down. GET
 * /bookmarks hands out the array itself, so the bench keeps hold of it and empties it every
 * second. What a POST costs the core is unchanged; only what it retains is bounded. The hook stays
 * on every route (Fastify cannot add it to one after the fact) but costs one comparison per response.
 */
async function boundBookmarks (app: FastifyInstance): Promise<void> {
  let bookmarks: unknown[] | undefined
  app.addHook('preSerialization', (request, _reply, payload, done) => {
    if (bookmarks === undefined && request.url === '/bookmarks') bookmarks = payload as unknown[]
    done(null, payload)
  })
  await app.inject('/bookmarks')
  const held = bookmarks
  if (!Array.isArray(held)) throw new Error('GET /bookmarks of the demo core no longer answers with its array')
  setInterval(() => { held.length = 0 }, 1000).unref()
}

async function buildProxy (upstream: string): Promise<FastifyInstance> {
  const [{ default: Fastify }, { default: httpProxy }] = await Promise.all([
    import('fastify'), import('@fastify/http-proxy')
  ])
  const app = Fastify({ logger: false })
  await app.register(httpProxy, { upstream })
  return app
}

async function buildEvergate (coreUrl: string, bundleUrl: string | undefined): Promise<FastifyInstance> {
  const [{ buildApp }, { loadConfig }] = await Promise.all([import('../src/app.js'), import('../src/config.js')])
  const { default: bundle } = bundleUrl === undefined
    ? await import('../versions/index.js')
    : await import(bundleUrl) as typeof import('../versions/index.js')
  // The environment passes through, so `EVERGATE_...=x npm run bench` measures another setting;
  // the parent gives each gateway a store of its own (bench/database.ts).
  const config = loadConfig({ ...process.env, CORE_URL: coreUrl, LOG_LEVEL: 'silent' })
  return await buildApp({ config, bundle })
}

async function buildSyntheticCore (): Promise<FastifyInstance> {
  const [{ default: Fastify }, { syntheticHeadBody }] = await Promise.all([import('fastify'), import('./synthetic.js')])
  // Serialised once: the synthetic core must cost next to nothing, so the gateway is what is measured.
  const body = JSON.stringify(syntheticHeadBody())
  const app = Fastify({ logger: false })
  app.get('/item', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body))
  return app
}

/** Where a traced gateway exports its spans: an OTLP/HTTP receiver that takes them and keeps nothing. */
async function buildOtlpSink (): Promise<FastifyInstance> {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 })
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => { done(null, null) })
  // An empty ExportTraceServiceResponse: every span accepted.
  app.post('/v1/traces', async (_request, reply) => await reply.type('application/x-protobuf').send(Buffer.alloc(0)))
  return app
}

function build (role: Role, upstream: string | undefined, bundleUrl: string | undefined): Promise<BenchServer> {
  switch (role) {
    case 'node-forwarder': return import('./forwarders.js').then(({ nodeForwarder }) => nodeForwarder(upstream as string))
    case 'fastify-forwarder': return import('./forwarders.js').then(({ fastifyForwarder }) => fastifyForwarder(upstream as string))
    case 'otlp-sink': return buildOtlpSink()
    case 'core': return buildCore()
    case 'synthetic-core': return buildSyntheticCore()
    case 'proxy': return buildProxy(upstream as string)
    case 'evergate': return buildEvergate(upstream as string, bundleUrl)
  }
}

function send (message: ServerMessage): void {
  process.send?.(message)
}

const [role, upstream, bundleUrl] = process.argv.slice(2) as [Role, string | undefined, string | undefined]
const app = await build(role, upstream, bundleUrl)
await app.listen({ port: 0, host: '127.0.0.1' })

const profiler = new Session()

async function onMessage (message: ParentMessage): Promise<void> {
  switch (message.type) {
    case 'rss':
      return send({ type: 'rss', rss: process.memoryUsage.rss() })
    case 'cpu': {
      const { user, system } = process.cpuUsage()
      return send({ type: 'cpu', micros: user + system })
    }
    case 'profile-start':
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
      return send({ type: 'profile-started' })
    case 'profile-stop': {
      const { profile } = await profiler.post('Profiler.stop')
      profiler.disconnect()
      await writeFile(message.file, JSON.stringify(profile))
      return send({ type: 'profile-written' })
    }
    case 'stop':
      await app.close()
      process.exit(0)
  }
}

process.on('disconnect', () => process.exit(0))
process.on('message', (message: ParentMessage) => {
  // A server that cannot answer its parent is of no use to the run: the parent sees it exit.
  onMessage(message).catch((err) => {
    console.error(err)
    process.exit(1)
  })
})
const address = app.server.address()
send({ type: 'ready', port: typeof address === 'object' && address !== null ? address.port : 0 })
