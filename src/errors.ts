import { format } from 'node:util'
import createError, { type FastifyErrorConstructor } from '@fastify/error'

/** One code of the catalogue: what it answers and the text of its message (`%s` filled per error). */
export interface CataloguedError {
  readonly code: string
  readonly status: number
  readonly message: string
}

const catalogue = new Map<string, CataloguedError>()

/**
 * Every code evergate answers with is defined here, once, and documented in docs/errors.md (a test
 * keeps the page and this file in step). A code is part of the API: apps and scripts branch on it,
 * so it never changes meaning once released.
 */
function define<Args extends unknown[] = []> (code: string, message: string, status: number, Base?: ErrorConstructor): CodedError<Args> {
  catalogue.set(code, { code, status, message })
  return Object.assign(createError<string, number, Args | [...Args, { cause: unknown }]>(code, message, status, Base), { code })
}

/** An error class of the catalogue: `new X(...args, { cause })`, `err instanceof X`, and `X.code`. */
export type CodedError<Args extends unknown[]> =
  FastifyErrorConstructor<{ code: string, statusCode: number }, Args | [...Args, { cause: unknown }]> & { readonly code: string }

/** The whole catalogue, in the order of this file. */
export function errorCatalogue (): CataloguedError[] {
  return [...catalogue.values()]
}

/** Whether an error carries one of the catalogue's codes, and may be shown as it is. */
export function isCatalogued (err: { code?: unknown }): boolean {
  return typeof err.code === 'string' && catalogue.has(err.code)
}

/** The message an error of `code` has with these arguments, as `new X(...args).message` (without making one). */
export function messageOf (code: string, ...args: unknown[]): string {
  const entry = catalogue.get(code)
  if (entry === undefined) throw new Error(`${code} is not in the catalogue`)
  return format(entry.message, ...args)
}

// ── The version header: refused before any route runs ─────────────────────────────────────────────
export const VersionInvalidError = define<[string, string]>(
  'EVG_ERR_VERSION_INVALID', '%s "%s" is not an app version (expected something like 3.2.1)', 400)
export const VersionRequiredError = define<[string]>(
  'EVG_ERR_VERSION_REQUIRED', 'The %s header is required', 400)
export const VersionUnsupportedError = define<[string, string]>(
  'EVG_ERR_VERSION_UNSUPPORTED', 'App version %s is no longer supported (the oldest supported is %s): please update the app', 426)
export const AppRetiredError = define<[string]>(
  'EVG_ERR_APP_RETIRED', '%s', 426)

// ── The client's request ───────────────────────────────────────────────────────────────────────────
export const InvalidJsonError = define<[string]>(
  'EVG_ERR_INVALID_JSON', 'The request body is not valid JSON: %s', 400)
export const ValidationError = define<[string]>(
  'EVG_ERR_VALIDATION', '%s', 400)
export const BadRequestError = define<[string]>(
  'EVG_ERR_BAD_REQUEST', '%s', 400)
export const BodyTooLargeError = define<[number]>(
  'EVG_ERR_BODY_TOO_LARGE', 'The request body is larger than %d bytes', 413)
export const UnsupportedMediaTypeError = define<[string]>(
  'EVG_ERR_UNSUPPORTED_MEDIA_TYPE', 'Content-Type %s is not supported: send application/json', 415)
export const BadUrlError = define(
  'EVG_ERR_BAD_URL', 'The request URL is not valid (a malformed percent-encoding)', 400)
export const PathParamTooLongError = define(
  'EVG_ERR_PATH_PARAM_TOO_LONG', 'A path parameter is longer than 100 characters', 414)
export const MalformedRequestError = define(
  'EVG_ERR_MALFORMED_REQUEST', 'The request is not valid HTTP', 400)
export const RequestTimeoutError = define(
  'EVG_ERR_REQUEST_TIMEOUT', 'The request was not received in time', 408)
export const HeadersTooLargeError = define(
  'EVG_ERR_HEADERS_TOO_LARGE', 'The request headers are too large', 431)
export const HostRequiredError = define(
  'EVG_ERR_HOST_REQUIRED', 'An HTTP/1.1 request must have a Host header', 400)
export const ExpectationFailedError = define(
  'EVG_ERR_EXPECTATION_FAILED', 'The only Expect the gateway meets is 100-continue', 417)
export const ConnectNotSupportedError = define(
  'EVG_ERR_CONNECT_NOT_SUPPORTED', 'CONNECT is not supported: the gateway is not a forward proxy', 405)
export const RouteNotFoundError = define<[string, string]>(
  'EVG_ERR_ROUTE_NOT_FOUND', 'No route %s %s', 404)
export const RouteGoneError = define<[string]>(
  'EVG_ERR_ROUTE_GONE', '%s', 410)

// ── The gateway's own endpoints (/_evergate/*) ─────────────────────────────────────────────────────
export const ContractNotFoundError = define<[string]>(
  'EVG_ERR_CONTRACT_NOT_FOUND', 'No contract version %s', 404)
export const ChangesQueryError = define<[string]>(
  'EVG_ERR_CHANGES_QUERY', '%s', 400)

// ── Translation and the gateway itself ─────────────────────────────────────────────────────────────
export const AdapterFailedError = define(
  'EVG_ERR_ADAPTER_FAILED', 'Translating between this app version and the service failed', 500)
export const InternalError = define(
  'EVG_ERR_INTERNAL', 'Internal gateway error', 500)

// ── The core services. `err instanceof UpstreamError` holds for each of them ──────────────────────
export const UpstreamError = define<[string]>(
  'EVG_ERR_UPSTREAM', 'The %s service failed', 502)
const Upstream = UpstreamError as unknown as ErrorConstructor
export const UpstreamUnreachableError = define<[string]>(
  'EVG_ERR_UPSTREAM_UNREACHABLE', 'The %s service cannot be reached', 502, Upstream)
export const UpstreamTimeoutError = define<[string]>(
  'EVG_ERR_UPSTREAM_TIMEOUT', 'The %s service did not answer in time', 504, Upstream)
export const UpstreamResetError = define<[string]>(
  'EVG_ERR_UPSTREAM_RESET', 'The %s service dropped the connection', 503, Upstream)
export const UpstreamBadResponseError = define<[string]>(
  'EVG_ERR_UPSTREAM_BAD_RESPONSE', 'The %s service sent a response that is not JSON', 502, Upstream)
export const UpstreamTooLargeError = define<[string]>(
  'EVG_ERR_UPSTREAM_TOO_LARGE', 'The %s service sent a response too large to translate', 502, Upstream)

// ── The admin API ──────────────────────────────────────────────────────────────────────────────────
export const UnauthorizedError = define(
  'EVG_ERR_UNAUTHORIZED', 'A valid admin bearer token is required', 401)
export const CrossSiteError = define(
  'EVG_ERR_CROSS_SITE', 'Requests from another site\'s page are refused', 403)
export const RuleInvalidError = define<[string]>(
  'EVG_ERR_RULE_INVALID', '%s', 400)
export const QueryInvalidError = define<[string]>(
  'EVG_ERR_QUERY_INVALID', '%s', 400)
export const RuleNotFoundError = define<[number]>(
  'EVG_ERR_RULE_NOT_FOUND', 'No rule %d', 404)
export const ReleaseInvalidError = define<[string]>(
  'EVG_ERR_RELEASE_INVALID', '%s', 400)
export const ReleaseExistsError = define<[string, string]>(
  'EVG_ERR_RELEASE_EXISTS', 'Release %s is already announced for %s', 409)
export const ReleaseNotFoundError = define<[number]>(
  'EVG_ERR_RELEASE_NOT_FOUND', 'No release %d, or it is withdrawn already', 404)
export const DatabaseUnavailableError = define(
  'EVG_ERR_DATABASE_UNAVAILABLE', 'The release database is not answering: try again shortly', 503)
export const AdminError = define(
  'EVG_ERR_ADMIN', 'Internal error', 500)

// ── The mock (`evergate mock`): an answer asked for that it cannot give, in the app's own shape ───
export const MockPreferInvalidError = define<[string]>(
  'EVG_ERR_MOCK_PREFER_INVALID', '%s', 400)
export const MockUnknownExampleError = define<[string]>(
  'EVG_ERR_MOCK_UNKNOWN_EXAMPLE', '%s', 400)
export const MockUnknownStatusError = define<[string]>(
  'EVG_ERR_MOCK_UNKNOWN_STATUS', '%s', 400)
/** What the mock answers `Prefer: code=<4xx or 5xx>` with on a route with no example of it: that status, not 500. */
export const MockStatusError = define<[string]>(
  'EVG_ERR_MOCK_STATUS', '%s', 500)

// ── Boot: a bundle that cannot be served never starts. Each message names the file at fault ──────
export const BundleContractError = define<[string]>(
  'EVG_ERR_BUNDLE_CONTRACT', 'Invalid contract set: %s', 500)
export const BundleChangeError = define<[string, string]>(
  'EVG_ERR_BUNDLE_CHANGE', '%s: %s', 500)
