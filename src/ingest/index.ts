/**
 * @module ingest
 * Segment-compatible event intake: message checks, e-commerce normalisation, clock-skew correction,
 * idempotency by messageId and group commit into the event log.
 */
export { IngestService } from './ingest-service.ts'
export type { IngestOutcome, IngestOptions, IngestSource } from './ingest-service.ts'
export { EventWriter } from './event-writer.ts'
export type { CommitStats } from './event-writer.ts'
export { toEventRecord } from './segment-message.ts'
export type { MessageContext } from './segment-message.ts'
export { kindOfTrack, normalizeEcommerce } from './ecommerce.ts'
export { correctedTimestamp, parseTime } from './clock-skew.ts'
export type { EventPublisher } from './event-publisher.ts'
export { DEFAULT_REJECTED_RETENTION, type RejectedBatch, RejectedRecorder, type RejectedRecorderOptions, type RejectedSink, type Refusal } from './rejected-recorder.ts'
export { boundedJson } from './bounded-json.ts'
