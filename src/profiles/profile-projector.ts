/**
 * Keeps identities and profiles up to date from the event stream. Each delivery is one write batch:
 * events applied before are skipped (`person_events` records every applied event), each new event is
 * attributed to a person by the identity graph and folded into that person's profile; groups whose
 * history changed (merges, unmerges, gifts marked afterwards) are recomputed from the log. Then the
 * touched profiles go to hot state, where the serving path reads them.
 */
import type { EventRecord } from '../core/index.ts'
import type { HotState } from '../hot-state/index.ts'
import { type Identifier, IdentityGraph, identifiersOf, type IdentityLimits, RANK } from '../identity/index.ts'
import type { PeopleTx, Store } from '../storage/index.ts'
import { AUDIENCE, type AffinityWeights, emptyState, type FoldContext, foldAll, foldEvent, ownValue, parseState, type ProfileState } from './profile-state.ts'

/** The stream consumer name of the projector. */
export const PROFILE_CONSUMER = 'profiles'

export interface ProfileSettings {
  halfLifeMs: number
  weights: AffinityWeights
  consentDefaults: Record<string, boolean>
  limits: IdentityLimits
}

/** Who a delivery changed: the roots whose behaviour changed, and the roots merged away (their profiles removed). */
export interface ProjectorOutcome {
  touched: string[]
  removed: string[]
}

export interface ProjectorStats {
  events: number
  merges: number
  refusedMerges: number
  reassigned: number
  refusedLinks: number
  recomputed: number
}

/** How long the list of sensitive categories is reused before it is read again. */
const SENSITIVE_TTL_MS = 30_000

export class ProfileProjector {
  readonly #store: Store
  readonly #hot: HotState
  readonly #settings: ProfileSettings
  readonly #loggedRefusals = new Set<string>()
  #sensitive: { paths: Set<string>; at: number } | null = null
  readonly stats: ProjectorStats = { events: 0, merges: 0, refusedMerges: 0, reassigned: 0, refusedLinks: 0, recomputed: 0 }

  constructor(store: Store, hot: HotState, settings: ProfileSettings) {
    this.#store = store
    this.#hot = hot
    this.#settings = settings
  }

  get settings(): ProfileSettings {
    return this.#settings
  }

  /**
   * Applies a delivery; returns who it changed (audience events, which change no profile, touch nobody), so
   * the segment engine evaluates just them.
   */
  async apply(events: readonly EventRecord[]): Promise<ProjectorOutcome> {
    const unique = [...new Map(events.map((e) => [e.messageId, e])).values()]
    if (unique.length === 0) return { touched: [], removed: [] }
    const isSensitive = await this.#sensitivity()
    const result = await this.#store.writePeople(async (tx) => {
      const seen = await tx.seenEvents(unique.map((e) => e.messageId))
      const todo = unique.filter((e) => !seen.has(e.messageId))
      if (todo.length === 0) return null
      const graph = new IdentityGraph(tx, { limits: this.#settings.limits, loggedRefusals: this.#loggedRefusals })
      // Audience events name their person: no identifiers to resolve, no profile to load or write.
      const idsOf = new Map(todo.map((e) => [e.messageId, AUDIENCE.has(e.kind) ? [] : identifiersOf(e)]))
      await graph.preload([...idsOf.values()].flat())
      // The people audience events name, in one read (a recompute announces thousands at once).
      await graph.preloadPeople(todo.filter((e) => AUDIENCE.has(e.kind)).map((e) => String((e.message.properties as Record<string, unknown> | undefined)?.person_id ?? '')))
      const ctx = await this.#context(tx, todo, isSensitive)
      // Bulk reads of everyone this delivery touches, instead of a few queries per event.
      const states = new Map<string, ProfileState>()
      for (const row of await tx.getProfiles(await graph.preloadGroups())) states.set(row.personId, parseState(row.state))
      const rows: { messageId: string; personId: string; timestamp: number }[] = []
      const touched = new Set<string>()
      for (const e of todo) {
        const attribution = await this.#attribute(graph, e, idsOf.get(e.messageId)!)
        rows.push({ messageId: e.messageId, personId: attribution?.personId ?? '', timestamp: e.timestamp })
        if (AUDIENCE.has(e.kind)) continue
        if (attribution) touched.add(attribution.root)
        for (const gone of graph.removed) states.delete(gone)
        if (!attribution || graph.recompute.has(attribution.root)) continue
        const state = states.get(attribution.root) ?? (await this.#load(tx, attribution.root)) ?? emptyState(e.timestamp)
        states.set(attribution.root, state)
        if (foldEvent(state, e, ctx) === 'retroactive') graph.recompute.add(attribution.root)
      }
      await graph.flush()
      await tx.insertPersonEvents(rows)
      for (const root of graph.recompute) {
        const history = await tx.eventsOfPeople(await graph.nodesOf(root))
        states.set(root, foldAll(history, await this.#context(tx, history, isSensitive)))
      }
      for (const gone of graph.removed) states.delete(gone)
      await tx.deleteProfiles([...graph.removed])
      const now = Date.now()
      await tx.putProfiles(
        [...states].map(([personId, s]) => ({
          personId,
          state: JSON.stringify(s),
          orders: s.orders.count,
          revenue: s.orders.revenue,
          lastOrder: s.orders.last,
          updatedAt: now,
          lastSeen: s.lastSeen,
          personalization: ownValue(s.consent, 'personalization')?.granted ?? null,
        })),
      )
      this.stats.events += todo.length
      this.stats.merges += graph.stats.merges
      this.stats.refusedMerges += graph.stats.refusedMerges
      this.stats.reassigned += graph.stats.reassigned
      this.stats.refusedLinks += graph.stats.refusedLinks
      this.stats.recomputed += graph.recompute.size
      for (const root of graph.recompute) touched.add(root)
      for (const gone of graph.removed) touched.delete(gone)
      return { states, removed: [...graph.removed], touched: [...touched] }
    })
    if (!result) return { touched: [], removed: [] }
    await this.#hot.deleteProfiles(result.removed)
    // Concurrent, so Redis pipelines them.
    await Promise.all([...result.states].map(([personId, state]) => this.#hot.putProfile(personId, JSON.stringify(state))))
    return { touched: result.touched, removed: result.removed }
  }

  /** Recomputes every profile from the log (after a settings change, or to check the live ones). */
  async rebuild(onProgress?: (done: number) => void): Promise<number> {
    await this.#store.resetPeople()
    this.#loggedRefusals.clear()
    let after = 0
    let done = 0
    for (;;) {
      const batch = await this.#store.readEvents(after, 2000)
      if (batch.length === 0) break
      await this.apply(batch)
      after = batch.at(-1)!.seq
      done += batch.length
      onProgress?.(done)
    }
    return done
  }

  /**
   * Folds a person's whole history again, read only, telling `onCredit` of every affinity score an
   * event adds: what the person page shows as the events behind an affinity. Null without events.
   */
  async replay(root: string, onCredit: NonNullable<FoldContext['onCredit']>): Promise<ProfileState | null> {
    const isSensitive = await this.#sensitivity()
    return this.#store.readPeople(async (tx) => {
      const nodes = [root, ...(await tx.membersOf([root])).map((m) => m.id)]
      const history = await tx.eventsOfPeople(nodes)
      if (history.length === 0) return null
      return foldAll(history, { ...(await this.#context(tx, history, isSensitive)), onCredit })
    })
  }

  async #attribute(graph: IdentityGraph, e: EventRecord, ids: Identifier[]) {
    const props = (e.message.properties ?? {}) as Record<string, unknown>
    switch (e.kind) {
      case 'preferences_updated':
      case 'consent_updated': {
        const personId = String(props.personId ?? '')
        if (!(await graph.lookupPerson(personId))) return null
        return { personId, root: await graph.rootOf(personId) }
      }
      case 'identities_merged': {
        const [a, b] = [String(props.personId ?? ''), String(props.otherPersonId ?? '')]
        if (!(await graph.lookupPerson(a)) || !(await graph.lookupPerson(b))) return null
        const [ra, rb] = [await graph.rootOf(a), await graph.rootOf(b)]
        if (ra === rb) return { personId: a, root: ra }
        const force = props.force === true
        if (!force && !(await graph.mergeAllowed(ra, rb))) return { personId: a, root: ra }
        return { personId: a, root: await graph.merge(ra, rb, force ? 'api (forced)' : 'api', e, [], force) }
      }
      case 'audience_entered':
      case 'audience_exited': {
        // The engine names the person it evaluated; the ids on the event are for those who read the log.
        const personId = String(props.person_id ?? '')
        if (!(await graph.lookupPerson(personId))) return null
        return { personId, root: await graph.rootOf(personId) }
      }
      case 'identities_unmerged': {
        const outcome = await graph.unmerge(String(props.mergeId ?? ''), e)
        return 'roots' in outcome ? { personId: outcome.roots[0], root: outcome.roots[0] } : null
      }
      default:
        break
    }
    if (e.type === 'alias' && typeof e.message.previousId === 'string') {
      const previous = e.message.previousId
      const asUser: Identifier = { type: 'user_id', value: previous }
      const asAnonymous: Identifier = { type: 'anonymous_id', value: previous }
      ids = [...ids, (await graph.lookup(asUser)) ? asUser : asAnonymous].sort((x, y) => RANK[y.type] - RANK[x.type])
    }
    return graph.resolve(e, ids, e.type === 'identify' || e.type === 'alias' ? e.type : 'event')
  }

  async #load(tx: PeopleTx, root: string): Promise<ProfileState | null> {
    const [row] = await tx.getProfiles([root])
    return row ? parseState(row.state) : null
  }

  async #context(tx: PeopleTx, events: readonly EventRecord[], isSensitive: (path: string) => boolean): Promise<FoldContext> {
    const itemIds = new Set(events.flatMap((e) => (e.data.products ?? []).map((p) => p.itemId)))
    const facts = await tx.itemFacts([...itemIds])
    return {
      halfLifeMs: this.#settings.halfLifeMs,
      weights: this.#settings.weights,
      consentDefaults: this.#settings.consentDefaults,
      items: new Map(facts.map((f) => [f.id, f])),
      isSensitive,
    }
  }

  async #sensitivity(): Promise<(path: string) => boolean> {
    if (!this.#sensitive || Date.now() - this.#sensitive.at > SENSITIVE_TTL_MS) {
      const paths = new Set((await this.#store.listCategories()).filter((c) => c.sensitive || c.inheritedSensitive).map((c) => c.path))
      this.#sensitive = { paths, at: Date.now() }
    }
    const { paths } = this.#sensitive
    return (path) => paths.has(path)
  }
}
