import createError from '@fastify/error'

// What the mock answers a request that asks for an answer it cannot give. The mock speaks head, so
// the gateway hands each to the app in its own version's error shape; the code is also in
// X-Evergate-Error-Code, for versions whose error shape has no room for it.
export const PreferInvalidError = createError<[string]>(
  'EVG_ERR_MOCK_PREFER_INVALID', '%s', 400)
export const UnknownExampleError = createError<[string]>(
  'EVG_ERR_MOCK_UNKNOWN_EXAMPLE', '%s', 400)
export const UnknownStatusError = createError<[string]>(
  'EVG_ERR_MOCK_UNKNOWN_STATUS', '%s', 400)

/**
 * The code of the error the mock makes up for `Prefer: code=<4xx or 5xx>` on a route with no
 * example of that status (its message is the status's reason phrase).
 */
export const ASKED_STATUS = 'EVG_ERR_MOCK_STATUS'
