// Production entry: the gateway alone, in front of CORE_URL (and EVERGATE_UPSTREAMS).
import { loadConfig } from './config.js'
import { start } from './server.js'
import bundle from '../versions/index.js'

await start({ config: loadConfig(), bundle })
