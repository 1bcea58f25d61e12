/**
 * Gathers `PersonFacts` for many people at once: profiles, the events inside the largest window any
 * definition needs (only the kinds they read), the catalogue facts of those events' items, predictions and
 * the RFM code. A few bulk queries per page of people, whatever the number of definitions; the same code
 * serves real time, the scheduler, a recompute and a preview, so all of them see the same facts.
 */
import type { EventKind, StoredEvent } from '../core/index.ts'
import { AUDIENCE, consentGiven, parseState, type ProfileState } from '../profiles/index.ts'
import type { PredictionRecord, PredictionStore, ProfileRow, Store } from '../storage/index.ts'
import type { FactItem, FactNeeds, PersonFacts, RfmFact } from './facts.ts'
import { rfmFactOf, rfmQuartileScale, type RfmQuartileScale } from './rfm-quartiles.ts'

/** What to load: the union of the needs of the definitions being evaluated. */
export interface LoadPlan {
  lookbackMs: number
  /** null: every kind. */
  kinds: readonly EventKind[] | null
  prediction: boolean
  rfm: boolean
}

export const NOTHING: LoadPlan = { lookbackMs: 0, kinds: [], prediction: false, rfm: false }

/** The smallest plan that covers every one of these needs. */
export function planOf(needs: readonly FactNeeds[]): LoadPlan {
  let lookbackMs = 0
  let kinds: Set<EventKind> | null = new Set()
  let prediction = false
  let rfm = false
  for (const n of needs) {
    prediction ||= n.prediction
    rfm ||= n.rfm
    // A definition without event conditions reads no events, whatever its kinds say.
    if (n.lookbackMs <= 0) continue
    lookbackMs = Math.max(lookbackMs, n.lookbackMs)
    if (n.kinds === null) kinds = null
    else if (kinds) for (const k of n.kinds) kinds.add(k)
  }
  return { lookbackMs, kinds: kinds ? [...kinds].sort() : null, prediction, rfm }
}

/** Facts without what the pass itself computes (traits, memberships so far). */
export type LoadedFacts = Omit<PersonFacts, 'traits' | 'memberOf'>

const RFM_TTL_MS = 60_000
const SENSITIVE_TTL_MS = 30_000

export class FactsLoader {
  readonly #store: Store
  readonly #consentDefaults: () => Record<string, boolean>
  readonly #clock: () => number
  #rfm: { scale: RfmQuartileScale; at: number } | null = null
  #sensitive: { paths: Set<string>; at: number } | null = null

  constructor(store: Store, consentDefaults: () => Record<string, boolean>, clock: () => number) {
    this.#store = store
    this.#consentDefaults = consentDefaults
    this.#clock = clock
  }

  /**
   * Facts of these roots at `now`. People without a profile (merged away, unknown) are left out: the caller
   * treats them as gone. `rows` are profile rows already read (a recompute's page), to skip reading them again.
   */
  async load(personIds: readonly string[], plan: LoadPlan, now: number, rows?: readonly ProfileRow[]): Promise<Map<string, LoadedFacts>> {
    const out = new Map<string, LoadedFacts>()
    if (personIds.length === 0) return out
    const isSensitive = await this.#sensitivity()
    const defaults = this.#consentDefaults()
    const rfmScale = plan.rfm ? await this.#rfmScale(now) : null
    const { profiles, events } = await this.#store.readPeople(async (tx) => {
      const profiles = rows ?? (await tx.getProfiles(personIds))
      const events = new Map<string, StoredEvent[]>()
      if (plan.lookbackMs > 0 && profiles.length > 0) {
        const roots = profiles.map((p) => p.personId)
        const rootOf = new Map(roots.map((r) => [r, r]))
        for (const m of await tx.membersOf(roots)) rootOf.set(m.id, m.mergedInto!)
        const from = Number.isFinite(plan.lookbackMs) ? now - plan.lookbackMs : -Infinity
        for (const { personId, event } of await tx.recentEventsOf([...rootOf.keys()], from, plan.kinds)) {
          // Audience events are the engine's own output: a rule never reads them back (no feedback loops).
          if (AUDIENCE.has(event.kind)) continue
          const root = rootOf.get(personId)!
          const list = events.get(root)
          if (list) list.push(event)
          else events.set(root, [event])
        }
        for (const list of events.values()) list.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)
      }
      return { profiles, events }
    })
    const items = await this.#items([...events.values()].flat())
    const predictions = plan.prediction ? await this.#predictions(profiles.map((p) => p.personId)) : new Map<string, PredictionRecord>()
    for (const row of profiles) {
      const state = parseState(row.state)
      const personEvents = events.get(row.personId) ?? []
      const rfm: RfmFact | null = rfmScale ? rfmFactOf({ orders: row.orders, revenue: row.revenue, lastOrder: row.lastOrder }, rfmScale) : null
      out.set(row.personId, {
        personId: row.personId,
        state,
        events: personEvents,
        items,
        prediction: predictions.get(row.personId) ?? null,
        rfm,
        consents: (purpose) => consentGiven(state as ProfileState, purpose, defaults),
        isSensitive,
      })
    }
    return out
  }

  async #items(events: readonly StoredEvent[]): Promise<Map<string, FactItem>> {
    const ids = new Set<string>()
    for (const e of events) {
      if (e.itemId) ids.add(e.itemId)
      for (const p of e.data.products ?? []) ids.add(p.itemId)
    }
    const out = new Map<string, FactItem>()
    if (ids.size === 0) return out
    for (const item of await this.#store.getItems([...ids])) {
      out.set(item.id, { id: item.id, categories: item.categories, brand: item.brand, price: item.price, attributes: item.attributes })
    }
    return out
  }

  async #predictions(personIds: readonly string[]): Promise<Map<string, PredictionRecord>> {
    // Until the CLV predictions store is merged, a store without it has no predictions.
    const predictions = (this.#store as Store & { predictions?: PredictionStore }).predictions
    return predictions ? predictions.of(personIds) : new Map()
  }

  /** The quartile scale over every buyer, refreshed about once a minute (a recompute asks for a fresh one). */
  async #rfmScale(now: number): Promise<RfmQuartileScale> {
    if (!this.#rfm || Math.abs(now - this.#rfm.at) > RFM_TTL_MS) {
      const buyers = await this.#store.readPeople((tx) => tx.buyerStats())
      this.#rfm = { scale: rfmQuartileScale(buyers, now), at: now }
    }
    return this.#rfm.scale
  }

  /** Forget cached scales (a recompute evaluates against the population of its moment). */
  refresh(): void {
    this.#rfm = null
    this.#sensitive = null
  }

  async #sensitivity(): Promise<(path: string) => boolean> {
    const at = this.#clock()
    if (!this.#sensitive || Math.abs(at - this.#sensitive.at) > SENSITIVE_TTL_MS) {
      const paths = new Set((await this.#store.listCategories()).filter((c) => c.sensitive || c.inheritedSensitive).map((c) => c.path))
      this.#sensitive = { paths, at }
    }
    const { paths } = this.#sensitive
    return (path) => paths.has(path)
  }
}
