import type { FastifyInstance } from 'fastify'
import { RuleNotFoundError } from '../../errors.js'
import { previewNewRule } from '../../release/preview.js'
import type { AdminContext } from '../context.js'
import { newRule, ruleFields } from '../fields.js'
import { IdParams, PreviewQuery, RuleFieldsSchema, RulePatchSchema, type RuleFieldsInput, type RulePatchInput } from '../schemas.js'

/** The release rules (deprecate, retire), each change audited and in force here before the answer. */
export default async function ruleRoutes (admin: FastifyInstance, { release, repository, usageDays, logChange }: AdminContext): Promise<void> {
  const { store, platforms } = release

  admin.get('/rules', async () => ({ rules: await repository.listRules() }))

  admin.post<{ Body: RuleFieldsInput }>('/rules', { schema: { body: RuleFieldsSchema } }, async (request, reply) => {
    const rule = await repository.createRule(newRule(request.body, platforms), request.actor)
    logChange(request, 'rule created', rule)
    await store.refresh()
    return reply.code(201).send(rule)
  })

  // What a rule would do before it is made: the versions whose status it would change, and
  // their share of the traffic. Nothing is written.
  admin.post<{ Body: RuleFieldsInput, Querystring: { days: number } }>('/rules/preview',
    { schema: { body: RuleFieldsSchema, querystring: PreviewQuery } }, async (request) => {
      const fields = newRule(request.body, platforms)
      const days = await usageDays(request, request.query.days)
      const { versions } = await repository.usageSummary(days)
      return { days, rule: fields, ...previewNewRule(store.policy, fields, request.actor, versions) }
    })

  admin.patch<{ Params: { id: number }, Body: RulePatchInput }>('/rules/:id',
    { schema: { params: IdParams, body: RulePatchSchema } }, async (request) => {
      const rule = await repository.updateRule(request.params.id, ruleFields(request.body, platforms), request.actor)
      if (rule === null) throw new RuleNotFoundError(request.params.id)
      logChange(request, 'rule updated', rule)
      await store.refresh()
      return rule
    })

  admin.delete<{ Params: { id: number } }>('/rules/:id', { schema: { params: IdParams } }, async (request) => {
    const rule = await repository.deleteRule(request.params.id, request.actor)
    if (rule === null) throw new RuleNotFoundError(request.params.id)
    logChange(request, 'rule deleted', rule)
    await store.refresh()
    return rule
  })
}
