import type { EventRecord } from '../core/index.ts'
import type { EventPublisher } from '../ingest/index.ts'

/**
 * What a delivery says about itself. `throughSeq` is set only by an in-order, single-writer log tail:
 * the events are exactly the log positions after the consumer's saved offset up to this one, so the
 * handler may move the offset in its own transaction instead of recording each event.
 */
export interface Delivery {
  throughSeq?: number
}

/** Handles one delivery of events; resolving means they are applied (and may be acknowledged). */
export type EventHandler = (events: (EventRecord & { seq?: number })[], delivery: Delivery) => Promise<void>

export interface ConsumeOptions {
  /** Durable consumer name: consumers with the same name share the work and the position. */
  name: string
  handler: EventHandler
  /** Called when a delivery fails; the events are redelivered later. */
  onError?: (error: unknown) => void
}

export interface Consumption {
  /** Stops after the delivery in hand is handled. */
  stop(): Promise<void>
}

/**
 * The event stream between ingestion and the workers. Delivery is at least once; handlers must be
 * idempotent (the store's applyPersonActivity is).
 */
export interface EventStream extends EventPublisher {
  readonly kind: string
  consume(options: ConsumeOptions): Consumption
  /** Throws when the stream's backend is unreachable (used by /readyz). */
  check(): Promise<void>
  close(): Promise<void>
}
