import { fileURLToPath } from 'node:url'
import { contracts } from '../contracts/index.js'
import { defineBundle } from '../src/engine/index.js'

// The deployment's bundle: its contracts and, beside this file, one folder per contract version.
export default defineBundle({
  contracts,
  changesDir: fileURLToPath(new URL('.', import.meta.url))
})
