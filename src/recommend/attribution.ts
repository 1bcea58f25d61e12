/**
 * Records what each recommendation request showed (one impression row per placement) without holding
 * up the answer: rows are buffered and written in batches every ~200 ms or 500 rows, and on close.
 * Impressions are analytics, not the log of record: a batch the store refuses is dropped and counted.
 */
import type { Impression, Store } from '../storage/index.ts'
import type { RecommendationAnswer } from './recommender.ts'
import type { RecommendationRequest } from './request.ts'

/** Finds the canonical person of a request's ref (null when unknown). */
export type ResolvePerson = (ref: string, type: 'user_id' | 'anonymous_id') => Promise<string | null>

/** One impression row waiting to be written, with the id to look its person up by when unknown. */
export interface PendingImpression {
  row: Impression
  lookup: { ref: string; type: 'user_id' | 'anonymous_id' } | null
}
type Pending = PendingImpression

export interface RecorderOptions {
  flushMs?: number
  maxRows?: number
  onError?: (error: unknown) => void
}

export class ImpressionRecorder {
  readonly #store: Store
  readonly #resolve: ResolvePerson
  readonly #flushMs: number
  readonly #maxRows: number
  readonly #onError: (error: unknown) => void
  #buffer: Pending[] = []
  #timer: NodeJS.Timeout | null = null
  // Flushes run one after another so batches reach the store in order.
  #chain: Promise<void> = Promise.resolve()
  #closed = false
  #divert: ((batch: PendingImpression[]) => Promise<void>) | null = null
  /** Rows lost because the store refused their batch. */
  dropped = 0

  constructor(store: Store, resolve: ResolvePerson, options: RecorderOptions = {}) {
    this.#store = store
    this.#resolve = resolve
    this.#flushMs = options.flushMs ?? 200
    this.#maxRows = options.maxRows ?? 500
    this.#onError = options.onError ?? (() => {})
  }

  /**
   * Queues one row per placement of an answer; returns at once. `personId` is the person the answer was
   * for when the recommender knew it; otherwise the request's id is looked up when the batch is written.
   */
  record(request: RecommendationRequest, answer: RecommendationAnswer, personId: string | null = null, servedAt = Date.now()): void {
    if (this.#closed) return
    const ref = request.userId ?? request.anonymousId ?? null
    const lookup = ref === null || personId !== null ? null : { ref, type: request.userId ? ('user_id' as const) : ('anonymous_id' as const) }
    this.accept(
      answer.placements.map((p, placement) => ({
        row: { recommId: answer.recommId, placement, strategy: p.strategy, personId, ref, itemIds: p.items.map((i) => i.id), servedAt, servedBy: p.servedBy },
        lookup,
      })),
    )
  }

  /**
   * Hands batches to `sink` instead of writing them here (`attune serve` sends them to its worker thread,
   * whose own connection writes them, off the thread that answers requests); null writes here again.
   * `sink` resolves once the batch is stored, so `flush` still means "stored".
   */
  divert(sink: ((batch: PendingImpression[]) => Promise<void>) | null): void {
    this.#divert = sink
  }

  /** Queues rows recorded elsewhere (the other end of `divert`). */
  accept(batch: PendingImpression[]): void {
    if (this.#closed) return
    this.#buffer.push(...batch)
    if (this.#buffer.length >= this.#maxRows) void this.flush()
    else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs)
      this.#timer.unref()
    }
  }

  /** Writes everything queued so far; resolves when it is stored (or dropped). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const batch = this.#buffer
    this.#buffer = []
    if (batch.length === 0) return this.#chain
    if (this.#divert) {
      // Handed over now, not when earlier batches are done: a shutdown right after must find it sent.
      const sent = this.#divert(batch).catch(this.#onError)
      this.#chain = this.#chain.then(() => sent)
    } else this.#chain = this.#chain.then(() => this.#write(batch))
    return this.#chain
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  async #write(batch: Pending[]): Promise<void> {
    try {
      // The person is resolved here, off the request path: one lookup per distinct ref in the batch.
      const people = new Map<string, Promise<string | null>>()
      for (const p of batch) {
        if (!p.lookup) continue
        const key = `${p.lookup.type}:${p.lookup.ref}`
        if (!people.has(key)) people.set(key, this.#resolve(p.lookup.ref, p.lookup.type).catch(() => null))
        p.row.personId = await people.get(key)!
      }
      await this.#store.impressions.insert(batch.map((p) => p.row))
    } catch (error) {
      this.dropped += batch.length
      this.#onError(error)
    }
  }
}
