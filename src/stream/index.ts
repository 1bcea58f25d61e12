/**
 * @module stream
 * The event stream between ingestion and the workers: NATS JetStream in production, the store's own
 * log in process otherwise. Delivery is at least once; consumers are idempotent.
 */
export type { ConsumeOptions, Consumption, EventHandler, EventStream } from './event-stream.ts'
export { LogTailStream } from './log-tail-stream.ts'
export { NatsEventStream } from './nats-event-stream.ts'
export type { NatsStreamOptions } from './nats-event-stream.ts'
