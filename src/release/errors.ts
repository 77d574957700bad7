import createError from '@fastify/error'

export const AppRetiredError = createError<[string]>(
  'EVG_ERR_APP_RETIRED', '%s', 426)
export const RuleInvalidError = createError<[string]>(
  'EVG_ERR_RULE_INVALID', '%s', 400)
export const QueryInvalidError = createError<[string]>(
  'EVG_ERR_QUERY_INVALID', '%s', 400)
export const RuleNotFoundError = createError<[number]>(
  'EVG_ERR_RULE_NOT_FOUND', 'No rule %d', 404)
export const ReleaseInvalidError = createError<[string]>(
  'EVG_ERR_RELEASE_INVALID', '%s', 400)
export const ReleaseExistsError = createError<[string, string]>(
  'EVG_ERR_RELEASE_EXISTS', 'Release %s is already announced for %s', 409)
export const ReleaseNotFoundError = createError<[number]>(
  'EVG_ERR_RELEASE_NOT_FOUND', 'No release %d, or it is withdrawn already', 404)
export const DatabaseUnavailableError = createError(
  'EVG_ERR_DATABASE_UNAVAILABLE', 'The release database is not answering: try again shortly', 503)
