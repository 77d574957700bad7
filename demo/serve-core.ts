// The Pulse core alone, as a service of its own (deploy/compose.yaml runs it next to the
// gateways): `node dist/demo/serve-core.js`. `npm start` runs it in-process instead.
import closeWithGrace from 'close-with-grace'
import { buildCore } from './core.js'

const port = Number(process.env.DEMO_CORE_PORT ?? 8090)
const host = process.env.DEMO_CORE_HOST ?? '0.0.0.0'
const core = buildCore({ logger: true })
closeWithGrace(async () => { await core.close() })
await core.listen({ port, host })
