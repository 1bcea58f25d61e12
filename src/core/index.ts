/**
 * @module core
 * Shared types, configuration, ids and the error catalogue. Imports nothing from other modules.
 */
export { AttuneError, ERROR_CODES } from './errors.ts'
export type { ErrorCode, RecordProblem } from './errors.ts'
export { loadConfig } from './config.ts'
export type { Config } from './config.ts'
export { newId, newApiKey, hashKey, timeOrderedId } from './ids.ts'
export { CALL_TYPES, EVENT_KINDS } from './types.ts'
export type {
  ApiKeyRecord,
  CallType,
  Category,
  EventKind,
  EventRecord,
  Item,
  ItemInput,
  KeyScope,
  NormalizedData,
  Page,
  ProductLine,
  StoredEvent,
} from './types.ts'
export { describeDeepPath, isWellFormedText, MAX_NESTING, tooDeepAt } from './input-checks.ts'
export { ok, reject } from './results.ts'
export type { StepResult } from './results.ts'
