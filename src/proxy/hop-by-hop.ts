// Never forwarded in either direction (RFC 9110 7.6.1), plus what the proxy sets itself (`host`,
// `content-length`), in lower case. `Expect` too: Node has already answered a 100-continue and the
// gateway holds the whole body (undici refuses the header, and a request it refuses as it is
// dispatched costs the pool a connection).
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'expect'
])
