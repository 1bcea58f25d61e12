/**
 * Catalogue details for serving, from memory: a request needs titles, prices, stock and categories of a
 * few hundred candidates, and reading them from the store each time was most of a request's cost. An
 * entry is trusted for `ttlMs` (5 s), so price and stock changes reach the answers within seconds.
 */
import type { Item } from '../core/index.ts'
import type { Store } from '../storage/index.ts'

export class ItemCache {
  readonly #store: Store
  readonly #ttlMs: number
  readonly #maxItems: number
  readonly #entries = new Map<string, { item: Item | null; at: number }>()

  constructor(store: Store, ttlMs = 5000, maxItems = 200_000) {
    this.#store = store
    this.#ttlMs = ttlMs
    this.#maxItems = maxItems
  }

  /** The items among `ids` that exist; one store read for those missing or stale. */
  async get(ids: Iterable<string>): Promise<Map<string, Item>> {
    const now = Date.now()
    const out = new Map<string, Item>()
    const missing: string[] = []
    for (const id of ids) {
      const e = this.#entries.get(id)
      if (e && now - e.at < this.#ttlMs) {
        if (e.item) out.set(id, e.item)
      } else missing.push(id)
    }
    if (missing.length > 0) {
      const found = new Map((await this.#store.getItems(missing)).map((it) => [it.id, it]))
      if (this.#entries.size + missing.length > this.#maxItems) this.#entries.clear()
      for (const id of missing) {
        const item = found.get(id) ?? null
        // Unknown ids are remembered too, so a stale id in a model does not cost a read per request.
        this.#entries.set(id, { item, at: now })
        if (item) out.set(id, item)
      }
    }
    return out
  }
}
