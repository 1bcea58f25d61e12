/**
 * Where imported events go: each message built from a file row passes the same `toEventRecord` check
 * and normalisation as an HTTP call, so an imported event is indistinguishable from a tracked one,
 * and is appended straight to the store in large chunks (one transaction each), skipping the HTTP
 * server and the group-commit queue that only exist to batch many small requests. Like the API, it
 * then hands each chunk to the event stream (NATS) when there is one, so workers see imported events.
 */
import type { EventRecord } from '../core/index.ts'
import { type EventPublisher, toEventRecord } from '../ingest/index.ts'
import type { Store } from '../storage/index.ts'
import type { SummaryBuilder } from './import-summary.ts'

export const DEFAULT_EVENT_CHUNK = 5000

export interface EventSinkOptions {
  maxEventBytes: number
  chunkSize?: number | undefined
  /** The workers' stream; every appended chunk is published, duplicates included (as the API does). */
  publisher?: EventPublisher | undefined
}

export class EventSink {
  readonly #store: Store
  readonly #summary: SummaryBuilder
  readonly #chunkSize: number
  readonly #maxEventBytes: number
  readonly #publisher: EventPublisher | undefined
  #pending: EventRecord[] = []

  constructor(store: Store, summary: SummaryBuilder, options: EventSinkOptions) {
    this.#store = store
    this.#summary = summary
    this.#chunkSize = options.chunkSize ?? DEFAULT_EVENT_CHUNK
    this.#maxEventBytes = options.maxEventBytes
    this.#publisher = options.publisher
  }

  /**
   * Checks one Segment message and queues it; a refused message is reported against `line` and
   * counts as `rows` rejected rows. The message must carry its own `timestamp` (the file's time) and
   * no `sentAt`, so the clock-skew correction leaves the time alone. Returns whether it was accepted.
   */
  async add(message: Record<string, unknown>, line: number, rows = 1): Promise<boolean> {
    const ctx = { receivedAt: Date.now(), batchSentAt: null, maxEventBytes: this.#maxEventBytes }
    const result = toEventRecord(message, null, ctx)
    if (!result.ok) {
      this.#summary.reject(line, result.field, result.message, rows)
      return false
    }
    this.#pending.push(result.value)
    if (this.#pending.length >= this.#chunkSize) await this.flush()
    return true
  }

  /** Appends everything queued in one transaction, then publishes it. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return
    const chunk = this.#pending
    this.#pending = []
    const result = await this.#store.appendEvents(chunk)
    this.#summary.summary.eventsStored += result.inserted
    this.#summary.summary.duplicatesSkipped += result.duplicates.length
    await this.#publisher?.publish(chunk)
  }
}

/** The serialised size of a message as `toEventRecord` measures it. */
export function messageBytes(message: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(message))
}
