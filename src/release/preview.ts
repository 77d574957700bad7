import { Policy, type Rule, type Status } from './policy.js'
import { toRule, type RuleFields, type UsageSummary } from './repository.js'

/** An app version and platform whose status a new rule would change, with its traffic. */
export interface StatusChange {
  app_version: string
  platform: string
  requests: number
  share: number
  from: Status
  to: Status
}

export interface RulePreview {
  /** Requests over the days looked at. */
  total: number
  /** Of those, the requests from the versions whose status would change. */
  affected: number
  share: number
  /** Busiest first. */
  changes: StatusChange[]
}

/**
 * What adding `rule` to the rules in force would change, judged by the same Policy the gateway
 * runs (so overlaps resolve as they will) on the traffic of the days given. Usage without a
 * platform is `unknown` and is judged as an app that names none.
 */
export function previewRule (current: Policy, rule: Rule, usage: readonly UsageSummary[], now = Date.now()): RulePreview {
  const next = new Policy([...current.rules, rule], [])
  const requests = new Map<string, { app_version: string, platform: string, requests: number }>()
  let total = 0
  for (const row of usage) {
    total += row.requests
    const key = `${row.platform} ${row.app_version}`
    const entry = requests.get(key) ?? { app_version: row.app_version, platform: row.platform, requests: 0 }
    entry.requests += row.requests
    requests.set(key, entry)
  }
  const changes: StatusChange[] = []
  for (const entry of requests.values()) {
    const platform = entry.platform === 'unknown' ? null : entry.platform
    const appVersion = entry.app_version === 'none' ? null : entry.app_version
    const from = current.decide(appVersion, platform, now).status
    const to = next.decide(appVersion, platform, now).status
    if (from !== to) changes.push({ ...entry, share: total === 0 ? 0 : entry.requests / total, from, to })
  }
  changes.sort((a, b) => b.requests - a.requests || a.app_version.localeCompare(b.app_version))
  const affected = changes.reduce((sum, c) => sum + c.requests, 0)
  return { total, affected, share: total === 0 ? 0 : affected / total, changes }
}

/**
 * What a rule not made yet would change: `fields` as the rule would be once made, the newest of
 * all (so it wins where rules overlap, as it will), judged on the traffic given. Nothing is written.
 */
export function previewNewRule (current: Policy, fields: RuleFields, actor: string, usage: readonly UsageSummary[],
  now = Date.now()): RulePreview {
  const at = new Date(now).toISOString()
  const rule = toRule({
    ...fields,
    id: current.rules.reduce((max, r) => Math.max(max, r.id), 0) + 1,
    created_at: at,
    updated_at: at,
    updated_by: actor
  })
  return previewRule(current, rule, usage, now)
}
