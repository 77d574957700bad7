import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FULL, startServers } from './harness.js'
import { chainScenarios, closedLoop, demoScenarios, preflight } from './load.js'
import { withProcesses } from './processes.js'
import { writeSyntheticBundle } from './synthetic.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

export interface Hotspot {
  name: string
  /** Percent of the busy (non-idle) samples spent in the function itself / in it and its callees. */
  selfPct: number
  totalPct: number
}

export interface ProfileSummary {
  scenario: string
  file: string
  rps: number
  /** Busy time by where the code lives: evergate, fastify, undici, node internals, GC... */
  byArea: Array<{ area: string, pct: number }>
  top: Hotspot[]
}

const IDLE = new Set(['(idle)', '(root)'])

function area ({ functionName, url }: ProfileNode['callFrame']): string {
  if (url === '') return functionName.startsWith('(') ? functionName : 'native'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg !== null) return pkg[1]
  if (url.startsWith('node:')) return 'node internals'
  if (/\/(src|versions|contracts)\//.test(url)) return 'evergate'
  return 'other'
}

function label ({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const file = url === '' ? '' : ` ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist\/)?/, '')}:${lineNumber + 1}`
  return `${functionName === '' ? '(anonymous)' : functionName}${file}`
}

/** Self and inclusive time per function, by sample (each sample weighted by its time delta). */
export function summariseProfile (profile: CpuProfile, limit = 25): Pick<ProfileSummary, 'byArea' | 'top'> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id)

  const self = new Map<string, number>()
  const total = new Map<string, number>()
  const areas = new Map<string, number>()
  let busy = 0
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id) as ProfileNode
    const dt = profile.timeDeltas[i] ?? 0
    if (IDLE.has(node.callFrame.functionName)) return
    busy += dt
    const name = label(node.callFrame)
    self.set(name, (self.get(name) ?? 0) + dt)
    areas.set(area(node.callFrame), (areas.get(area(node.callFrame)) ?? 0) + dt)
    // A recursive function counts once per sample in its inclusive time.
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = label((nodes.get(at) as ProfileNode).callFrame)
      if (!seen.has(frame)) total.set(frame, (total.get(frame) ?? 0) + dt)
      seen.add(frame)
    }
  })
  const pct = (v: number) => busy === 0 ? 0 : v * 100 / busy
  return {
    byArea: [...areas].map(([a, v]) => ({ area: a, pct: pct(v) })).sort((a, b) => b.pct - a.pct),
    top: [...self].sort((a, b) => b[1] - a[1]).slice(0, limit)
      .map(([name, v]) => ({ name, selfPct: pct(v), totalPct: pct(total.get(name) ?? 0) }))
  }
}

const slug = (id: string) => id.replace(/[^a-z0-9.]+/gi, '-').toLowerCase()

export interface ProfileOptions {
  dir: string
  seconds?: number
  prerollSeconds?: number
  connections?: number
  /** Only the scenarios whose id matches. */
  only?: RegExp
  log?: (line: string) => void
}

/**
 * A CPU profile of the gateway per evergate scenario (chain lengths 0, 1 and the longest
 * included), and of @fastify/http-proxy under the same loads to compare where each spends its
 * time. Each server is loaded first and profiled only while it is measured, so boot (and
 * whatever the gateway does once at start) stays out.
 */
export async function runProfile ({ dir, seconds = 10, prerollSeconds = 3, connections = 32, only, log = () => {} }: ProfileOptions): Promise<ProfileSummary[]> {
  const stamp = new Date().toISOString().slice(0, 10)
  return await withProcesses('profile', async (group, workDir) => {
    await mkdir(join(workDir, 'synthetic'))
    const bundle = await writeSyntheticBundle(join(workDir, 'synthetic'), Math.max(...FULL.chainLengths))
    const longest = Math.max(...FULL.chainLengths)
    const scenarios = [...demoScenarios(), ...chainScenarios(bundle, [0, 1, longest])]
      .filter((s) => s.via === 'evergate' || s.via === 'bare' || (s.via === 'proxy' && s.request.method === 'GET'))
      .filter((s) => only === undefined || only.test(s.id))
    const servers = await startServers(group, workDir, bundle)
    const summaries: ProfileSummary[] = []
    for (const scenario of scenarios) {
      const server = servers[scenario.stack][scenario.via]
      await preflight(server.url, scenario)
      await closedLoop(server.url, [scenario.request], { connections, seconds: prerollSeconds })
      log(`profiling ${scenario.id} for ${seconds} s`)
      const file = join(dir, `${stamp}-${slug(scenario.id)}.cpuprofile`)
      await server.startProfile()
      const load = await closedLoop(server.url, [scenario.request], { connections, seconds })
      await server.stopProfile(file)
      const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
      summaries.push({ scenario: scenario.id, file, rps: load.rps, ...summariseProfile(profile) })
    }
    return summaries
  })
}
