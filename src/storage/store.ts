import type { ApiKeyRecord, Category, EventKind, EventRecord, Item, ItemInput, Page, StoredEvent } from '../core/index.ts'
import type { ImpressionStore } from './impressions.ts'
import type { ModelVersionStore } from './model-versions.ts'
import type { OverviewStore } from './overview.ts'
import type { PeopleTx } from './people.ts'
import type { StaffStore } from './staff.ts'
import type { DiagnosticsStore } from './diagnostics.ts'
import type { SettingsStore } from './settings.ts'
import type { PredictionStore, SegmentDefinitionStore, SegmentMemberStore } from './segment-store.ts'

/** Result of appending events: which message ids were new and which were already in the log. */
export interface AppendResult {
  inserted: number
  /** Message ids that were already stored (idempotent retries); nothing was written for them. */
  duplicates: string[]
}

export interface EventQuery {
  /** Matches events whose userId or anonymousId equals this id (unless `personNodes` is given). */
  personId: string
  /** Matches the events the identity graph attributed to these person nodes (a whole stitched person). */
  personNodes?: readonly string[] | undefined
  limit: number
  /** Opaque cursor from a previous page. */
  cursor?: string | undefined
  /** Only events of these kinds (e.g. a person's orders). */
  kinds?: readonly EventKind[] | undefined
}

export interface ItemQuery {
  limit: number
  cursor?: string | undefined
  category?: string | undefined
  /** Catalogue search: a prefix of the id, or words that each begin a word of the title or brand (any case, any accents). */
  q?: string | undefined
  /** true: only items in stock (available, inventory not 0); false: only the others. */
  inStock?: boolean | undefined
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
  /** Events of these kinds with event time in [from, to), in log order after `afterSeq` (for reports). */
  readEventsOfKinds(kinds: readonly EventKind[], from: number, to: number, afterSeq: number, limit: number): Promise<StoredEvent[]>
  /** Looks up events by message id (used to prove idempotency and for support tools). */
  getEventsByMessageId(messageIds: readonly string[]): Promise<StoredEvent[]>

  /** Inserts or replaces items (the whole item; omitted fields take defaults). Returns how many were written. */
  upsertItems(items: readonly ItemInput[], now: Date): Promise<number>
  getItem(id: string): Promise<Item | null>
  /** The items that exist among these ids (any order). */
  getItems(ids: readonly string[]): Promise<Item[]>
  listItems(query: ItemQuery): Promise<Page<Item>>
  deleteItem(id: string): Promise<boolean>
  countItems(): Promise<number>

  /** Marks category paths sensitive or not; unknown paths are created. */
  setCategorySensitivity(paths: readonly { path: string; sensitive: boolean }[]): Promise<void>
  listCategories(): Promise<Category[]>

  /**
   * Runs `fn` as one write transaction on the identity graph and profiles. Write batches are serialised
   * across every process sharing the database, so `fn` may read, decide and write without races.
   */
  writePeople<T>(fn: (tx: PeopleTx) => Promise<T>): Promise<T>
  /** Runs `fn` with the same repository for reading, outside a transaction. */
  readPeople<T>(fn: (tx: PeopleTx) => Promise<T>): Promise<T>
  /** Trained model versions and their artifacts. */
  readonly modelVersions: ModelVersionStore
  /** What recommendation requests showed, for attribution. */
  readonly impressions: ImpressionStore
  /** Events and active people per time bucket, for the overview report. */
  readonly overview: OverviewStore
  /** Staff accounts and sessions of the dashboard. */
  readonly staff: StaffStore
  /** The live event feed, refused messages (bounded retention) and the data-quality aggregates. */
  readonly diagnostics: DiagnosticsStore
  /** Settings changed at run time (consent defaults), and the revocation of keys that keeps a secret key. */
  readonly settings: SettingsStore
  /** Segment and computed-trait definitions, versioned, with the built-ins seeded once. */
  readonly segmentDefinitions: SegmentDefinitionStore
  /** What the segment engine derives: memberships and their history, computed trait values, the re-evaluation schedule. */
  readonly segmentMembers: SegmentMemberStore
  /** The CLV predictions of the last training run (BG/NBD + Gamma-Gamma, or RFM percentiles). */
  readonly predictions: PredictionStore
  /** Deletes the identity graph and profiles (all derived from the log) so they can be rebuilt. */
  resetPeople(): Promise<void>
  /** The last log position an in-process consumer has applied (0 when it never ran). */
  getConsumerOffset(consumer: string): Promise<number>
  setConsumerOffset(consumer: string, seq: number): Promise<void>

  listApiKeys(): Promise<ApiKeyRecord[]>
  insertApiKey(key: ApiKeyRecord): Promise<void>
  revokeApiKey(id: string, at: Date): Promise<boolean>
}
