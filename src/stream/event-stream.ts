import type { EventRecord } from '../core/index.ts'
import type { EventPublisher } from '../ingest/index.ts'

/** Handles one delivery of events; resolving means they are applied (and may be acknowledged). */
export type EventHandler = (events: (EventRecord & { seq?: number })[]) => Promise<void>

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
 * idempotent (the profile projector is: it records every event it applied).
 */
export interface EventStream extends EventPublisher {
  readonly kind: string
  consume(options: ConsumeOptions): Consumption
  /** Throws when the stream's backend is unreachable (used by /readyz). */
  check(): Promise<void>
  close(): Promise<void>
}
