/**
 * ItemKNN: item-to-item cosine on the binary matrix, the k most similar items of every item kept, and a
 * person's score for item j the sum of sim(i, j) over their items i (the BASELINES.md definition).
 */
import { binarize, transpose } from './csr.ts'
import { poolFor, shareCsr, structure } from './kernels/pool.ts'
import { splitByCost } from './kernels/ranges.ts'
import type { Csr, ModelSpec, TrainContext, TrainedModel } from './types.ts'

export interface ItemKnnParams {
  /** Neighbours kept per item; 0 keeps all of them. */
  k: number
}

/** The BASELINES grids: {20, 50, 100, 200, all} (latest-small tried {50, 100, 200, all}). */
const GRID: ItemKnnParams[] = [{ k: 20 }, { k: 50 }, { k: 100 }, { k: 200 }, { k: 0 }]

export const itemKnn: ModelSpec<ItemKnnParams> = {
  name: 'item-knn',
  defaults: { k: 100 },
  grid: GRID,
  async train(x: Csr, params: ItemKnnParams, ctx: TrainContext): Promise<TrainedModel> {
    const xb = binarize(x)
    const xt = transpose(xb)
    // Work per target item: the lengths of its people's rows (co-count updates), plus the selection.
    const rowLen = (u: number) => xb.indptr[u + 1]! - xb.indptr[u]!
    const cost = (j: number) => {
      let c = 1
      for (let p = xt.indptr[j]!; p < xt.indptr[j + 1]!; p++) c += rowLen(xt.indices[p]!)
      return c
    }
    let work = 0
    for (let u = 0; u < xb.rows; u++) work += rowLen(u) ** 2
    // About 3 ns per co-count update in one thread, selection included.
    const { pool, done } = await poolFor(ctx, work * 3e-9)
    try {
      const input = { x: structure(shareCsr(pool, xb)), xt: structure(shareCsr(pool, xt)), k: Math.max(0, params.k) }
      const ranges = splitByCost(xt.rows, pool.threads, cost)
      const parts = await pool.run('neighbours', ranges.map((r) => ({ input, ...r })))
      ctx.onProgress?.(1, 'neighbours')
      // Lists are per target j; scoring walks a person's items i, so store them by i (W transposed).
      const indptr = new Int32Array(xt.rows + 1)
      parts.forEach((part, t) => {
        const lo = ranges[t]!.lo
        for (let q = 0; q + 1 < part.offsets.length; q++) indptr[lo + q + 1] = part.offsets[q + 1]! - part.offsets[q]!
      })
      for (let j = 0; j < xt.rows; j++) indptr[j + 1]! += indptr[j]!
      const byTarget: Csr = {
        rows: xt.rows,
        cols: xt.rows,
        indptr,
        indices: concat(parts.map((p) => p.indices), Int32Array),
        values: concat(parts.map((p) => p.values), Float32Array),
      }
      const w = transpose(byTarget)
      return knnModel(xb, w)
    } finally {
      await done()
    }
  },
}

function concat<T extends Int32Array | Float32Array>(parts: T[], Kind: new (n: number) => T): T {
  const out = new Kind(parts.reduce((s, p) => s + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p as ArrayLike<number>, at)
    at += p.length
  }
  return out
}

/** Scores: out[j] = Σ over the person's items i of w[i][j], w = similarities stored by source item. */
function knnModel(x: Csr, w: Csr): TrainedModel {
  return {
    name: 'item-knn',
    bytes: w.indptr.byteLength + w.indices.byteLength + w.values.byteLength,
    scoreRow(row, out) {
      out.fill(0)
      for (let p = x.indptr[row]!; p < x.indptr[row + 1]!; p++) {
        const i = x.indices[p]!
        for (let e = w.indptr[i]!; e < w.indptr[i + 1]!; e++) out[w.indices[e]!]! += w.values[e]!
      }
    },
  }
}
