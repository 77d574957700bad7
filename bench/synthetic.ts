// A synthetic bundle whose only route, GET /item, changes once per contract version: each change
// converts one field of a ~1.5 KB body (amount_k_cents -> amount_k in pounds), so a client N
// versions behind head runs exactly N body-touching steps. It shows how cost grows with chain length.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildPlans, loadBundle, type BundleSource, type RequestContext, type ResponseStep } from '../src/engine/index.js'
import { ResponseStepContext } from '../src/gateway/run-chain.js'
import { median } from './median.js'

/** A response chain's steps, newest change first. */
export type Steps = readonly ResponseStep[]

/** Fields the body carries, whatever the chain length, so that every length sees the same body. */
const AMOUNTS = 20
const BODY_BYTES = 1536

// The generated modules import the engine by absolute URL: they live in a temp directory, where
// no relative path or package name reaches this project. Under tap's loader that is the .ts source.
const ENGINE = new URL(import.meta.url.endsWith('.ts') ? '../src/engine/index.ts' : '../src/engine/index.js', import.meta.url).href

/** What the synthetic core answers: head's item, padded to about 1.5 KB of JSON. */
export function syntheticHeadBody (): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id: 'itm_000001',
    title: 'A synthetic item for measuring adapter chains',
    description: '',
    tags: ['alpha', 'beta', 'gamma', 'delta'],
    author: { id: 'usr_1', name: 'Ada Lovelace', email: 'ada@pulse.example' },
    created_at: '2026-06-30T08:30:00.000Z',
    updated_at: '2026-07-01T10:15:00.000Z'
  }
  for (let k = 1; k <= AMOUNTS; k++) item[`amount_${k}_cents`] = 1000 + k * 37
  const filler = 'Every field is read, copied and written back by each step, as a real migration would. '
  const missing = BODY_BYTES - JSON.stringify(item).length
  item.description = filler.repeat(Math.ceil(missing / filler.length)).slice(0, Math.max(0, missing))
  return item
}

export interface SyntheticBundle {
  /** File URL of the bundle module (its default export is the BundleSource). */
  readonly url: string
  readonly changes: number
  /** The app version of a client `n` changes behind head. */
  clientVersion (n: number): string
}

const versionOf = (major: number) => `${major}.0.0`

function contractsModule (changes: number): string {
  return `import { defineContract, deriveContract } from ${JSON.stringify(ENGINE)}

// Every version has the same route table: only the body of GET /item differs, and response
// schemas are not used at run time.
const routes = { 'GET /item': { responses: { 200: { type: 'object' } } } }
export const head = defineContract({
  version: ${JSON.stringify(versionOf(changes + 1))},
  error: { type: 'object' },
  routes,
  formatError: ({ code, message }) => ({ error: { code, message } })
})
export const contracts = [head]
for (let major = ${changes}; major >= 1; major--) contracts.unshift(deriveContract(contracts[0], { version: major + '.0.0' }))
export const contract = (version) => contracts.find((c) => c.version === version)
`
}

/**
 * How a step is written: with the engine's `reshape` (as the demo's changes and the README do), or
 * with object rest and spread, the idiom it replaced, kept to show what it costs.
 */
export type Idiom = 'reshape' | 'rest-spread'

const steps: Record<Idiom, (k: number) => string> = {
  reshape: (k) => `(item) => reshape(item, ['amount_${k}_cents'], { amount_${k}: item.amount_${k}_cents / 100 })`,
  'rest-spread': (k) => `({ amount_${k}_cents, ...item }) => ({ ...item, amount_${k}: amount_${k}_cents / 100 })`
}

/** Change k: contract k+1.0.0 sends amount_k in cents, k.0.0 had it in pounds. */
function changeModule (k: number, idiom: Idiom): string {
  return `import { defineChange, reshape } from ${JSON.stringify(ENGINE)}
import { contract } from '../../contracts.mjs'

export default defineChange(contract(${JSON.stringify(versionOf(k))}), contract(${JSON.stringify(versionOf(k + 1))}), {
  description: 'amount_${k} is in cents',
  routes: ({ route }) => [
    route('GET /item', { response: { 200: ${steps[idiom](k)} } })
  ]
})
`
}

const BUNDLE_MODULE = `import { fileURLToPath } from 'node:url'
import { defineBundle } from ${JSON.stringify(ENGINE)}
import { contracts } from './contracts.mjs'

export default defineBundle({ contracts, changesDir: fileURLToPath(new URL('./versions/', import.meta.url)) })
`

/** Writes a bundle of `changes` versions after the oldest into `dir` (a temp directory). */
export async function writeSyntheticBundle (dir: string, changes: number, idiom: Idiom = 'reshape'): Promise<SyntheticBundle> {
  if (changes > AMOUNTS) throw new Error(`at most ${AMOUNTS} changes: the body has ${AMOUNTS} amounts`)
  await mkdir(join(dir, 'versions'), { recursive: true })
  await writeFile(join(dir, 'contracts.mjs'), contractsModule(changes))
  await writeFile(join(dir, 'bundle.mjs'), BUNDLE_MODULE)
  for (let k = 1; k <= changes; k++) {
    const folder = join(dir, 'versions', versionOf(k + 1))
    await mkdir(folder, { recursive: true })
    await writeFile(join(folder, `amount-${k}-in-cents.mjs`), changeModule(k, idiom))
  }
  return {
    url: pathToFileURL(join(dir, 'bundle.mjs')).href,
    changes,
    clientVersion: (n) => versionOf(changes + 1 - n)
  }
}

export interface MicroPoint {
  changes: number
  /** One parse, the chain and one serialisation, in microseconds (median of the repeats). */
  usPerResponse: number
  /** (t(N) - t(0)) / N; null for N = 0. */
  usPerStep: number | null
}

async function responseChains (bundle: SyntheticBundle, lengths: readonly number[]): Promise<Map<number, Steps>> {
  const { default: source } = await import(bundle.url) as { default: BundleSource }
  const plans = buildPlans(await loadBundle(source))
  const chains = new Map<number, Steps>()
  for (const n of lengths) {
    const plan = plans.contracts.find((c) => c.version === bundle.clientVersion(n))?.routes.find((r) => r.route === 'GET /item')
    if (plan === undefined) throw new Error(`the synthetic bundle has no client ${n} changes behind head`)
    chains.set(n, plan.responseChain(200)?.steps ?? [])
  }
  return chains
}


const NO_REQUEST: RequestContext = { params: {}, query: {}, headers: {}, appVersion: null, platform: null }

/** A 200's body down a response chain, as the gateway runs one: a context per response, the steps, no headers changed. */
export function runResponseChain (chain: Steps, body: unknown): unknown {
  return new ResponseStepContext(200, NO_REQUEST, {}).run(chain, body, true)
}

/**
 * Times what the gateway does with a translated body, in process: JSON.parse of `text`, a chain's
 * steps, JSON.stringify; the median µs per response of each chain. Chains are interleaved within
 * each repeat, so that drift (JIT, GC, CPU frequency) spreads over all of them.
 */
export function timeChains<K> (text: string, chains: ReadonlyMap<K, Steps>, iterations: number, repeats = 5): Map<K, number> {
  let sink = 0
  const once = (chain: Steps) => {
    sink += JSON.stringify(runResponseChain(chain, JSON.parse(text))).length
  }
  const batch = (chain: Steps) => {
    const start = performance.now()
    for (let i = 0; i < iterations; i++) once(chain)
    return (performance.now() - start) * 1000 / iterations
  }

  for (const chain of chains.values()) for (let i = 0; i < iterations / 4; i++) once(chain)
  const samples = new Map<K, number[]>([...chains.keys()].map((key) => [key, []]))
  for (let r = 0; r < repeats; r++) {
    for (const [key, chain] of chains) samples.get(key)?.push(batch(chain))
  }
  if (sink === 0) throw new Error('the microbenchmark serialised nothing')
  return new Map([...samples].map(([key, values]) => [key, median(values)]))
}

/** The synthetic chains in process: per change = (t(N) - t(0)) / N. */
export async function microbench (bundle: SyntheticBundle, lengths: readonly number[], iterations: number, repeats = 5): Promise<MicroPoint[]> {
  if (!lengths.includes(0)) throw new Error('the microbenchmark needs N = 0, the baseline of every other length')
  const times = timeChains(JSON.stringify(syntheticHeadBody()), await responseChains(bundle, lengths), iterations, repeats)
  const base = times.get(0) as number
  return lengths.map((n) => {
    const us = times.get(n) as number
    return { changes: n, usPerResponse: us, usPerStep: n === 0 ? null : (us - base) / n }
  })
}
