/**
 * Answers a page's placements in one call: each placement's strategy runs down its fallback chain until
 * enough items pass the filters; items already given to an earlier placement are not repeated; every
 * item comes with a reason, and the answer says which level of the chain served it (placement.ts fills a
 * placement; rules.ts holds its business rules).
 */
import { AttuneError, timeOrderedId } from '../core/index.ts'
import { FactorScorer } from '../models/index.ts'
import { consentGiven, type ProfileState } from '../profiles/index.ts'
import type { Store } from '../storage/index.ts'
import type { Artifact, ModelRegistry } from '../training/index.ts'
import type { PersonFacts } from './filters.ts'
import { AnswerCache } from './answer-cache.ts'
import { ItemCache } from './item-cache.ts'
import { itemView, type RecommendedItem } from './item-view.ts'
import type { PeopleCache } from './people-cache.ts'
import { fillPlacement, type LevelExplanation, type PlacementEnv } from './placement.ts'
import type { Placement, RecommendationRequest } from './request.ts'
import type { SourceContext, SourceName } from './sources.ts'

export interface PlacementAnswer {
  id: string | null
  strategy: string
  items: RecommendedItem[]
  /**
   * The chain levels that supplied items, in order (the first is the strategy's own when it could answer);
   * `pinned` first when the rules' pinned items supplied some.
   */
  servedBy: (SourceName | 'pinned')[]
  /** True when fewer items than asked passed the filters. */
  partial: boolean
  /** Says why the placement is partial, when it is. */
  note: string | null
  explain?: LevelExplanation[]
}

export interface RecommendationAnswer {
  recommId: string
  modelVersion: string | null
  personalized: boolean
  /** Why the answer is not personalized, when it is not. */
  note: string | null
  placements: PlacementAnswer[]
}

/** Id lookups of an artifact, built once per loaded version (not per request). */
const indexes = new WeakMap<Artifact, { itemIndex: Map<string, number>; personRow: Map<string, number>; scorer: FactorScorer | null }>()
function indexesOf(artifact: Artifact) {
  let found = indexes.get(artifact)
  if (!found) {
    const f = artifact.factors
    found = {
      itemIndex: new Map(artifact.items.map((id, i) => [id, i])),
      personRow: new Map(artifact.people.map((id, i) => [id, i])),
      scorer: f ? new FactorScorer(f.people, f.items, f.dim) : null,
    }
    indexes.set(artifact, found)
  }
  return found
}

export class Recommender {
  readonly #models: ModelRegistry
  readonly #people: PeopleCache
  readonly #consentDefaults: Record<string, boolean>
  readonly #sensitive: () => Promise<(path: string) => boolean>
  readonly #items: ItemCache
  readonly #answers: AnswerCache

  constructor(
    store: Store,
    models: ModelRegistry,
    people: PeopleCache,
    consentDefaults: Record<string, boolean>,
    sensitive: () => Promise<(path: string) => boolean>,
    options: { answerCacheMs?: number } = {},
  ) {
    this.#models = models
    this.#people = people
    this.#consentDefaults = consentDefaults
    this.#sensitive = sensitive
    this.#items = new ItemCache(store)
    this.#answers = new AnswerCache(options.answerCacheMs ?? 0)
  }

  /** How often non-personalized answers were reused (also on /metrics). */
  get answerCacheStats(): { hits: number; misses: number } {
    return { hits: this.#answers.hits, misses: this.#answers.misses }
  }

  /** The answer, and the canonical person it was for (null when none is known), for attribution. */
  async recommend(request: RecommendationRequest): Promise<{ answer: RecommendationAnswer; personId: string | null }> {
    const loaded = this.#models.current
    if (!loaded) throw new AttuneError('unavailable', 'no model is trained yet: train one (POST /v1/models/train) or wait for the scheduled training')
    const { artifact } = loaded
    const ref = request.userId ?? request.anonymousId
    const served = ref ? await this.#people.get(ref, request.userId ? 'user_id' : 'anonymous_id') : null
    const root = served?.root ?? null
    const state: ProfileState | null = served?.state ?? null
    const personalized = state !== null && consentGiven(state, 'personalization', this.#consentDefaults)
    const note = !ref ? 'anonymous request' : !state ? 'unknown person: non-personalized answer' : personalized ? null : 'no personalization consent: non-personalized answer'
    const facts: PersonFacts = {
      bought: new Set(state?.purchased ?? []),
      cart: new Set(Object.keys(state?.cart ?? {})),
      notForMe: new Set(state?.preferences.notForMe ?? []),
      dislikedCategories: state?.preferences.categories.disliked ?? [],
      dislikedBrands: state?.preferences.brands.disliked ?? [],
    }
    // Without a person the answer depends on the request alone (for this model version and catalogue).
    const key = state === null && !request.explain && this.#answers.enabled ? JSON.stringify([loaded.version.id, note, request.placements, request.fields ?? null]) : null
    const cached = key === null ? null : this.#answers.get(key)
    if (cached) return { answer: { recommId: timeOrderedId(), modelVersion: loaded.version.id, personalized, note, placements: [...cached] }, personId: root }
    const { itemIndex, personRow, scorer } = indexesOf(artifact)
    const factorRow = personalized && root ? (personRow.get(root) ?? -1) : -1
    const env: PlacementEnv = { items: this.#items, facts, used: new Set(), isSensitive: await this.#sensitive(), mayUseSensitive: state !== null && consentGiven(state, 'sensitive', {}) }
    const placements: PlacementAnswer[] = []
    for (const placement of request.placements) {
      const ctx: SourceContext = {
        artifact,
        itemIndex,
        recent: personalized ? (state?.recent ?? []).map(([id]) => id) : [],
        purchased: personalized ? (state?.purchased ?? []) : [],
        factorRow: factorRow >= 0 ? factorRow : null,
        scorer,
        itemId: placement.itemId,
        itemIds: placement.itemIds ?? (placement.strategy === 'cart' && state ? Object.keys(state.cart) : undefined),
        category: placement.category,
      }
      const count = placement.count ?? 10
      const { chosen, servedBy, levels } = await fillPlacement(placement, ctx, env)
      const named = await this.#items.get(chosen.flatMap(({ c }) => (c.reason.itemId ? [c.reason.itemId] : [])))
      placements.push({
        id: placement.id ?? null,
        strategy: placement.strategy,
        items: chosen.map(({ item, c }) => itemView(item, c, named, request.fields)),
        servedBy,
        partial: chosen.length < count,
        note: placementNote(placement, itemIndex, chosen.length, count),
        ...(request.explain && { explain: levels }),
      })
    }
    if (key !== null) this.#answers.set(key, placements)
    return { answer: { recommId: timeOrderedId(), modelVersion: loaded.version.id, personalized, note, placements }, personId: root }
  }

}

/** What the caller should know about a placement's answer: items of the page unknown to the model, a short answer. */
function placementNote(p: Placement, itemIndex: ReadonlyMap<string, number>, given: number, count: number): string | null {
  const unknown = [p.itemId, ...(p.itemIds ?? [])].filter((id): id is string => id !== undefined && !itemIndex.has(id))
  const notes = [
    ...(unknown.length > 0 ? [`${unknown.map((id) => `"${id}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the model (new, or without interactions): answered from the rest of the fallback chain`] : []),
    ...(given < count ? [`only ${given} of ${count} items passed the filters and rules down the whole fallback chain`] : []),
  ]
  return notes.length > 0 ? notes.join('; ') : null
}
