import type { ApiKeyRecord, Category, EventRecord, Item, ItemInput, Page, PersonActivity, StoredEvent } from '../core/index.ts'

/** Result of appending events: which message ids were new and which were already in the log. */
export interface AppendResult {
  inserted: number
  /** Message ids that were already stored (idempotent retries); nothing was written for them. */
  duplicates: string[]
}

export interface EventQuery {
  /** Matches events whose userId or anonymousId equals this id. */
  personId: string
  limit: number
  /** Opaque cursor from a previous page. */
  cursor?: string | undefined
}

/** An event as a consumer receives it: with its log position when it was read from the log. */
export type StoredEventLike = EventRecord & { seq?: number }

export interface ApplyOptions {
  /**
   * For a consumer that reads the log in order from a single writer (SQLite's log tail): the position
   * these events run to. Events at or below the consumer's saved offset are skipped, and the offset is
   * moved in the same transaction, instead of recording every event in `processed_events`.
   */
  throughSeq?: number
}

export interface ItemQuery {
  limit: number
  cursor?: string | undefined
  category?: string | undefined
}

/**
 * The persistence boundary. Every backend (SQLite now, PostgreSQL next) implements this and passes
 * `describeStore` in `store.conformance.ts`. Methods are async so network backends fit the same shape.
 *
 * The event log is append-only: there is no method that updates or deletes an event except erasure
 * (a later privacy issue), which removes whole people.
 *
 * @example
 * const store = await openStore('sqlite:///var/lib/attune/attune.db')
 * await store.appendEvents([record])
 */
export interface Store {
  /** Backend name, e.g. "sqlite". */
  readonly kind: string
  /** Runs pending migrations; safe to call on every start. */
  migrate(): Promise<void>
  /** Cheap round trip that fails when the backend is unreachable. */
  ping(): Promise<void>
  close(): Promise<void>

  /** Appends events durably in one transaction; duplicates by messageId are skipped, not errors. */
  appendEvents(events: readonly EventRecord[]): Promise<AppendResult>
  /** A person's events, newest first (by event time, then log position). */
  listPersonEvents(query: EventQuery): Promise<Page<StoredEvent>>
  /** Events in log order after `afterSeq`, for replay and consumers. */
  readEvents(afterSeq: number, limit: number): Promise<StoredEvent[]>
  countEvents(): Promise<number>
  /** Looks up events by message id (used to prove idempotency and for support tools). */
  getEventsByMessageId(messageIds: readonly string[]): Promise<StoredEvent[]>

  /** Inserts or replaces items (the whole item; omitted fields take defaults). Returns how many were written. */
  upsertItems(items: readonly ItemInput[], now: Date): Promise<number>
  getItem(id: string): Promise<Item | null>
  listItems(query: ItemQuery): Promise<Page<Item>>
  deleteItem(id: string): Promise<boolean>
  countItems(): Promise<number>

  /** Marks category paths sensitive or not; unknown paths are created. */
  setCategorySensitivity(paths: readonly { path: string; sensitive: boolean }[]): Promise<void>
  listCategories(): Promise<Category[]>

  /**
   * Applies events to the derived person activity, exactly once per consumer: events this consumer has
   * applied before (redeliveries) are skipped, in the same transaction. Returns the person ids touched.
   */
  applyPersonActivity(events: readonly StoredEventLike[], consumer: string, options?: ApplyOptions): Promise<string[]>
  getPersonActivity(personId: string): Promise<PersonActivity | null>
  getPersonActivities(personIds: readonly string[]): Promise<PersonActivity[]>
  /** The last log position an in-process consumer has applied (0 when it never ran). */
  getConsumerOffset(consumer: string): Promise<number>
  setConsumerOffset(consumer: string, seq: number): Promise<void>

  listApiKeys(): Promise<ApiKeyRecord[]>
  insertApiKey(key: ApiKeyRecord): Promise<void>
  revokeApiKey(id: string, at: Date): Promise<boolean>
}
