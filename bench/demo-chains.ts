// `npm run bench -- --demo-chains`: in process, what translating the demo's GET /articles page
// costs each contract version's client (JSON.parse, its response steps, JSON.stringify), as a ratio
// to head's client timed the same way in the same run (parse and stringify, no step).
import { buildCore } from '../demo/core.js'
import { buildPlans, loadBundle } from '../src/engine/index.js'
import bundle from '../versions/index.js'
import { timeChains, type Steps } from './synthetic.js'

export interface DemoChainPoint {
  contract: string
  steps: number
  usPerResponse: number
  vsHead: number
}

/** The demo core's GET /articles page as it sends it, and each contract version's response chain of it. */
export async function demoArticles (): Promise<{ page: string, head: string, chains: Map<string, Steps> }> {
  const core = buildCore()
  const page = (await core.inject({ url: '/articles' })).body
  await core.close()
  const plans = buildPlans(await loadBundle(bundle))
  const chains = new Map<string, Steps>()
  for (const contract of plans.contracts) {
    const plan = contract.routes.find((r) => r.route === 'GET /articles')
    if (plan !== undefined) chains.set(contract.version, plan.responseChain(200)?.steps ?? [])
  }
  return { page, head: plans.head, chains }
}

export async function demoChains (iterations = 20_000): Promise<DemoChainPoint[]> {
  const { page, head: headVersion, chains } = await demoArticles()
  const times = timeChains(page, chains, iterations)
  const head = times.get(headVersion) as number
  return [...chains].map(([contract, chain]) => {
    const us = times.get(contract) as number
    return { contract, steps: chain.length, usPerResponse: us, vsHead: us / head }
  })
}
