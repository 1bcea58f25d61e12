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

/** Factor candidates kept per request: enough for any level's filters (see LEVEL_CANDIDATES). */
const FACTOR_CANDIDATES = 400

function personal(ctx: SourceContext): Candidate[] {
  const a = ctx.artifact
  const byNeighbours = fromSeeds(a.personal, recentSeeds(ctx), ctx, 'viewed')
  if (!ctx.scorer || ctx.factorRow === null || a.blend.factors === 0) return byNeighbours
  // Blend as trained: each part scaled to a maximum of 1, weighted by the validation-tuned blend. Only the
  // best factor scores become candidates: an item outside them and outside the neighbours cannot outrank them.
  const scores = ctx.scorer.scores(ctx.factorRow)
  const top = topIndices(scores, FACTOR_CANDIDATES)
  const max = top.length > 0 ? scores[top[0]!]! : 0
  let nbMax = 0
  for (const c of byNeighbours) nbMax = Math.max(nbMax, c.score)
  const factorPart = (j: number) => (max > 0 && scores[j]! > 0 ? (a.blend.factors * scores[j]!) / max : 0)
  const out = new Map<number, Candidate>()
  for (const c of byNeighbours) out.set(c.index, { ...c, score: (a.blend.neighbours * c.score) / (nbMax || 1) + factorPart(c.index) })
  for (const j of top) if (!out.has(j)) out.set(j, { index: j, score: factorPart(j), reason: { kind: 'bought' } })
  return [...out.values()]
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
