import type { HotState } from './hot-state.ts'

/** Hot state in this process's memory, bounded: the oldest snapshots are dropped first. */
export class MemoryHotState implements HotState {
  readonly kind = 'memory'
  readonly #people = new Map<string, string>()
  readonly #windows = new Map<string, { window: number; count: number }>()
  readonly #maxPeople: number

  constructor(maxPeople = 100_000) {
    this.#maxPeople = maxPeople
  }

  async putProfile(personId: string, doc: string): Promise<void> {
    this.#people.delete(personId) // re-insert: Map order is the eviction order
    this.#people.set(personId, doc)
    if (this.#people.size > this.#maxPeople) this.#people.delete(this.#people.keys().next().value!)
  }

  async getProfile(personId: string): Promise<string | null> {
    return this.#people.get(personId) ?? null
  }

  async deleteProfiles(personIds: readonly string[]): Promise<void> {
    for (const id of personIds) this.#people.delete(id)
  }

  async hit(key: string, windowSeconds: number): Promise<number> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds)
    const entry = this.#windows.get(key)
    if (!entry || entry.window !== window) {
      this.#windows.set(key, { window, count: 1 })
      if (this.#windows.size > 100_000) this.#windows.clear()
      return 1
    }
    entry.count += 1
    return entry.count
  }

  async check(): Promise<void> {}
  async close(): Promise<void> {}
}
