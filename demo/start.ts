// `npm start`: the Pulse core service and the gateway in front of it, on one machine.
import { loadConfig } from '../src/config.js'
import { start } from '../src/server.js'
import bundle from '../versions/index.js'
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

console.log(`
  Pulse core (speaks head)   http://127.0.0.1:${corePort}
  evergate gateway           ${address}
  evergate admin API, page   ${adminAddress ?? 'off'}  (any user name, the token as password: ${token})
  release policy database    ${config.release?.database.url === undefined ? `embedded, in ${config.release?.database.dataDir}` : 'PostgreSQL (DATABASE_URL)'}

  Try an app from 2024 and one from today:
    curl -s ${address}/profile -H 'X-App-Version: 1.0.0'
    curl -s ${address}/users/me -H 'X-App-Version: 3.1.0'
    curl -s ${address}/articles -H 'X-App-Version: 2.1.0'
    curl -s ${address}/_evergate/app-status -H 'X-App-Version: 1.2.0' -H 'X-App-Platform: ios'

  Deprecate and retire versions:
    EVERGATE_ADMIN_TOKEN=${token} npx evergate versions deprecate "<2.0.0" --sunset 2027-01-31
    EVERGATE_ADMIN_TOKEN=${token} npx evergate versions usage
    EVERGATE_ADMIN_TOKEN=${token} npx evergate versions release 3.4.0 --platform ios
  or open ${adminAddress ?? 'the admin page'}/ in a browser.
`)
