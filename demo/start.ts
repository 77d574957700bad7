// `npm start`: the Pulse core service and the gateway in front of it, on one machine.
import { loadConfig } from '../src/config.js'
import { start } from '../src/server.js'
import bundle from '../versions/index.js'
import { banner } from './banner.js'
import { buildCore } from './core.js'

const corePort = Number(process.env.DEMO_CORE_PORT ?? 8090)
const core = buildCore()
await core.listen({ port: corePort, host: '127.0.0.1' })

// The demo's admin token, unless one is given: the demo is meant to be tried.
const token = process.env.EVERGATE_ADMIN_TOKEN ?? 'demo-admin-token'
// Pulse's store pages, for the upgrade answers (unless others are given).
const storeUrls = 'ios=https://apps.apple.com/app/pulse/id0000000000,android=https://play.google.com/store/apps/details?id=example.pulse'
const config = loadConfig({
  EVERGATE_STORE_URLS: storeUrls,
  // Pulse builds send `Pulse/3.2.1 (...)`: the version, when X-App-Version is missing.
  EVERGATE_USER_AGENT_APPS: 'Pulse',
  ...process.env,
  CORE_URL: `http://127.0.0.1:${corePort}`,
  EVERGATE_ADMIN_TOKEN: token
})
const { address, adminAddress } = await start({ config, bundle, onClose: () => core.close() })

console.log(banner({
  coreUrl: `http://127.0.0.1:${corePort}`,
  address,
  adminAddress,
  token,
  database: config.release?.database.url === undefined ? `embedded, in ${config.release?.database.dataDir}` : 'PostgreSQL (DATABASE_URL)'
}))
