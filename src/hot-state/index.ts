/**
 * @module hot-state
 * Shared, derived, losable state for the serving path: Redis when configured, memory otherwise.
 */
export type { HotState } from './hot-state.ts'
export { MemoryHotState } from './memory-hot-state.ts'
export { RedisHotState } from './redis-hot-state.ts'
