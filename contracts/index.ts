import { contract as v1 } from './1.0.0.js'
import { contract as v2 } from './2.0.0.js'
import { contract as v23 } from './2.3.0.js'
import { head } from './head.js'

/** Every released contract; the newest is head. */
export const contracts = [v1, v2, v23, head] as const
