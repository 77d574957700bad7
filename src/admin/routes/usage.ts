import type { FastifyInstance } from 'fastify'
import { QueryInvalidError } from '../../errors.js'
import { firstOfLastDays } from '../../release/dates.js'
import { rangeProblem } from '../../release/policy.js'
import { dailySeries, rangeTrend, versionsInRange } from '../../release/trend.js'
import type { AdminContext } from '../context.js'
import { platformProblem } from '../fields.js'
import { DailyUsageQuery, RouteUsageQuery, TrendQuery, UsageQuery } from '../schemas.js'

/** Requests counted per day, app version, platform, contract and route: what a release manager decides by. */
export default async function usageRoutes (admin: FastifyInstance, { release, repository, usageDays }: AdminContext): Promise<void> {
  const retention = release.usageRetentionDays

  admin.get<{ Querystring: { days: number, limit: number } }>('/usage', { schema: { querystring: UsageQuery } }, async (request) => {
    const days = await usageDays(request, request.query.days)
    const { versions, total, keys } = await repository.usageSummary(days, request.query.limit)
    const listed = versions.reduce((sum, v) => sum + v.requests, 0)
    return {
      days,
      retention_days: retention,
      total,
      versions,
      // The quietest, past the limit: counted in the total and the shares, not listed.
      not_listed: { versions: keys - versions.length, requests: total - listed }
    }
  })

  // The share of each day's requests a range of app versions carries: how fast it is leaving.
  admin.get<{ Querystring: { range: string, platform?: string, days: number } }>('/usage/trend',
    { schema: { querystring: TrendQuery } }, async (request) => {
      const { range, platform = null } = request.query
      const problem = rangeProblem(range) ?? (platform === 'unknown' ? null : platformProblem(platform, release.platforms))
      if (problem !== null) throw new QueryInvalidError(problem)
      const days = await usageDays(request, request.query.days)
      // The range is matched against the distinct versions seen (a few hundred from real builds,
      // more when a script makes them up), so the database answers one row a day, not one per day
      // and version.
      const versions = versionsInRange(range, await repository.versionsSeenSince(days, platform))
      const trend = rangeTrend(await repository.dailyRequests(days, platform, versions), firstOfLastDays(days), firstOfLastDays(1))
      return { range, platform, days, retention_days: retention, trend }
    })

  // Each day's requests by app version (the busiest by name, the rest as one) and by contract
  // version: the page's stacked charts of shares.
  admin.get<{ Querystring: { days: number, top: number } }>('/usage/daily', { schema: { querystring: DailyUsageQuery } }, async (request) => {
    const days = await usageDays(request, request.query.days)
    const counts = await repository.dailyUsage(days, request.query.top)
    const [first, last] = [firstOfLastDays(days), firstOfLastDays(1)]
    const versions = dailySeries(counts.versions, first, last)
    return {
      days,
      retention_days: retention,
      dates: versions.days,
      totals: versions.totals,
      versions: versions.series,
      contracts: dailySeries(counts.contracts, first, last).series
    }
  })

  admin.get<{ Querystring: { days: number, contract?: string } }>('/usage/routes', { schema: { querystring: RouteUsageQuery } }, async (request) => {
    const days = await usageDays(request, request.query.days)
    const routes = await repository.routeUsage(days, request.query.contract ?? null)
    return { days, retention_days: retention, routes }
  })
}
