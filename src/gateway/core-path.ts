import type { RouteTarget } from '../engine/index.js'

/** `/articles/:id` -> a function of params that builds `/articles/art%2F1`. */
export function compilePath (target: RouteTarget): (params: Record<string, unknown>) => string {
  const parts = target.url.split(/(:[A-Za-z0-9_]+)/).filter((p) => p !== '')
  return (params) => {
    let path = ''
    for (const part of parts) {
      path += part.startsWith(':') ? encodeURIComponent(String(params[part.slice(1)])) : part
    }
    return path
  }
}

/** Params or a query as a step may own them: repeated query keys (arrays) copied too. */
export function copyOf (values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name in values) {
    const value = values[name]
    out[name] = Array.isArray(value) ? [...value] : value
  }
  return out
}

/** A query as steps left it, as the core's query string (`?a=1&b=2`; '' for none). */
export function queryString (query: Record<string, unknown>): string {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) search.append(name, String(item))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}
