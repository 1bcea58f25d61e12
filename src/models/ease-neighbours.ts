/**
 * EASE for serving: its item-to-item weight matrix B is n² floats (400 MB at 10,000 items), too big to
 * hold on every API node, but each row's strongest weights carry almost all of a ranking. Keeping the
 * top k per item gives neighbours the serving path scores like any other (and re-ranks per session).
 */
import type { Neighbours } from './cooccurrence.ts'
import { binarize } from './csr.ts'
import { EASE_MAX_ITEMS, easeWeights } from './ease.ts'
import { poolFor } from './kernels/pool.ts'
import type { Csr, TrainContext } from './types.ts'

export async function easeNeighbours(x: Csr, lambda: number, k: number, ctx: TrainContext): Promise<Neighbours> {
  if (x.cols > EASE_MAX_ITEMS) throw new Error(`ease: ${x.cols} items is more than ${EASE_MAX_ITEMS}`)
  const xb = binarize(x)
  const { pool, done } = await poolFor(ctx, 1)
  let b: Float32Array
  try {
    b = await easeWeights(xb, lambda, pool, 'auto', ctx)
  } finally {
    await done()
  }
  const n = x.cols
  const indptr = new Int32Array(n + 1)
  const indices = new Int32Array(n * Math.min(k, n))
  const scores = new Float32Array(n * Math.min(k, n))
  let at = 0
  // The best k of a row, kept sorted (best first) by insertion: after the first few hundred columns
  // almost every value falls below the k-th and costs one comparison.
  const topItems = new Int32Array(k)
  const topScores = new Float32Array(k)
  for (let i = 0; i < n; i++) {
    const row = i * n
    let size = 0
    for (let j = 0; j < n; j++) {
      const v = b[row + j]!
      if (j === i || v <= 0 || (size === k && v <= topScores[k - 1]!)) continue
      let p = size < k ? size++ : k - 1
      while (p > 0 && topScores[p - 1]! < v) {
        topScores[p] = topScores[p - 1]!
        topItems[p] = topItems[p - 1]!
        p--
      }
      topScores[p] = v
      topItems[p] = j
    }
    indices.set(topItems.subarray(0, size), at)
    scores.set(topScores.subarray(0, size), at)
    at += size
    indptr[i + 1] = at
  }
  return { indptr, indices: indices.slice(0, at), scores: scores.slice(0, at) }
}
