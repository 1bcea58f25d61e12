/**
 * Keeps what the ingest refused, for the dashboard's live-events debugger, without ever holding up or
 * failing the good events of the same request: refusals are queued in memory (a size-capped copy of each
 * message, made at once so no request body is kept alive) and written in batches every ~200 ms. Bounded
 * everywhere, since a write key is public: at most `maxPerRequest` rows of one request and `maxPending`
 * rows waiting (the rest are only counted per day and code), and the table is pruned by age and count.
 * Refusals are diagnostics, not the log of record: a batch the store refuses is dropped and counted.
 */
import type { RejectedCount, RejectedEvent, RetentionLimits, Store } from '../storage/index.ts'
import { boundedJson } from './bounded-json.ts'

const DAY_MS = 86_400_000
/** Rows written in one transaction (about 10 ms of SQLite's write lock). */
const WRITE_CHUNK = 200

/** One refusal as the ingest reports it. */
export interface Refusal {
  index: number | null
  code: string
  field: string | null
  message: string
  /** The message (or body) as parsed. */
  raw: unknown
  /** Instead of `raw`: the body's text, when it did not parse. */
  rawText?: string
}

/** Rows and counts on their way to the store (what `divert` hands over). */
export interface RejectedBatch {
  rows: RejectedEvent[]
  counts: RejectedCount[]
}

/** Where the ingest sends its refusals. */
export interface RejectedSink {
  record(refused: { receivedAt: number; keyId: string | null; endpoint: string; refusals: readonly Refusal[] }): void
}

export interface RejectedRecorderOptions {
  flushMs?: number
  /** Largest copy of a message kept, in characters of its JSON (default 4096). */
  maxRawChars?: number
  /** Rows kept of one request's refusals (default 100); the rest are counted only. */
  maxPerRequest?: number
  /** Rows waiting to be written before new ones are only counted (default 2000). */
  maxPending?: number
  /** Default: 7 days and 10,000 rows. */
  retention?: RetentionLimits
  /** Least time between two prunes (default 10 s). */
  pruneEveryMs?: number
  now?: () => number
  onError?: (error: unknown) => void
}

export const DEFAULT_REJECTED_RETENTION: RetentionLimits = { maxAgeMs: 7 * DAY_MS, maxRows: 10_000 }

// PostgreSQL's text cannot hold NUL: a sender's NUL is kept as U+FFFD.
const clean = (s: string) => (s.includes('\u0000') ? s.replaceAll('\u0000', '\ufffd') : s)
const short = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length <= max ? clean(v) : null)
const cap = (s: string, max: number) => clean(s.length > max ? `${s.slice(0, max - 1)}…` : s)

/** The first `max` characters, never ending on half a surrogate pair. */
function cut(text: string, max: number): { text: string; truncated: boolean } {
  if (text.length <= max) return { text: clean(text), truncated: false }
  let part = text.slice(0, max)
  const last = part.charCodeAt(part.length - 1)
  if (last >= 0xd800 && last <= 0xdbff) part = part.slice(0, -1)
  return { text: clean(part), truncated: true }
}

export class RejectedRecorder implements RejectedSink {
  readonly #store: Store
  readonly #flushMs: number
  readonly #maxRaw: number
  readonly #maxPerRequest: number
  readonly #maxPending: number
  readonly #retention: RetentionLimits
  readonly #pruneEveryMs: number
  readonly #now: () => number
  readonly #onError: (error: unknown) => void
  #rows: RejectedEvent[] = []
  #counts = new Map<string, RejectedCount>()
  #timer: NodeJS.Timeout | null = null
  #chain: Promise<void> = Promise.resolve()
  #lastPrune = 0
  #sincePrune = 0
  #closed = false
  #divert: ((batch: RejectedBatch) => Promise<void>) | null = null
  /** Refusals counted but not kept as rows (past a cap, or in a batch the store refused). */
  dropped = 0

  constructor(store: Store, options: RejectedRecorderOptions = {}) {
    this.#store = store
    this.#flushMs = options.flushMs ?? 200
    this.#maxRaw = options.maxRawChars ?? 4096
    this.#maxPerRequest = options.maxPerRequest ?? 100
    this.#maxPending = options.maxPending ?? 2000
    this.#retention = options.retention ?? DEFAULT_REJECTED_RETENTION
    this.#pruneEveryMs = options.pruneEveryMs ?? 10_000
    this.#now = options.now ?? Date.now
    this.#onError = options.onError ?? (() => {})
  }

  record({ receivedAt, keyId, endpoint, refusals }: Parameters<RejectedSink['record']>[0]): void {
    if (this.#closed || refusals.length === 0) return
    const day = Math.floor(receivedAt / DAY_MS)
    refusals.forEach((r, i) => {
      const key = `${day}\u0000${r.code}`
      const counted = this.#counts.get(key)
      if (counted) counted.count += 1
      else this.#counts.set(key, { day, code: r.code, count: 1 })
      if (i >= this.#maxPerRequest || this.#rows.length >= this.#maxPending) {
        this.dropped += 1
        return
      }
      const message = typeof r.raw === 'object' && r.raw !== null && !Array.isArray(r.raw) ? (r.raw as Record<string, unknown>) : {}
      // A key sent in the body is not kept with the copy.
      const { text, truncated } =
        r.rawText !== undefined ? cut(r.rawText, this.#maxRaw) : boundedJson('writeKey' in message ? { ...message, writeKey: undefined } : r.raw, this.#maxRaw)
      this.#rows.push({
        receivedAt,
        keyId,
        endpoint,
        index: r.index,
        code: r.code,
        field: r.field === null ? null : cap(r.field, 300),
        message: cap(r.message, 1000),
        messageId: short(message.messageId, 200),
        type: short(message.type, 50),
        raw: text,
        truncated,
      })
    })
    this.#schedule()
  }

  /**
   * Hands batches to `sink` instead of writing them here (`attune serve` sends them to its worker thread,
   * whose own connection writes them, so no SQLite write or fsync holds up this thread); null writes here
   * again. `sink` resolves once the batch is stored, so `flush` still means "stored".
   */
  divert(sink: ((batch: RejectedBatch) => Promise<void>) | null): void {
    this.#divert = sink
  }

  /** Queues rows recorded elsewhere (the other end of `divert`). */
  accept(batch: RejectedBatch): void {
    if (this.#closed) return
    for (const c of batch.counts) {
      const key = `${c.day}\u0000${c.code}`
      const counted = this.#counts.get(key)
      if (counted) counted.count += c.count
      else this.#counts.set(key, { ...c })
    }
    const room = Math.max(0, this.#maxPending - this.#rows.length)
    this.#rows.push(...batch.rows.slice(0, room))
    this.dropped += Math.max(0, batch.rows.length - room)
    this.#schedule()
  }

  #schedule(): void {
    if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs)
      this.#timer.unref()
    }
  }

  /** Writes everything queued so far; resolves when it is stored (or dropped). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = null
    const rows = this.#rows
    const counts = [...this.#counts.values()]
    this.#rows = []
    this.#counts = new Map()
    if (rows.length === 0 && counts.length === 0) return this.#chain
    if (this.#divert) {
      // Handed over now, not when earlier batches are done: a shutdown right after must find it sent.
      const sent = this.#divert({ rows, counts }).catch(this.#onError)
      this.#chain = this.#chain.then(() => sent)
    } else this.#chain = this.#chain.then(() => this.#write(rows, counts))
    return this.#chain
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  async #write(rows: RejectedEvent[], counts: RejectedCount[]): Promise<void> {
    // Short transactions: the event log's group commit never waits long behind one of them for the write lock.
    for (let i = 0; i === 0 || i < rows.length; i += WRITE_CHUNK) {
      const chunk = rows.slice(i, i + WRITE_CHUNK)
      try {
        await this.#store.diagnostics.recordRejected(chunk, i === 0 ? counts : [])
      } catch (error) {
        this.dropped += chunk.length
        this.#onError(error)
      }
    }
    // Pruned every few seconds, and sooner under a flood: the table never holds much more than maxRows.
    this.#sincePrune += rows.length
    const now = this.#now()
    if (now - this.#lastPrune < this.#pruneEveryMs && this.#sincePrune < this.#retention.maxRows / 10) return
    this.#lastPrune = now
    this.#sincePrune = 0
    try {
      await this.#store.diagnostics.pruneRejected(now, this.#retention)
    } catch (error) {
      this.#onError(error)
    }
  }
}
