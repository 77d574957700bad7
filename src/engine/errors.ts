import createError from '@fastify/error'

// Boot-time errors: a bundle that cannot be served never starts. Each message names the file at fault.
export const BundleContractError = createError<[string]>(
  'EVG_ERR_BUNDLE_CONTRACT', 'Invalid contract set: %s', 500)
export const BundleChangeError = createError<[string, string]>(
  'EVG_ERR_BUNDLE_CHANGE', '%s: %s', 500)
