/**
 * The people a serving node answers for, from memory: which person an id belongs to, and their parsed
 * profile. Without it a request cost three store reads and a JSON parse before any scoring.
 *
 * Profile changes show on the very next request: the hot state (a memory map fed by the projector in
 * `attune serve`, Redis with remote workers) is asked every time, and a document that changed is parsed
 * again. A profile the hot state does not hold is read from the store and trusted for `ttlMs`. Which
 * person an id belongs to is trusted for `ttlMs` too; when that person's profile has left the hot state
 * (merged away or erased) the store is asked at once, and an id whose person is gone is looked up again.
 */
import type { HotState } from '../hot-state/index.ts'
import type { ProfileService, ProfileState } from '../profiles/index.ts'

export interface ServedPerson {
  root: string
  /** Shared by every request for this person until the profile changes: read it, never change it. */
  state: Readonly<ProfileState> | null
}

export class PeopleCache {
  readonly #profiles: ProfileService
  readonly #hot: HotState
  readonly #ttlMs: number
  readonly #max: number
  readonly #roots = new Map<string, { root: string; at: number }>()
  readonly #states = new Map<string, { doc: string; hot: boolean; state: ProfileState; at: number }>()

  constructor(profiles: ProfileService, hot: HotState, ttlMs = 5000, max = 200_000) {
    this.#profiles = profiles
    this.#hot = hot
    this.#ttlMs = ttlMs
    this.#max = max
  }

  /** The person `ref` belongs to and their profile; null when nobody is known by it. */
  async get(ref: string, type: 'user_id' | 'anonymous_id' | 'person_id', now = Date.now(), fresh = false): Promise<ServedPerson | null> {
    // A preview right after a change (consent, a merge) must show it: the store, not what any cache holds.
    if (fresh) {
      const root = await this.#profiles.find(ref, type)
      if (!root) return null
      const found = await this.#profiles.document(root, true)
      return { root, state: found ? (JSON.parse(found.doc) as ProfileState) : null }
    }
    const key = `${type}:${ref}`
    const cached = this.#roots.get(key)
    if (cached && now - cached.at < this.#ttlMs) {
      const state = await this.#state(cached.root, now)
      if (state) return { root: cached.root, state }
    }
    // Unknown ids are not remembered: a new visitor's first event must count on the next request.
    const root = await this.#profiles.find(ref, type)
    if (!root) {
      this.#roots.delete(key)
      return null
    }
    if (this.#roots.size >= this.#max) this.#roots.clear()
    this.#roots.set(key, { root, at: now })
    return { root, state: await this.#state(root, now) }
  }

  async #state(root: string, now: number): Promise<ProfileState | null> {
    const entry = this.#states.get(root)
    const hot = await this.#hot.getProfile(root)
    // The hot state dropping a profile it held means a merge or an erasure: only what came from the
    // store (never held hot) is trusted for the TTL.
    if (hot === null && entry && !entry.hot && now - entry.at < this.#ttlMs) return entry.state
    if (hot !== null && entry?.doc === hot) return entry.state
    const found = hot !== null ? { doc: hot, hot: true } : await this.#profiles.document(root, true)
    if (!found) {
      this.#states.delete(root)
      return null
    }
    if (this.#states.size >= this.#max) this.#states.clear()
    const state = JSON.parse(found.doc) as ProfileState
    this.#states.set(root, { doc: found.doc, hot: found.hot, state, at: now })
    return state
  }
}
