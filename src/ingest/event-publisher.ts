import type { EventRecord } from '../core/index.ts'

/**
 * Where acknowledged events go after the store commit, for the workers that derive data from them
 * (the NATS JetStream stream in production, an in-process wake-up when embedded). A request is
 * acknowledged only after `publish` resolves. Every event of the request is published, duplicates
 * included, so a retry after a failed publish still reaches the workers (which deduplicate).
 */
export interface EventPublisher {
  publish(records: readonly EventRecord[]): Promise<void>
}
