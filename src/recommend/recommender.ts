/**
 * Answers a page's placements in one call: each placement's strategy runs down its fallback chain until
 * enough items pass the filters; items already given to an earlier placement are not repeated; every
 * item comes with a reason, and the answer says which level of the chain served it (placement.ts fills a
 * placement; rules.ts holds its business rules).
 */
import { AttuneError, type Item, timeOrderedId } from '../core/index.ts'
import { FactorScorer } from '../models/index.ts'
import { type Affinity, consentGiven, type ProfileState, rankAffinities } from '../profiles/index.ts'
import type { Store } from '../storage/index.ts'
import type { Artifact, ModelRegistry } from '../training/index.ts'
import type { PersonFacts } from './filters.ts'
import { AnswerCache } from './answer-cache.ts'
import { ItemCache } from './item-cache.ts'
import { itemView, type RecommendedItem } from './item-view.ts'
import type { PeopleCache } from './people-cache.ts'
import { fillPlacement, type LevelExplanation, type PlacementEnv } from './placement.ts'
import type { Placement, RecommendationRequest } from './request.ts'
import { CHAINS, type ContextItem, parentOf, type SourceContext, type SourceName } from './sources.ts'

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
  readonly #consentDefaults: () => Record<string, boolean>
  readonly #sensitive: () => Promise<(path: string) => boolean>
  readonly #items: ItemCache
  readonly #answers: AnswerCache
  readonly #halfLifeMs: number

  constructor(
    store: Store,
    models: ModelRegistry,
    people: PeopleCache,
    /** Asked at every request: the consent defaults in force (they change with the settings). */
    consentDefaults: () => Record<string, boolean>,
    sensitive: () => Promise<(path: string) => boolean>,
    options: { answerCacheMs?: number; affinityHalfLifeMs?: number } = {},
  ) {
    this.#halfLifeMs = options.affinityHalfLifeMs ?? 30 * 864e5
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
    const personalized = state !== null && consentGiven(state, 'personalization', this.#consentDefaults())
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
    // Profile interests and the session's content only for chains that have those levels.
    const chains = request.placements.map((p) => CHAINS[p.strategy])
    const favourites = personalized && state && chains.some((c) => c.includes('favourite-categories')) ? favouritesOf(state, this.#halfLifeMs) : { categories: [], brands: [] }
    const recent = personalized ? (state?.recent ?? []).map(([id]) => id) : []
    // The session's views the model does not know (added after training) are compared by content.
    const unknownRecent = chains.some((c) => c.includes('session-similar')) ? recent.filter((id) => !itemIndex.has(id)).slice(0, 5) : []
    const recentContent = unknownRecent.length > 0 ? contextItems(unknownRecent, await this.#items.get(unknownRecent), artifact, itemIndex) : []
    for (const placement of request.placements) {
      const itemIds = placement.itemIds ?? (placement.strategy === 'cart' && state ? Object.keys(state.cart) : undefined)
      const pageIds = [...(placement.itemId === undefined ? [] : [placement.itemId]), ...(itemIds ?? [])]
      const ctx: SourceContext = {
        artifact,
        itemIndex,
        recent,
        purchased: personalized ? (state?.purchased ?? []) : [],
        factorRow: factorRow >= 0 ? factorRow : null,
        scorer,
        itemId: placement.itemId,
        itemIds,
        category: placement.category,
        context: pageIds.length > 0 ? contextItems(pageIds, await this.#items.get(pageIds), artifact, itemIndex) : [],
        favourites,
        recentContent,
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
        note: placementNote(placement, ctx, levels, servedBy, chosen.length, count),
        ...(request.explain && { explain: levels }),
      })
    }
    if (key !== null) this.#answers.set(key, placements)
    return { answer: { recommId: timeOrderedId(), modelVersion: loaded.version.id, personalized, note, placements }, personId: root }
  }

}

/** The page's items: category and brand from the live catalogue (else the model), content for similarity. */
function contextItems(ids: readonly string[], live: ReadonlyMap<string, Item>, a: Artifact, itemIndex: ReadonlyMap<string, number>): ContextItem[] {
  return ids.map((id) => {
    const item = live.get(id)
    const i = itemIndex.get(id)
    return {
      id,
      category: item?.categories[0] ?? (i === undefined ? '' : a.primaryCategory[i]!),
      brand: item?.brand ?? (i === undefined ? '' : a.brand[i]!),
      content: item ? { title: item.title, description: item.description, categories: item.categories, brand: item.brand, tags: item.tags, price: item.price, updatedAt: item.updatedAt } : null,
    }
  })
}

const FAVOURITES = 3

/**
 * The person's strongest categories and brands from the real-time profile. A category's own weight is
 * its score minus its children's (an affinity is kept for every ancestor), so "Shoes > Running" comes
 * before "Shoes", and "Shoes" only counts for what was not in any of its subcategories.
 */
function favouritesOf(state: Readonly<ProfileState>, halfLifeMs: number): NonNullable<SourceContext['favourites']> {
  const now = Date.now()
  const prefs = state.preferences
  const categories = rankAffinities(state.categories, prefs.categories.liked, prefs.categories.disliked, now, halfLifeMs, 30)
  const own = categories.map((c): Affinity => ({ ...c, score: c.source === 'explicit' ? c.score : c.score - categories.filter((d) => d.source === 'inferred' && parentOf(d.name) === c.name).reduce((sum, d) => sum + d.score, 0) }))
  const top = (list: Affinity[]) => {
    const kept = list.filter((x) => x.score > 1e-9).sort((x, y) => y.score - x.score || x.name.localeCompare(y.name)).slice(0, FAVOURITES)
    const best = kept[0]?.score ?? 1
    return kept.map((x) => ({ name: x.name, share: x.score / best }))
  }
  return { categories: top(own), brands: top(rankAffinities(state.brands, prefs.brands.liked, prefs.brands.disliked, now, halfLifeMs, FAVOURITES)) }
}

/** How each level is named in a note. */
const LEVEL_NAMES: Record<SourceName, string> = {
  personal: 'personal picks',
  'session-similar': "items like this session's views",
  'favourite-categories': "the person's favourite categories",
  'favourite-brands': "the person's favourite brands",
  'recently-viewed': 'recently viewed',
  'also-bought': 'also bought',
  'also-viewed': 'also viewed',
  similar: 'content similarity',
  'complete-the-look': 'bought together across categories',
  'complementary-categories': 'popular items of complementary categories',
  cart: 'what goes with the cart',
  'category-bestsellers': "the category's bestsellers",
  'same-category': 'the same category',
  'parent-category': 'the parent category',
  'same-brand': 'the same brand',
  trending: 'trending items',
  bestsellers: 'global bestsellers',
  'new-arrivals': 'new arrivals',
}
const GLOBAL: ReadonlySet<SourceName | 'pinned'> = new Set(['trending', 'bestsellers', 'new-arrivals'])

/**
 * What the caller should know about a placement's answer: items of the page unknown to the model, which
 * fallback levels served (and when it came to global rankings, that nothing nearer was known), no
 * evidence of complements, a short answer.
 */
function placementNote(p: Placement, ctx: SourceContext, levels: readonly LevelExplanation[], servedBy: readonly (SourceName | 'pinned')[], given: number, count: number): string | null {
  const itemIndex = ctx.itemIndex
  const unknown = [p.itemId, ...(p.itemIds ?? [])].filter((id): id is string => id !== undefined && !itemIndex.has(id))
  const own = CHAINS[p.strategy][0]!
  // The bestsellers of no particular category are the strategy's own answer, not a fallback.
  const fallbacks = servedBy.filter((s): s is SourceName => s !== 'pinned' && s !== own && !(p.strategy === 'bestsellers' && p.category === undefined && s === 'bestsellers'))
  const notes: string[] = []
  if (unknown.length > 0) {
    const live = servedBy.some((s) => s === 'similar' || s === 'same-category' || s === 'parent-category' || s === 'same-brand' || s === 'complementary-categories')
    notes.push(`${unknown.map((id) => `"${id}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in the model (new, or without interactions): answered from ${live ? 'its details in the live catalogue' : 'the rest of the fallback chain'}`)
  }
  if (p.strategy === 'complete-the-look') {
    const offered = levels.filter((l) => l.source !== 'pinned').reduce((n, l) => n + l.candidates, 0)
    if (offered === 0) {
      const categories = [...new Set((ctx.context ?? []).map((c) => c.category).filter((c) => c !== ''))]
      notes.push(`no evidence of complements${categories.length > 0 ? ` for ${categories.join(', ')}` : ''}: nothing is bought with ${categories.length > 0 ? 'it' : 'these items'} in orders across categories yet`)
    }
  }
  if (fallbacks.length > 0) {
    const widened = p.strategy === 'bestsellers' && p.category !== undefined
    const near = fallbacks.filter((s) => !GLOBAL.has(s))
    const global = fallbacks.filter((s) => GLOBAL.has(s))
    const parts = [
      ...(near.length > 0 ? [`fallback: ${near.map((s) => (s === 'parent-category' && widened ? `the parent category "${parentOf(p.category!)}"` : LEVEL_NAMES[s])).join(', then ')}`] : []),
      ...(global.length > 0 ? [`${near.length > 0 ? 'then ' : 'fallback: '}${global.map((s) => LEVEL_NAMES[s]).join(' and ')}, as nothing nearer ${widened ? `to "${p.category}"` : 'to the page or the person'} was known`] : []),
    ]
    if (widened) notes.push(`few sales in "${p.category}": widened (${parts.join('; ')})`)
    else notes.push(parts.join('; '))
  }
  if (given < count) notes.push(`only ${given} of ${count} items passed the filters and rules down the whole fallback chain`)
  return notes.length > 0 ? notes.join('; ') : null
}
