/**
 * Gathers `PersonFacts` for many people at once: profiles, the events inside the largest window any
 * definition needs (only the kinds they read), the catalogue facts of those events' items, predictions and
 * the RFM code. A few bulk queries per page of people, whatever the number of definitions; the same code
 * serves real time, the scheduler, a recompute and a preview, so all of them see the same facts.
 */
import type { EventKind, StoredEvent } from '../core/index.ts'
import { consentGiven, parseState, type ProfileState } from '../profiles/index.ts'
import type { PredictionRecord, ProfileColumns, ProfileRow, Store } from '../storage/index.ts'
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

/** Thrown when a rule reads the profile document of facts loaded without it (a preview then reloads the page with it). */
export class StateNotLoaded extends Error {
  constructor() {
    super('the profile document was not loaded')
  }
}

/**
 * One person's facts. The profile document is parsed on first use (most of a pass's cost at 100,000 people
 * is JSON): a rule on events alone never pays for it. `traits` and `memberOf` are filled by the pass.
 */
export class LoadedPersonFacts implements PersonFacts {
  traits = new Map<string, unknown>()
  memberOf = new Set<string>()
  #doc: string | null
  #state: ProfileState | null = null
  readonly #defaults: Record<string, boolean>

  constructor(
    readonly personId: string,
    doc: string | null,
    readonly events: readonly StoredEvent[],
    readonly items: ReadonlyMap<string, FactItem>,
    readonly prediction: PredictionRecord | null,
    readonly rfm: RfmFact | null,
    readonly isSensitive: (path: string) => boolean,
    defaults: Record<string, boolean>,
    /** The stated personalization consent from the profile's column (undefined: read the document). */
    readonly stated?: boolean | null,
    /** The profile's columns, standing in for the document for rules that read only those (see `PROFILE_COLUMNS`). */
    readonly columns?: ProfileColumns,
  ) {
    this.#doc = doc
    this.#defaults = defaults
  }

  get state(): ProfileState {
    if (this.#state) return this.#state
    if (this.#doc === null && this.columns) return (this.#state = columnState(this.columns))
    if (this.#doc === null) throw new StateNotLoaded()
    this.#state = parseState(this.#doc)
    this.#doc = null
    return this.#state
  }

  consents(purpose: string): boolean {
    // The column holds what the document says (written together), without parsing it.
    if (purpose === 'personalization' && this.stated !== undefined) return this.stated ?? (Object.hasOwn(this.#defaults, purpose) ? this.#defaults[purpose]! : false)
    return consentGiven(this.state, purpose, this.#defaults)
  }
}

/**
 * A state that holds only what the profiles' columns hold; reading anything else throws `StateNotLoaded`
 * (the preview then reads the page again with the documents), so a wrong plan costs time, never answers.
 */
function columnState(c: ProfileColumns): ProfileState {
  const orders = guard({ count: c.orders, revenue: c.revenue, last: c.lastOrder })
  return guard({ orders }) as unknown as ProfileState
}

function guard<T extends object>(known: T): T {
  return new Proxy(known, {
    get(target, key) {
      if (typeof key === 'string' && !Object.hasOwn(target, key)) throw new StateNotLoaded()
      return Reflect.get(target, key)
    },
  })
}

export interface LoadOptions {
  /** Profile rows already read (a page of a scan), so they are not read again. */
  rows?: readonly ProfileRow[]
  /** `personIds` are a page of a scan in id order: their events are read as one index range. */
  page?: boolean
  /** Read no profile documents (the rule reads none); reading `state` then throws `StateNotLoaded`. */
  withoutState?: boolean
  /** Instead of documents, these columns of the page's profiles (the rule reads nothing else of the profile). */
  columns?: readonly ProfileColumns[]
}

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

  /** Facts of these roots at `now`. People without a profile (merged away, unknown) are left out: the caller treats them as gone. */
  async load(personIds: readonly string[], plan: LoadPlan, now: number, options: LoadOptions = {}): Promise<Map<string, PersonFacts>> {
    const out = new Map<string, PersonFacts>()
    if (personIds.length === 0) return out
    const isSensitive = await this.sensitivity()
    const defaults = this.#consentDefaults()
    const rfmScale = plan.rfm ? await this.#rfmScale(now) : null
    const { profiles, events } = await this.#store.readPeople(async (tx) => {
      type Loaded = { personId: string; state: string | null; orders: number; revenue: number; lastOrder: number | null; columns?: ProfileColumns }
      const profiles: Loaded[] = options.columns
        ? options.columns.map((c) => ({ ...c, state: null, columns: c }))
        : options.withoutState
          ? personIds.map((personId) => ({ personId, state: null, orders: 0, revenue: 0, lastOrder: null }))
          : [...(options.rows ?? (await tx.getProfiles(personIds)))]
      const events = new Map<string, StoredEvent[]>()
      if (plan.lookbackMs > 0 && profiles.length > 0) {
        const roots = profiles.map((p) => p.personId)
        const rootOf = new Map(roots.map((r) => [r, r]))
        const members = await tx.membersOf(roots)
        for (const m of members) rootOf.set(m.id, m.mergedInto!)
        const from = Number.isFinite(plan.lookbackMs) ? now - plan.lookbackMs : -Infinity
        const rows = options.page
          ? await tx.recentEventsInRange(roots[0]!, roots.at(-1)!, members.map((m) => m.id), from, plan.kinds)
          : await tx.recentEventsOf([...rootOf.keys()], from, plan.kinds)
        for (const { personId, event } of rows) {
          // A node in the id range whose root is on another page.
          const root = rootOf.get(personId)
          if (root === undefined) continue
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
      const rfm: RfmFact | null = rfmScale ? rfmFactOf({ orders: row.orders, revenue: row.revenue, lastOrder: row.lastOrder }, rfmScale) : null
      out.set(row.personId, new LoadedPersonFacts(row.personId, row.state, events.get(row.personId) ?? [], items, predictions.get(row.personId) ?? null, rfm, isSensitive, defaults, row.columns?.personalization, row.columns))
    }
    return out
  }

  /**
   * The facts of everyone who has events the plan reads, found from the events' (kind, time) index instead of
   * a scan of people, without profile documents; `empty(id)` gives anyone else's (no events). For previews of
   * rules on events alone: everyone without such events gets one and the same answer.
   */
  async byEvents(plan: LoadPlan, now: number): Promise<{ facts: Map<string, LoadedPersonFacts>; empty: (personId: string, stated: boolean | null) => PersonFacts }> {
    const isSensitive = await this.sensitivity()
    const defaults = this.#consentDefaults()
    const from = Number.isFinite(plan.lookbackMs) ? now - plan.lookbackMs : -Infinity
    const rows = plan.lookbackMs > 0 ? await this.#store.readPeople((tx) => tx.attributedEventsSince(from, plan.kinds)) : []
    const events = new Map<string, StoredEvent[]>()
    for (const { personId, event } of rows) {
      const list = events.get(personId)
      if (list) list.push(event)
      else events.set(personId, [event])
    }
    for (const list of events.values()) list.sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)
    const items = await this.#items(rows.map((r) => r.event))
    const stated = await this.#store.readPeople((tx) => tx.personalizationOf([...events.keys()]))
    const facts = new Map<string, LoadedPersonFacts>()
    // Only people with a profile count (events of a root without one are not a person of the population).
    for (const [personId, list] of events) if (stated.has(personId)) facts.set(personId, new LoadedPersonFacts(personId, null, list, items, null, null, isSensitive, defaults, stated.get(personId)!))
    return { facts, empty: (personId, consent) => new LoadedPersonFacts(personId, null, [], items, null, null, isSensitive, defaults, consent) }
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
    return this.#store.predictions.of(personIds)
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

  /** Which category paths are sensitive (re-read every 30 s of the engine's clock). */
  async sensitivity(): Promise<(path: string) => boolean> {
    const at = this.#clock()
    if (!this.#sensitive || Math.abs(at - this.#sensitive.at) > SENSITIVE_TTL_MS) {
      const paths = new Set((await this.#store.listCategories()).filter((c) => c.sensitive || c.inheritedSensitive).map((c) => c.path))
      this.#sensitive = { paths, at }
    }
    const { paths } = this.#sensitive
    return (path) => paths.has(path)
  }
}
