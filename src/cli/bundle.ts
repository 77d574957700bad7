import type { BundleSource } from '../engine/index.js'

// The deployment's bundle, as every command that reads it loads it: contracts, changes, examples
// and where its frozen copies are.

export async function loadBundleSource (): Promise<BundleSource> {
  const { default: source } = await import('../../versions/index.js') as { default: BundleSource }
  return source
}
