// Production entry: the gateway alone, in front of CORE_URL (and EVERGATE_UPSTREAMS).
import { buildApp } from './app.js'
import { loadConfig } from './config.js'
import { listen } from './server.js'
import bundle from '../versions/index.js'

const config = loadConfig()
const app = await buildApp({ config, bundle })
await listen(app, config)
