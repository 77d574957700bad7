import type { CanonicalError } from '../engine/index.js'

/** Thrown by `ctx.reject()` in a response step: the client gets this error instead. */
export class StepRejection extends Error {
  constructor (readonly error: CanonicalError) {
    super(error.message)
  }
}
