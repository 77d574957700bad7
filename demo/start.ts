// `npm start`: the Pulse core service and the gateway in front of it, on one machine.
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { listen } from '../src/server.js'
import bundle from '../versions/index.js'
import { buildCore } from './core.js'

const corePort = Number(process.env.DEMO_CORE_PORT ?? 8090)
const core = buildCore()
await core.listen({ port: corePort, host: '127.0.0.1' })

const config = loadConfig({ ...process.env, CORE_URL: `http://127.0.0.1:${corePort}` })
const app = await buildApp({ config, bundle })
app.addHook('onClose', async () => { await core.close() })
const address = await listen(app, config)

console.log(`
  Pulse core (speaks head)        on http://127.0.0.1:${corePort}
  evergate gateway                on ${address}

  Try an app from 2024 and one from today:
    curl -s ${address}/profile -H 'X-App-Version: 1.0.0'
    curl -s ${address}/users/me -H 'X-App-Version: 3.1.0'
    curl -s '${address}/articles' -H 'X-App-Version: 2.1.0'
    curl -s ${address}/_evergate/changelog
`)
