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
export { BUCKET_MS, BUCKET_SIZES, bucketKeyOf, checkTimeZone, EARLIEST_REPORT_TIME, MAX_BUCKETS, offsetSpans, planBuckets, zoneOffset } from './time-buckets.ts'
export type { BucketKeyRule, BucketPlan, BucketSize, OffsetSpan, TimeBucket } from './time-buckets.ts'
export { seededRandom } from './seeded-random.ts'
