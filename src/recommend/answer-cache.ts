/**
 * Non-personalized answers reused for identical requests for a moment: without a person the answer
 * depends only on the request, the model version and the catalogue, so a home page's "trending" need
 * not be computed a thousand times a second. Bounded; entries older than `ttlMs` are computed again.
 */
import type { PlacementAnswer } from './recommender.ts'

export class AnswerCache {
  readonly #ttlMs: number
  readonly #max: number
  readonly #entries = new Map<string, { placements: PlacementAnswer[]; at: number }>()
  hits = 0
  misses = 0

  constructor(ttlMs: number, max = 20_000) {
    this.#ttlMs = ttlMs
    this.#max = max
  }

  get enabled(): boolean {
    return this.#ttlMs > 0
  }

  /** The placements answered for `key` within the TTL, or null. They are shared: read them, never change them. */
  get(key: string, now = Date.now()): readonly PlacementAnswer[] | null {
    const entry = this.#entries.get(key)
    if (entry && now - entry.at < this.#ttlMs) {
      this.hits++
      return entry.placements
    }
    this.misses++
    return null
  }

  set(key: string, placements: PlacementAnswer[], now = Date.now()): void {
    if (this.#entries.size >= this.#max) this.#entries.clear()
    this.#entries.set(key, { placements, at: now })
  }
}
