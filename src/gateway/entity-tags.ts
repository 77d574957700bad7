import { joined, type OutgoingHeaders } from '../proxy/forwarding.js'

const ENTITY_TAG = /^(?:W\/)?"[^"]*"$/
const ENTITY_TAGS = /(?:W\/)?"[^"]*"/g

/** An If-Match no representation can meet: the core answers 412 itself, as it would to any stale tag. */
const MATCHES_NOTHING = '"evergate:matches-nothing"'

// Describe the core's bytes, not the translated body the client gets: dropped from it.
const CORE_BYTES_ONLY = ['content-encoding', 'content-digest', 'repr-digest', 'digest', 'content-md5', 'accept-ranges']

/**
 * A translated body is another representation than the core's, so it gets another entity tag
 * (RFC 9110 8.8.3): the core's with the client's contract version inside the quotes, as
 * mod_deflate marks a compressed variant. A cache that holds a variant per app version (they
 * Vary on it) then never takes one for another when a 304 names its tag. The client sends the
 * tag back in If-None-Match or If-Match, and the core gets its own.
 */
export class EntityTags {
  readonly #mark: string

  /**
   * @param translated whether the client gets a translated 200: then a tag without the mark names
   *   the core's representation, not the client's, and a range of the core's bytes is none of its.
   */
  constructor (contract: string, readonly translated: boolean) {
    this.#mark = `;contract=${contract}"`
  }

  /** `"abc"` -> `"abc;contract=1.0.0"`, `W/"abc"` -> `W/"abc;contract=1.0.0"`; null for a malformed tag. */
  mark (etag: string): string | null {
    return ENTITY_TAG.test(etag) ? etag.slice(0, -1) + this.#mark : null
  }

  /**
   * A list of tags as the core knows them: this contract's marks taken off. Where the client
   * gets a translated body, a tag without the mark never matches (RFC 9110 13.1.1): it is left
   * out, and null says none is left. `*` stays.
   */
  unmark (list: string | string[]): string | null {
    const text = joined(list)
    if (text.trim() === '*') return text
    const mark = this.#mark
    const kept: string[] = []
    for (const [tag] of text.matchAll(ENTITY_TAGS)) {
      if (tag.endsWith(mark)) kept.push(`${tag.slice(0, -mark.length)}"`)
      else if (!this.translated) kept.push(tag)
    }
    return kept.length === 0 ? null : kept.join(', ')
  }

  /** The conditional and range headers going to the core, as the core knows its representations. */
  toCore (headers: OutgoingHeaders): void {
    const ifNoneMatch = headers['if-none-match']
    if (ifNoneMatch !== undefined) {
      const tagsOfCore = this.unmark(ifNoneMatch)
      if (tagsOfCore === null) delete headers['if-none-match']
      else headers['if-none-match'] = tagsOfCore
    }
    const ifMatch = headers['if-match']
    if (ifMatch !== undefined) headers['if-match'] = this.unmark(ifMatch) ?? MATCHES_NOTHING
    // A range of the core's bytes is not a range of the translated body: the client gets it whole.
    if (this.translated) {
      delete headers.range
      delete headers['if-range']
    }
  }

  /**
   * The headers of a translated body, or of a 304 that confirms one (a cache copies a 304's
   * headers onto the body it holds): the variant's own tag, nothing about the core's bytes.
   */
  describeTranslated (headers: OutgoingHeaders): void {
    for (const name of CORE_BYTES_ONLY) delete headers[name]
    const etag = headers.etag
    if (etag === undefined) return
    const marked = typeof etag === 'string' ? this.mark(etag) : null
    if (marked === null) delete headers.etag
    else headers.etag = marked
  }
}
