/**
 * ItemKNN's neighbourhoods: cosine similarity on the binary matrix, sim(i, j) = co(i, j) / sqrt(n_i n_j),
 * the k most similar items of every target item j (self excluded). Co-counts come from the sparse
 * product X'X one target row at a time (X' row j → its people → their items) into a dense accumulator,
 * so the cost is Σ_people |items|², never items².
 */
import type { SparseRows } from './sparse.ts'

export interface NeighbourInput {
  x: SparseRows
  /** X transposed: items × people. */
  xt: SparseRows
  /** Neighbours kept per item; 0 keeps every co-occurring item. */
  k: number
}

/** Neighbour lists of targets [lo, hi): target lo + t owns entries [offsets[t], offsets[t+1]). */
export interface NeighbourRows {
  offsets: Int32Array
  indices: Int32Array
  values: Float32Array
}

export function neighbourRows(input: NeighbourInput, lo: number, hi: number): NeighbourRows {
  const { x, xt, k } = input
  const n = xt.rows
  const co = new Float64Array(n)
  const cand = new Int32Array(n)
  const offsets = new Int32Array(hi - lo + 1)
  let indices: Int32Array = new Int32Array(Math.max(16, k > 0 ? k * (hi - lo) : 1024))
  let values: Float32Array = new Float32Array(indices.length)
  let used = 0
  for (let j = lo; j < hi; j++) {
    let count = 0
    for (let p = xt.indptr[j]!; p < xt.indptr[j + 1]!; p++) {
      const u = xt.indices[p]!
      for (let q = x.indptr[u]!; q < x.indptr[u + 1]!; q++) {
        const i = x.indices[q]!
        if (co[i] === 0) cand[count++] = i
        co[i]! += 1
      }
    }
    // Cosine in place of the counts; the target itself is dropped.
    const nj = xt.indptr[j + 1]! - xt.indptr[j]!
    let kept = 0
    for (let c = 0; c < count; c++) {
      const i = cand[c]!
      if (i === j) {
        co[i] = 0
        continue
      }
      co[i] = co[i]! / Math.sqrt(nj * (xt.indptr[i + 1]! - xt.indptr[i]!))
      cand[kept++] = i
    }
    const take = k > 0 && k < kept ? k : kept
    if (take < kept) selectTop(cand, kept, take, co)
    if (used + take > indices.length) {
      const size = Math.max(indices.length * 2, used + take)
      indices = grow(indices, size)
      values = growF(values, size)
    }
    for (let c = 0; c < take; c++) {
      indices[used] = cand[c]!
      values[used++] = co[cand[c]!]!
    }
    for (let c = 0; c < kept; c++) co[cand[c]!] = 0
    offsets[j - lo + 1] = used
  }
  return { offsets, indices: indices.slice(0, used), values: values.slice(0, used) }
}

/**
 * Reorders cand[0, count) so its first k entries are the k best by score (higher first, then lower
 * index: a strict order, so the choice is deterministic). Quickselect, linear on average.
 */
export function selectTop(cand: Int32Array, count: number, k: number, score: Float64Array): void {
  const better = (a: number, b: number) => score[a]! > score[b]! || (score[a] === score[b] && a < b)
  let lo = 0
  let hi = count - 1
  const want = k - 1
  while (lo < hi) {
    const pivot = cand[(lo + hi) >> 1]!
    let i = lo
    let j = hi
    while (i <= j) {
      while (better(cand[i]!, pivot)) i++
      while (better(pivot, cand[j]!)) j--
      if (i <= j) {
        const t = cand[i]!
        cand[i++] = cand[j]!
        cand[j--] = t
      }
    }
    if (want <= j) hi = j
    else if (want >= i) lo = i
    else return
  }
}

function grow(a: Int32Array, size: number): Int32Array {
  const b = new Int32Array(size)
  b.set(a)
  return b
}

function growF(a: Float32Array, size: number): Float32Array {
  const b = new Float32Array(size)
  b.set(a)
  return b
}
