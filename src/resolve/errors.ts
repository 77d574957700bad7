import createError from '@fastify/error'

export const VersionInvalidError = createError<[string, string]>(
  'EVG_ERR_VERSION_INVALID', '%s "%s" is not an app version (expected something like 3.2.1)', 400)
export const VersionRequiredError = createError<[string]>(
  'EVG_ERR_VERSION_REQUIRED', 'The %s header is required', 400)
export const VersionUnsupportedError = createError<[string, string]>(
  'EVG_ERR_VERSION_UNSUPPORTED', 'App version %s is no longer supported (the oldest supported is %s): please update the app', 426)
