/**
 * The built-in segments as the store seeds them (src/segments' BUILT_IN_SEGMENTS), with ids that are the
 * same in every shop: `seg_builtin_<key>`. Seeded once per key at every start (`seedBuiltIns`), so a
 * built-in the shop deleted stays deleted; POST /v1/segments/built-ins restores them.
 */
import { BUILT_IN_SEGMENTS } from '../segments/index.ts'
import type { BuiltInSeed, Store } from '../storage/index.ts'

export function builtInSeeds(): BuiltInSeed[] {
  return BUILT_IN_SEGMENTS.map((b) => ({ id: `seg_builtin_${b.key}`, kind: 'segment' as const, key: b.key, name: b.name, description: b.description, definition: b.definition }))
}

/** Seeds the built-ins never seeded in this store; returns how many were created. */
export async function seedBuiltInSegments(store: Store, now = Date.now()): Promise<number> {
  return (await store.segmentDefinitions.seedBuiltIns(builtInSeeds(), now)).length
}
