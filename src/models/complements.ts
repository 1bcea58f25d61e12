/**
 * Complementary categories, learned from baskets (the lines of one order): category B complements A when
 * baskets with an A hold a B more often than B's own popularity explains. Same-category pairs never
 * count (a second running shoe is an alternative, not a complement).
 *
 * The estimator is a conditional probability shrunk towards the base rate, compared with the base rate:
 *   P(B) = n_B / N,   p(B|A) = (n_AB + m P(B)) / (n_A + m),   lift = p(B|A) / P(B),   strength = p(B|A) - P(B)
 * with N baskets, n_A baskets holding A, n_AB holding both and a pseudo-count m. With few baskets of A,
 * p(B|A) stays near P(B), so one odd order does not make a complement; pairs seen fewer than
 * `minTogether` times, or with a shrunk lift below `minLift`, are dropped.
 */
import { itemNeighbours, type Neighbours } from './cooccurrence.ts'
import type { Csr } from './types.ts'

export interface Complement {
  category: string
  /** p(B|A) - P(B): the extra chance that a basket with A holds B. */
  strength: number
  lift: number
  /** Baskets that held both. */
  together: number
}

export interface ComplementOptions {
  /** Pseudo-count m of the shrinkage towards the base rate. */
  prior: number
  minTogether: number
  minLift: number
  /** Complementary categories kept per category. */
  top: number
}

export const DEFAULT_COMPLEMENT_OPTIONS: ComplementOptions = { prior: 20, minTogether: 3, minLift: 1.5, top: 8 }

/** Per category, its complements, strongest first. `baskets` lists each basket's categories (repeats are ignored). */
export function categoryComplements(baskets: Iterable<readonly string[]>, options: Partial<ComplementOptions> = {}): Map<string, Complement[]> {
  const o = { ...DEFAULT_COMPLEMENT_OPTIONS, ...options }
  let total = 0
  const single = new Map<string, number>()
  const pairs = new Map<string, Map<string, number>>()
  for (const basket of baskets) {
    const categories = [...new Set(basket)].filter((c) => c !== '')
    if (categories.length === 0) continue
    total += 1
    for (const a of categories) {
      single.set(a, (single.get(a) ?? 0) + 1)
      let row = pairs.get(a)
      if (!row) pairs.set(a, (row = new Map()))
      for (const b of categories) if (b !== a) row.set(b, (row.get(b) ?? 0) + 1)
    }
  }
  const out = new Map<string, Complement[]>()
  for (const [a, row] of pairs) {
    const nA = single.get(a)!
    const found: Complement[] = []
    for (const [b, together] of row) {
      if (together < o.minTogether) continue
      const base = single.get(b)! / total
      const p = (together + o.prior * base) / (nA + o.prior)
      const lift = p / base
      if (lift >= o.minLift) found.push({ category: b, strength: p - base, lift, together })
    }
    found.sort((x, y) => y.strength - x.strength || x.category.localeCompare(y.category))
    if (found.length > 0) out.set(a, found.slice(0, o.top))
  }
  return out
}

/**
 * "Complete the look" neighbours: items bought in the same baskets (shrunk cosine over baskets × items),
 * kept only when the other item's category complements the item's own, and ranked by that cosine times
 * the category pair's strength (relative to the category's strongest complement).
 */
export function complementNeighbours(baskets: Csr, categoryOf: readonly string[], complements: ReadonlyMap<string, readonly Complement[]>, k = 50): Neighbours {
  const strength = (i: number, j: number): number => {
    const list = complements.get(categoryOf[i]!)
    const hit = list?.find((c) => c.category === categoryOf[j])
    return hit ? hit.strength / list![0]!.strength : 0
  }
  const nb = itemNeighbours(baskets, { k: Math.max(k, 100), shrink: 5, minSupport: 1, accept: (i, j) => strength(i, j) > 0 })
  const indptr = new Int32Array(nb.indptr.length)
  const indices: number[] = []
  const scores: number[] = []
  for (let i = 0; i + 1 < nb.indptr.length; i++) {
    const row: [number, number][] = []
    for (let t = nb.indptr[i]!; t < nb.indptr[i + 1]!; t++) row.push([nb.indices[t]!, nb.scores[t]! * strength(i, nb.indices[t]!)])
    row.sort((p, q) => q[1] - p[1] || p[0] - q[0])
    for (const [j, s] of row.slice(0, k)) {
      indices.push(j)
      scores.push(s)
    }
    indptr[i + 1] = indices.length
  }
  return { indptr, indices: Int32Array.from(indices), scores: Float32Array.from(scores) }
}
