/**
 * Item-to-item neighbours from co-occurrence, for "customers also bought" (from purchases), "also viewed"
 * (from views) and "complete the look" (bought together, from other top-level categories).
 *
 * Similarity is cosine over the people who interacted with both items, shrunk towards zero when few
 * people support it: sim = co / sqrt(n_i n_j) * co / (co + shrink). Without shrinkage, two items bought
 * once by the same single person would be each other's perfect match.
 */
import { transpose } from './csr.ts'
import type { Csr } from './types.ts'

export interface Neighbours {
  /** Per item, its neighbours' indices (best first) and similarities, as CSR rows. */
  indptr: Int32Array
  indices: Int32Array
  scores: Float32Array
}

export interface NeighbourOptions {
  /** Neighbours kept per item. */
  k: number
  /** Pseudo-count of the shrinkage (0 = plain cosine). */
  shrink: number
  /** At least this many people must share two items. */
  minSupport: number
  /** When given, only pairs this accepts are kept (e.g. items from different top-level categories). */
  accept?: (item: number, other: number) => boolean
}

export const DEFAULT_NEIGHBOUR_OPTIONS: NeighbourOptions = { k: 50, shrink: 10, minSupport: 2 }

/**
 * Neighbours of every item from a people × items matrix (values are ignored: a person counts once).
 * Sparse: each item's co-counts come from the people who have it, through a dense accumulator.
 */
export function itemNeighbours(x: Csr, options: Partial<NeighbourOptions> = {}): Neighbours {
  const o = { ...DEFAULT_NEIGHBOUR_OPTIONS, ...options }
  const byItem = transpose(x)
  const people = new Float64Array(x.cols)
  for (let i = 0; i < x.cols; i++) people[i] = byItem.indptr[i + 1]! - byItem.indptr[i]!
  const co = new Float64Array(x.cols)
  const touched = new Int32Array(x.cols)
  const indptr = new Int32Array(x.cols + 1)
  const indices: number[] = []
  const scores: number[] = []
  for (let i = 0; i < x.cols; i++) {
    let nTouched = 0
    for (let a = byItem.indptr[i]!; a < byItem.indptr[i + 1]!; a++) {
      const person = byItem.indices[a]!
      for (let b = x.indptr[person]!; b < x.indptr[person + 1]!; b++) {
        const j = x.indices[b]!
        if (j === i) continue
        if (co[j] === 0) touched[nTouched++] = j
        co[j]! += 1
      }
    }
    const candidates: [number, number][] = []
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t]!
      const c = co[j]!
      co[j] = 0
      if (c < o.minSupport || (o.accept && !o.accept(i, j))) continue
      candidates.push([j, (c / Math.sqrt(people[i]! * people[j]!)) * (c / (c + o.shrink))])
    }
    candidates.sort((p, q) => q[1] - p[1] || p[0] - q[0])
    for (const [j, s] of candidates.slice(0, o.k)) {
      indices.push(j)
      scores.push(s)
    }
    indptr[i + 1] = indices.length
  }
  return { indptr, indices: Int32Array.from(indices), scores: Float32Array.from(scores) }
}

/** The neighbours of one item, best first. */
export function neighboursOf(n: Neighbours, item: number): { items: Int32Array; scores: Float32Array } {
  return { items: n.indices.subarray(n.indptr[item]!, n.indptr[item + 1]!), scores: n.scores.subarray(n.indptr[item]!, n.indptr[item + 1]!) }
}
