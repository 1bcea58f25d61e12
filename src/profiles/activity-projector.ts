/**
 * Keeps the derived person activity up to date from the event stream: applies each delivery to the
 * store exactly once (per consumer name), then refreshes the touched people's snapshots in hot state.
 */
import type { EventRecord, PersonActivity } from '../core/index.ts'
import type { HotState } from '../hot-state/index.ts'
import type { Store } from '../storage/index.ts'

/** The consumer name under which activity updates are recorded as applied. */
export const ACTIVITY_CONSUMER = 'person-activity'

export class ActivityProjector {
  readonly #store: Store
  readonly #hot: HotState

  constructor(store: Store, hot: HotState) {
    this.#store = store
    this.#hot = hot
  }

  /** `throughSeq`: see the stream's Delivery; it lets the store skip per-event bookkeeping. */
  async apply(events: readonly (EventRecord & { seq?: number })[], throughSeq?: number): Promise<void> {
    const touched = await this.#store.applyPersonActivity(events, ACTIVITY_CONSUMER, throughSeq === undefined ? {} : { throughSeq })
    for (const activity of await this.#store.getPersonActivities(touched)) await this.#hot.putPersonActivity(activity)
  }

  /** Hot state first (what any node can read fast), the store when the snapshot is missing. */
  async read(personId: string): Promise<PersonActivity | null> {
    const hot = await this.#hot.getPersonActivity(personId)
    if (hot) return hot
    const stored = await this.#store.getPersonActivity(personId)
    if (stored) await this.#hot.putPersonActivity(stored)
    return stored
  }
}
