/**
 * Candidate sources: each turns the trained artifact plus what is known of the person and the page into
 * scored items with a reason. A strategy is a chain of sources tried in order (the fallback chain), and
 * each chain stays as near the context as the data allows: the model's neighbours, then content
 * similarity (live for items added after training), the same category, its parent, the same brand, and
 * only then the global rankings. A reason names only what produced the item.
 */
import { contentVector, type FactorScorer, type Neighbours, neighboursOf, similarTo } from '../models/index.ts'
import { topIndices } from './top.ts'
import type { Artifact } from '../training/index.ts'
import type { Strategy } from './request.ts'

export interface Reason {
  kind:
    | 'viewed' | 'bought' | 'picked' | 'also-bought' | 'also-viewed' | 'similar' | 'complete-the-look' | 'cart' | 'trending' | 'bestseller'
    | 'category-bestseller' | 'same-brand' | 'complement' | 'favourite-category' | 'favourite-brand' | 'recently-viewed' | 'new' | 'featured'
  /** The item the reason names (shown by its title), if any. */
  itemId?: string
  category?: string
  brand?: string
  /** For `complement`: the category the item goes with. */
  with?: string
}

export interface Candidate {
  index: number
  score: number
  reason: Reason
}

/** An item of the page (a product page's item, a cart's lines) as the live catalogue or the model knows it. */
export interface ContextItem {
  id: string
  /** Primary category path ('' when none is known). */
  category: string
  brand: string
  /** Title, description, tags...: what content similarity needs for an item the model does not know. */
  content: { title: string | null; description: string | null; categories: string[]; brand: string | null; tags: string[]; price: number | null; updatedAt: string } | null
}

/** What the sources know about the request. */
export interface SourceContext {
  artifact: Artifact
  itemIndex: ReadonlyMap<string, number>
  /** The person's recent views, most recent first (empty without personalization). */
  recent: readonly string[]
  purchased: readonly string[]
  /** Row in the artifact's factors, if the person was trained on. */
  factorRow: number | null
  /** Scores a factor row against every item (null when the model has no factors). */
  scorer: FactorScorer | null
  /** Ranked lists only need their first `limit` entries (a level keeps at most that many candidates). */
  limit?: number
  itemId?: string | undefined
  itemIds?: readonly string[] | undefined
  category?: string | undefined
  /** The page's items with their live catalogue details (empty when the page has none). */
  context?: readonly ContextItem[]
  /** The person's strongest interests from the real-time profile, strongest first (empty without personalization). */
  favourites?: { categories: readonly { name: string; share: number }[]; brands: readonly { name: string; share: number }[] }
  /** Content details of the session's recent views the model does not know (for `session-similar`). */
  recentContent?: readonly ContextItem[]
}

export type SourceName =
  | 'personal' | 'session-similar' | 'favourite-categories' | 'favourite-brands' | 'recently-viewed' | 'also-bought' | 'also-viewed' | 'similar'
  | 'complete-the-look' | 'complementary-categories' | 'cart' | 'category-bestsellers' | 'same-category' | 'parent-category' | 'same-brand'
  | 'trending' | 'bestsellers' | 'new-arrivals'

const NEAR_ITEM: SourceName[] = ['same-category', 'parent-category', 'same-brand', 'bestsellers', 'new-arrivals']

/**
 * The fallback chain of each strategy. Item strategies widen from the item outwards; "complete the look"
 * never falls back to bestsellers (they are no complements); a category page widens to its parent.
 */
export const CHAINS: Record<Strategy, SourceName[]> = {
  'for-you': ['personal', 'session-similar', 'favourite-categories', 'favourite-brands', 'trending', 'bestsellers', 'new-arrivals'],
  'email-picks': ['personal', 'favourite-categories', 'favourite-brands', 'bestsellers', 'new-arrivals'],
  'also-bought': ['also-bought', 'also-viewed', 'similar', ...NEAR_ITEM],
  'also-viewed': ['also-viewed', 'also-bought', 'similar', ...NEAR_ITEM],
  similar: ['similar', 'also-viewed', ...NEAR_ITEM],
  'complete-the-look': ['complete-the-look', 'complementary-categories'],
  cart: ['cart', 'complementary-categories', 'personal', 'bestsellers', 'new-arrivals'],
  trending: ['trending', 'bestsellers', 'new-arrivals'],
  bestsellers: ['category-bestsellers', 'parent-category', 'bestsellers', 'new-arrivals'],
  'recently-viewed': ['recently-viewed'],
}

function ranked(list: Int32Array, reason: Reason, limit = Infinity): Candidate[] {
  return Array.from(list.subarray(0, Math.min(list.length, limit)), (index, rank) => ({ index, score: 1 / (1 + rank), reason }))
}

/** Sums the neighbours of `seeds` (item ids with weights); the reason names the seed that gave most. */
function fromSeeds(nb: Neighbours, seeds: readonly [string, number][], ctx: SourceContext, kind: Reason['kind']): Candidate[] {
  const scores = new Map<number, { score: number; best: number; from: string }>()
  for (const [id, weight] of seeds) {
    const i = ctx.itemIndex.get(id)
    if (i === undefined) continue
    const { items, scores: sims } = neighboursOf(nb, i)
    items.forEach((j, t) => {
      const part = weight * sims[t]!
      const entry = scores.get(j) ?? { score: 0, best: -Infinity, from: id }
      entry.score += part
      if (part > entry.best) Object.assign(entry, { best: part, from: id })
      scores.set(j, entry)
    })
  }
  return [...scores].map(([index, e]) => ({ index, score: e.score, reason: { kind, itemId: e.from } }))
}

/** Recent views count most: a view five items ago counts half as much as the last one. */
function recentSeeds(ctx: SourceContext): [string, number][] {
  const seeds = new Map<string, number>()
  ctx.recent.forEach((id, rank) => seeds.set(id, (seeds.get(id) ?? 0) + 2 ** (-rank / 5)))
  ctx.purchased.slice(0, 20).forEach((id) => seeds.set(id, (seeds.get(id) ?? 0) + 0.5))
  return [...seeds]
}

/** Per-item work arrays of a model, reused by every request (serving is single-threaded and `personal` synchronous). */
interface Scratch {
  /** Summed neighbour score, and the best single seed's part and which seed gave it (-1: untouched). */
  neighbours: Float32Array
  best: Float32Array
  from: Int32Array
  total: Float32Array
}
const scratches = new WeakMap<Artifact, Scratch>()
function scratchOf(a: Artifact): Scratch {
  let s = scratches.get(a)
  if (!s) {
    const n = a.items.length
    s = { neighbours: new Float32Array(n), best: new Float32Array(n), from: new Int32Array(n).fill(-1), total: new Float32Array(n) }
    scratches.set(a, s)
  }
  return s
}

/** Candidates kept when the caller sets no limit. */
const PERSONAL_CANDIDATES = 400

/**
 * "For you": the neighbours of the session's views and past purchases, blended as trained with the
 * person's factor scores over the whole catalogue (each part scaled to a maximum of 1, weighted by the
 * validation-tuned blend). Scored in dense per-item arrays; objects are made only for the best few hundred.
 */
function personal(ctx: SourceContext): Candidate[] {
  const a = ctx.artifact
  const s = scratchOf(a)
  const seeds = recentSeeds(ctx)
  const touched: number[] = []
  seeds.forEach(([id, weight], seed) => {
    const i = ctx.itemIndex.get(id)
    if (i === undefined) return
    const { items, scores: sims } = neighboursOf(a.personal, i)
    for (let t = 0; t < items.length; t++) {
      const j = items[t]!
      const part = weight * sims[t]!
      if (s.from[j] === -1) {
        touched.push(j)
        s.from[j] = seed
        s.best[j] = part
      } else if (part > s.best[j]!) {
        s.from[j] = seed
        s.best[j] = part
      }
      s.neighbours[j] = s.neighbours[j]! + part
    }
  })
  // The blend of item j: factorScale · max(f_j, 0) + neighbourScale · neighbours_j, written into `total`
  // only for the candidates: the best factor scores and the items the neighbours touched. No other item
  // can beat the best factor scores, as it has a smaller factor part and no neighbour part.
  const total = s.total
  let neighbourScale = 1
  let factorScale = 0
  let factors: Float32Array | null = null
  let union: Int32Array = Int32Array.from(touched)
  const limit = ctx.limit ?? PERSONAL_CANDIDATES
  if (ctx.scorer && ctx.factorRow !== null && a.blend.factors !== 0) {
    factors = ctx.scorer.scores(ctx.factorRow)
    const best = topIndices(factors, limit)
    factorScale = best.length > 0 ? a.blend.factors / factors[best[0]!]! : 0
    let neighbourMax = 0
    for (const j of touched) neighbourMax = Math.max(neighbourMax, s.neighbours[j]!)
    neighbourScale = a.blend.neighbours / (neighbourMax || 1)
    // Touched items have a seed (`from` >= 0): add the best factor items that are not among them.
    union = Int32Array.from([...touched, ...best.filter((j) => s.from[j] === -1)])
  }
  union.sort()
  for (const j of union) total[j] = (factors && factors[j]! > 0 ? factorScale * factors[j]! : 0) + neighbourScale * s.neighbours[j]!
  const top = topIndices(total, limit, union)
  // A seed is named only when its own neighbour part is at least half the item's score: an item the
  // factors brought (a teddy bear for a runner) is not "because you viewed" the running shoe.
  const viewed = new Set(ctx.recent)
  const out = Array.from(top, (j): Candidate => {
    const seed = s.from[j]!
    const named = seed >= 0 && neighbourScale * s.best[j]! >= 0.5 * total[j]!
    const id = named ? seeds[seed]![0] : undefined
    const reason: Reason = id === undefined ? { kind: 'picked' } : viewed.has(id) ? { kind: 'viewed', itemId: id } : { kind: 'bought', itemId: id }
    return { index: j, score: total[j]!, reason }
  })
  for (const j of union) total[j] = 0
  for (const j of touched) {
    s.neighbours[j] = 0
    s.best[j] = 0
    s.from[j] = -1
  }
  return out
}

export function candidates(source: SourceName, ctx: SourceContext): Candidate[] {
  const a = ctx.artifact
  const seed: [string, number][] = ctx.itemId ? [[ctx.itemId, 1]] : (ctx.itemIds ?? []).map((id) => [id, 1])
  const context = ctx.context ?? []
  switch (source) {
    case 'personal':
      return ctx.recent.length + ctx.purchased.length + (ctx.factorRow === null ? 0 : 1) > 0 ? personal(ctx) : []
    case 'session-similar':
      return similarToItems(ctx, ctx.recentContent ?? [], (rank) => 2 ** (-rank / 5))
    case 'favourite-categories':
      return fromRankings(ctx, (ctx.favourites?.categories ?? []).map((f) => [a.perCategory.get(f.name), f.share, { kind: 'favourite-category', category: f.name }]))
    case 'favourite-brands':
      return fromRankings(ctx, (ctx.favourites?.brands ?? []).map((f) => [a.perBrand.get(f.name), f.share, { kind: 'favourite-brand', brand: f.name }]))
    case 'recently-viewed':
      return ctx.recent.flatMap((id, rank) => {
        const index = ctx.itemIndex.get(id)
        return index === undefined ? [] : [{ index, score: 1 / (1 + rank), reason: { kind: 'recently-viewed' as const } }]
      })
    case 'also-bought':
      return fromSeeds(a.alsoBought, seed, ctx, 'also-bought')
    case 'also-viewed':
      return fromSeeds(a.alsoViewed, seed, ctx, 'also-viewed')
    case 'similar':
      return similarToItems(ctx, context, () => 1)
    case 'complete-the-look':
      return fromSeeds(a.completeTheLook, seed, ctx, 'complete-the-look')
    case 'complementary-categories':
      return complementaryCategories(ctx, context)
    case 'cart':
      return [...fromSeeds(a.alsoBought, seed, ctx, 'cart'), ...fromSeeds(a.completeTheLook, seed, ctx, 'cart')]
    case 'category-bestsellers': {
      // A category page's category, else the page item's.
      const category = ctx.category ?? context.find((c) => c.category !== '')?.category
      const list = category ? a.perCategory.get(category) : undefined
      return list ? ranked(list, { kind: 'category-bestseller', category }, ctx.limit) : []
    }
    case 'same-category':
      return fromRankings(ctx, distinct(context.map((c) => c.category)).map((c) => [a.perCategory.get(c), 1, { kind: 'category-bestseller', category: c }]))
    case 'parent-category': {
      // A category page widens to its parent; an item page to its category's parent.
      const paths = ctx.category !== undefined ? [ctx.category] : context.map((c) => c.category)
      return fromRankings(ctx, distinct(paths.map(parentOf)).map((c) => [a.perCategory.get(c), 1, { kind: 'category-bestseller', category: c }]))
    }
    case 'same-brand':
      return fromRankings(ctx, distinct(context.map((c) => c.brand)).map((b) => [a.perBrand.get(b), 1, { kind: 'same-brand', brand: b }]))
    case 'trending':
      return ranked(a.trending, { kind: 'trending' }, ctx.limit)
    case 'bestsellers':
      return ranked(a.bestsellers, { kind: 'bestseller' }, ctx.limit)
    case 'new-arrivals':
      return ranked(a.newArrivals, { kind: 'new' }, ctx.limit)
  }
}

export function parentOf(path: string): string {
  const at = path.lastIndexOf(' > ')
  return at < 0 ? '' : path.slice(0, at)
}

const distinct = (xs: readonly string[]) => [...new Set(xs)].filter((x) => x !== '')

/** Rankings merged by weight × 1/(1 + rank); an item in several keeps its best. */
function fromRankings(ctx: SourceContext, lists: [Int32Array | undefined, number, Reason][]): Candidate[] {
  const best = new Map<number, Candidate>()
  for (const [list, weight, reason] of lists) {
    if (!list) continue
    for (const c of ranked(list, reason, ctx.limit)) {
      const score = weight * c.score
      if (score > (best.get(c.index)?.score ?? 0)) best.set(c.index, { ...c, score })
    }
  }
  return [...best.values()]
}

/**
 * Content similarity to the given items (weighted by position): the trained neighbours of an item the
 * model knows, and for one it does not, its live catalogue details compared with the trained catalogue.
 */
function similarToItems(ctx: SourceContext, items: readonly ContextItem[], weightOf: (rank: number) => number): Candidate[] {
  const scores = new Map<number, { score: number; best: number; from: string }>()
  items.forEach((item, rank) => {
    const found = similarOf(ctx, item)
    if (!found) return
    const weight = weightOf(rank)
    found.items.forEach((j, t) => {
      const part = weight * found.scores[t]!
      const entry = scores.get(j) ?? { score: 0, best: -Infinity, from: item.id }
      entry.score += part
      if (part > entry.best) Object.assign(entry, { best: part, from: item.id })
      scores.set(j, entry)
    })
  })
  return [...scores].map(([index, e]) => ({ index, score: e.score, reason: { kind: 'similar', itemId: e.from } }))
}

/** Live similarity results per model and item version; an upsert changes `updatedAt` and so the key. */
const liveSimilar = new WeakMap<Artifact, Map<string, { items: Int32Array; scores: Float32Array }>>()
const LIVE_KEPT = 10_000
const LIVE_NEIGHBOURS = 100

function similarOf(ctx: SourceContext, item: ContextItem): { items: Int32Array; scores: Float32Array } | null {
  const a = ctx.artifact
  const index = ctx.itemIndex.get(item.id)
  if (index !== undefined) return neighboursOf(a.similar, index)
  if (!a.content || !item.content) return null
  let cache = liveSimilar.get(a)
  if (!cache) liveSimilar.set(a, (cache = new Map()))
  const key = `${item.id}\u0000${item.content.updatedAt}`
  let found = cache.get(key)
  if (!found) {
    found = similarTo(a.content, contentVector(a.content, item.content), LIVE_NEIGHBOURS)
    if (cache.size >= LIVE_KEPT) cache.clear()
    cache.set(key, found)
  }
  return found
}

/**
 * Popular items of the categories bought with the page item's category (learned from baskets), weighted
 * by how strong each complement is. No complements learned: nothing (never bestsellers in disguise).
 */
function complementaryCategories(ctx: SourceContext, items: readonly ContextItem[]): Candidate[] {
  const lists: [Int32Array | undefined, number, Reason][] = []
  for (const c of distinct(items.map((i) => i.category))) {
    const complements = ctx.artifact.complements.get(c) ?? []
    const strongest = complements[0]?.strength ?? 1
    for (const k of complements) lists.push([ctx.artifact.perCategory.get(k.category), k.strength / strongest, { kind: 'complement', category: k.category, with: c }])
  }
  return fromRankings(ctx, lists)
}
