/**
 * Shared hot state for the serving path: person snapshots, rate-limit counters and (later) bandit
 * counters and recommendation caches. In Redis when configured, so any API node can answer any request;
 * in process memory otherwise. Everything here is derived and may be lost: it is rebuilt from the store.
 */
export interface HotState {
  readonly kind: string
  /** A person's profile document (JSON), by canonical person id. */
  putProfile(personId: string, doc: string): Promise<void>
  getProfile(personId: string): Promise<string | null>
  deleteProfiles(personIds: readonly string[]): Promise<void>
  /** Counts one hit on `key` in the current fixed window and returns the window's count so far. */
  hit(key: string, windowSeconds: number): Promise<number>
  /** Throws when the backend is unreachable (used by /readyz). */
  check(): Promise<void>
  close(): Promise<void>
}
