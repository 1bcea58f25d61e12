/**
 * Group commit for the event log. Requests enqueue their accepted events; the writer appends everything
 * queued in one store transaction, then resolves each request. A request is answered only after its
 * events are committed, so "acknowledged" always means "durable", while commits stay few and large.
 */
import type { EventRecord } from '../core/index.ts'
import type { AppendResult, Store } from '../storage/index.ts'

interface Waiter {
  records: readonly EventRecord[]
  resolve: (result: AppendResult) => void
  reject: (error: unknown) => void
}

export interface CommitStats {
  events: number
  requests: number
  ms: number
}

/**
 * Splits a group commit's duplicates among its requests. The store lists one entry per duplicate
 * occurrence and stores the first occurrence of a new id, so an id repeated within the group (in one
 * request or across requests) counts as inserted once, at its first occurrence, when the store reported
 * it fewer times than it occurs.
 */
function duplicateAttribution(group: readonly Waiter[], duplicates: readonly string[]): (w: Waiter) => string[] {
  if (duplicates.length === 0) return () => []
  const reported = new Map<string, number>()
  for (const id of duplicates) reported.set(id, (reported.get(id) ?? 0) + 1)
  const occurrences = new Map<string, number>()
  for (const w of group) for (const r of w.records) if (reported.has(r.messageId)) occurrences.set(r.messageId, (occurrences.get(r.messageId) ?? 0) + 1)
  const seen = new Set<string>()
  const byWaiter = new Map<Waiter, string[]>()
  for (const w of group) {
    const mine: string[] = []
    for (const r of w.records) {
      const count = reported.get(r.messageId)
      if (count === undefined) continue
      const firstWasInserted = count < occurrences.get(r.messageId)!
      if (seen.has(r.messageId) || !firstWasInserted) mine.push(r.messageId)
      seen.add(r.messageId)
    }
    byWaiter.set(w, mine)
  }
  return (w) => byWaiter.get(w) ?? []
}

export class EventWriter {
  readonly #store: Store
  readonly #maxGroup: number
  readonly #onCommit: ((stats: CommitStats) => void) | undefined
  #queue: Waiter[] = []
  #queued = 0
  #running: Promise<void> | null = null
  #closed = false

  constructor(store: Store, options: { maxGroup?: number; onCommit?: (stats: CommitStats) => void } = {}) {
    this.#store = store
    this.#maxGroup = options.maxGroup ?? 20_000
    this.#onCommit = options.onCommit
  }

  /** Resolves once the records are committed; duplicates (by messageId) are reported, not written. */
  append(records: readonly EventRecord[]): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new Error('event writer is closed'))
    if (records.length === 0) return Promise.resolve({ inserted: 0, duplicates: [] })
    return new Promise((resolve, reject) => {
      this.#queue.push({ records, resolve, reject })
      this.#queued += records.length
      // setImmediate lets every request parsed in this turn of the event loop join the same commit.
      if (this.#running === null) this.#running = new Promise((done) => setImmediate(() => void this.#drain().then(done)))
    })
  }

  /** Events waiting for a commit. */
  get pending(): number {
    return this.#queued
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const group: Waiter[] = []
      let size = 0
      while (this.#queue.length > 0 && (group.length === 0 || size + this.#queue[0]!.records.length <= this.#maxGroup)) {
        const w = this.#queue.shift()!
        group.push(w)
        size += w.records.length
      }
      this.#queued -= size
      const started = performance.now()
      try {
        const all = group.length === 1 ? group[0]!.records : group.flatMap((w) => w.records)
        const result = await this.#store.appendEvents(all)
        this.#onCommit?.({ events: size, requests: group.length, ms: performance.now() - started })
        const mineOf = duplicateAttribution(group, result.duplicates)
        for (const w of group) {
          const mine = mineOf(w)
          w.resolve({ inserted: w.records.length - mine.length, duplicates: mine })
        }
      } catch (error) {
        for (const w of group) w.reject(error)
      }
    }
    this.#running = null
  }

  /** Waits for everything queued to be committed, then refuses new work. */
  async close(): Promise<void> {
    this.#closed = true
    while (this.#running !== null) await this.#running
  }
}
