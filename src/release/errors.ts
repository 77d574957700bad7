import createError from '@fastify/error'

export const AppRetiredError = createError<[string]>(
  'EVG_ERR_APP_RETIRED', '%s', 426)
export const RuleInvalidError = createError<[string]>(
  'EVG_ERR_RULE_INVALID', '%s', 400)
export const RuleNotFoundError = createError<[number]>(
  'EVG_ERR_RULE_NOT_FOUND', 'No rule %d', 404)
