/**
 * Answers a page's placements in one call: each placement's strategy runs down its fallback chain until
 * enough items pass the filters; items already given to an earlier placement are not repeated; every
 * item comes with a reason, and the answer says which level of the chain served it. A placement's rules
 * (rules.ts) pin items first, rescale scores within each level, and cap items per category or brand.
 */
import { randomUUID } from 'node:crypto'
import { AttuneError, type Item } from '../core/index.ts'
import { consentGiven, type ProfileState } from '../profiles/index.ts'
import type { PeopleCache } from './people-cache.ts'
import { FactorScorer } from '../models/index.ts'
import type { Store } from '../storage/index.ts'
import type { Artifact, ModelRegistry } from '../training/index.ts'
import { ItemCache } from './item-cache.ts'
import { topCandidates } from './top.ts'
import { type PersonFacts, rejection } from './filters.ts'
import type { Placement, RecommendationRequest } from './request.ts'
import { Diversity, rerank, rescores } from './rules.ts'
import { type Candidate, CHAINS, candidates, type Reason, type SourceContext, type SourceName } from './sources.ts'

export interface RecommendedItem {
  id: string
  score: number
  reason: string
  title: string | null
  price: number | null
  currency: string | null
  imageUrl: string | null
  url: string | null
  categories: string[]
  brand: string | null
}

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
}

export interface RecommendationAnswer {
  recommId: string
  modelVersion: string | null
  personalized: boolean
  /** Why the answer is not personalized, when it is not. */
  note: string | null
  placements: PlacementAnswer[]
}

/** Candidates examined per level before giving up on it (filters may reject many). */
const LEVEL_CANDIDATES = 400

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

  constructor(store: Store, models: ModelRegistry, people: PeopleCache, consentDefaults: Record<string, boolean>, sensitive: () => Promise<(path: string) => boolean>) {
    this.#models = models
    this.#people = people
    this.#consentDefaults = consentDefaults
    this.#sensitive = sensitive
    this.#items = new ItemCache(store)
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
    const isSensitive = await this.#sensitive()
    const mayUseSensitive = state !== null && consentGiven(state, 'sensitive', {})
    const { itemIndex, personRow, scorer } = indexesOf(artifact)
    const factorRow = personalized && root ? (personRow.get(root) ?? -1) : -1
    const used = new Set<string>()
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
      placements.push(await this.#placement(placement, ctx, facts, used, isSensitive, mayUseSensitive))
    }
    return { answer: { recommId: randomUUID(), modelVersion: loaded.version.id, personalized, note, placements }, personId: root }
  }

  async #placement(p: Placement, ctx: SourceContext, facts: PersonFacts, used: Set<string>, isSensitive: (path: string) => boolean, mayUseSensitive: boolean): Promise<PlacementAnswer> {
    const count = p.count ?? 10
    // Chosen items; their views (with reasons naming other items) are made once the placement is full.
    const items: { item: Item; c: Candidate }[] = []
    const servedBy: PlacementAnswer['servedBy'] = []
    const context = new Set([ctx.itemId, ...(ctx.itemIds ?? [])].filter((x): x is string => x !== undefined))
    const diversity = new Diversity(p.rules)
    // Adds an item when it is new to the page, passes the filters and fits the diversity limits (pins count
    // towards the limits but are not held back by them).
    const take = (item: Item | undefined, c: Candidate, pinned = false): boolean => {
      if (!item || used.has(item.id) || context.has(item.id) || (!pinned && !diversity.allows(item))) return false
      if (rejection(item, p.filters ?? {}, facts, isSensitive, mayUseSensitive) !== null) return false
      used.add(item.id)
      diversity.add(item)
      items.push({ item, c })
      return true
    }
    if (p.rules?.pin?.length) {
      const pinned = await this.#items.get(p.rules.pin)
      let any = false
      for (const id of p.rules.pin) {
        if (items.length >= count) break
        if (take(pinned.get(id), { index: -1, score: 1, reason: { kind: 'featured' } }, true)) any = true
      }
      if (any) servedBy.push('pinned')
    }
    const rescoring = rescores(p.rules)
    const idOf = (c: Candidate) => ctx.artifact.items[c.index]!
    const fresh = (c: Candidate) => !used.has(idOf(c)) && !context.has(idOf(c))
    for (const source of CHAINS[p.strategy]) {
      if (items.length >= count) break
      const before = items.length
      // Most answers are full after a few dozen candidates, so a level first examines a few per item
      // asked for, and all LEVEL_CANDIDATES only when the filters rejected too many. Rules that rescore
      // can lift any candidate, so they see all of them at once.
      for (let limit = rescoring ? LEVEL_CANDIDATES : Math.min(LEVEL_CANDIDATES, Math.max(40, 5 * count)); ; limit = LEVEL_CANDIDATES) {
        const found = topCandidates(candidates(source, { ...ctx, limit: limit + used.size + context.size }).filter(fresh), limit)
        // Rescoring needs every candidate's details; otherwise they are fetched a slice at a time.
        const all = rescoring ? await this.#items.get(found.map(idOf)) : null
        const ordered = all ? rerank(found, (c) => all.get(idOf(c)), p.rules) : found
        const slice = Math.max(40, 4 * count)
        for (let start = 0; start < ordered.length && items.length < count; start += slice) {
          const part = ordered.slice(start, start + slice)
          const details = all ?? (await this.#items.get(part.map(idOf)))
          for (const c of part) {
            if (items.length >= count) break
            take(details.get(idOf(c)), c)
          }
        }
        if (items.length >= count || found.length < limit || limit >= LEVEL_CANDIDATES) break
      }
      if (items.length > before) servedBy.push(source)
    }
    const named = await this.#items.get(items.flatMap(({ c }) => (c.reason.itemId ? [c.reason.itemId] : [])))
    const views = items.map(({ item, c }) => this.#view(item, c, named))
    return { id: p.id ?? null, strategy: p.strategy, items: views, servedBy, partial: items.length < count }
  }

  #view(item: Item, c: Candidate, named: Map<string, Item>): RecommendedItem {
    return {
      id: item.id,
      score: Math.round(c.score * 1e4) / 1e4,
      reason: this.#reasonText(c.reason, named),
      title: item.title,
      price: item.price,
      currency: item.currency,
      imageUrl: item.imageUrl,
      url: item.url,
      categories: item.categories,
      brand: item.brand,
    }
  }

  #reasonText(r: Reason, named: Map<string, Item>): string {
    const title = (r.itemId && named.get(r.itemId)?.title) ?? r.itemId ?? 'an item'
    switch (r.kind) {
      case 'viewed':
        return `Because you viewed ${title}`
      case 'bought':
        return 'Picked for you from what you bought'
      case 'also-bought':
        return `Customers who bought ${title} also bought this`
      case 'also-viewed':
        return `Customers who viewed ${title} also viewed this`
      case 'similar':
        return `Similar to ${title}`
      case 'complete-the-look':
        return `Goes with ${title}`
      case 'cart':
        return `Goes with ${title} in your cart`
      case 'trending':
        return 'Trending now'
      case 'category-bestseller':
        return `Popular in ${r.category?.split(' > ').at(-1) ?? 'this category'}`
      case 'bestseller':
        return 'Bestseller'
      case 'recently-viewed':
        return 'You viewed this recently'
      case 'new':
        return 'New in'
      case 'featured':
        return 'Featured'
    }
  }
}
