import { fileURLToPath } from 'node:url'
import { contracts } from '../contracts/index.js'
import examples from '../contracts/examples.js'
import { defineBundle } from '../src/engine/index.js'

// The deployment's bundle: its contracts and, beside this file, one folder per contract version.
export default defineBundle({
  contracts,
  changesDir: fileURLToPath(new URL('.', import.meta.url)),
  examples,
  // The frozen copies stay beside the sources (compiled, this file is dist/versions/index.js).
  snapshotsDir: fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../contracts/snapshots' : '../../contracts/snapshots', import.meta.url))
})
