/**
 * Candidate sources: each turns the trained artifact plus what is known of the person and the page into
 * scored items with a reason. A strategy is a chain of sources tried in order (the fallback chain), so a
 * new visitor, an unknown item or an empty category still gets a sensible answer.
 */
import { type FactorScorer, type Neighbours, neighboursOf } from '../models/index.ts'
import { topIndices } from './top.ts'
import type { Artifact } from '../training/index.ts'
import type { Strategy } from './request.ts'

export interface Reason {
  kind: 'viewed' | 'bought' | 'also-bought' | 'also-viewed' | 'similar' | 'complete-the-look' | 'cart' | 'trending' | 'bestseller' | 'category-bestseller' | 'recently-viewed' | 'new' | 'featured'
  /** The item the reason names (shown by its title), if any. */
  itemId?: string
  category?: string
}

export interface Candidate {
  index: number
  score: number
  reason: Reason
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
}

export type SourceName = 'personal' | 'recently-viewed' | 'also-bought' | 'also-viewed' | 'similar' | 'complete-the-look' | 'cart' | 'category-bestsellers' | 'trending' | 'bestsellers' | 'new-arrivals'

/** The fallback chain of each strategy; `bestsellers` and `new-arrivals` end every chain. */
export const CHAINS: Record<Strategy, SourceName[]> = {
  'for-you': ['personal', 'category-bestsellers', 'trending', 'bestsellers', 'new-arrivals'],
  'email-picks': ['personal', 'bestsellers', 'new-arrivals'],
  'also-bought': ['also-bought', 'also-viewed', 'similar', 'category-bestsellers', 'bestsellers', 'new-arrivals'],
  'also-viewed': ['also-viewed', 'also-bought', 'similar', 'category-bestsellers', 'bestsellers', 'new-arrivals'],
  similar: ['similar', 'also-viewed', 'category-bestsellers', 'bestsellers', 'new-arrivals'],
  'complete-the-look': ['complete-the-look', 'also-bought', 'bestsellers', 'new-arrivals'],
  cart: ['cart', 'complete-the-look', 'personal', 'bestsellers', 'new-arrivals'],
  trending: ['trending', 'bestsellers', 'new-arrivals'],
  bestsellers: ['category-bestsellers', 'bestsellers', 'new-arrivals'],
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
  const out = Array.from(top, (j): Candidate => {
    const seed = s.from[j]!
    return { index: j, score: total[j]!, reason: seed >= 0 ? { kind: 'viewed', itemId: seeds[seed]![0] } : { kind: 'bought' } }
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
  switch (source) {
    case 'personal':
      return ctx.recent.length + ctx.purchased.length + (ctx.factorRow === null ? 0 : 1) > 0 ? personal(ctx) : []
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
      return fromSeeds(a.similar, seed, ctx, 'similar')
    case 'complete-the-look':
      return fromSeeds(a.completeTheLook, seed, ctx, 'complete-the-look')
    case 'cart':
      return [...fromSeeds(a.alsoBought, seed, ctx, 'cart'), ...fromSeeds(a.completeTheLook, seed, ctx, 'cart')]
    case 'category-bestsellers': {
      const category = ctx.category ?? categoryOfContext(ctx)
      const list = category ? a.perCategory.get(category) : undefined
      return list ? ranked(list, { kind: 'category-bestseller', category }, ctx.limit) : []
    }
    case 'trending':
      return ranked(a.trending, { kind: 'trending' }, ctx.limit)
    case 'bestsellers':
      return ranked(a.bestsellers, { kind: 'bestseller' }, ctx.limit)
    case 'new-arrivals':
      return ranked(a.newArrivals, { kind: 'new' }, ctx.limit)
  }
}

/** A product page's or the person's top category, for "popular in ...". */
function categoryOfContext(ctx: SourceContext): string | undefined {
  const index = ctx.itemId === undefined ? undefined : ctx.itemIndex.get(ctx.itemId)
  return index === undefined ? undefined : ctx.artifact.primaryCategory[index] || undefined
}
