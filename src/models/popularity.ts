/**
 * Bestsellers: every person gets the same ranking, by how many people have each item. The baseline every
 * personalized model is reported next to.
 */
import type { Csr, ModelSpec, TrainedModel } from './types.ts'

/** People per item (not the sum of values: one enthusiast's 50 views are one person). */
export function peoplePerItem(x: Csr): Float32Array {
  const counts = new Float32Array(x.cols)
  for (let k = 0; k < x.indptr[x.rows]!; k++) counts[x.indices[k]!]! += 1
  return counts
}

export const popularity: ModelSpec<Record<string, never>> = {
  name: 'popularity',
  defaults: {},
  grid: [{}],
  async train(x: Csr): Promise<TrainedModel> {
    const counts = peoplePerItem(x)
    return {
      name: 'popularity',
      bytes: counts.byteLength,
      scoreRow(_row, out) {
        out.set(counts)
      },
    }
  },
}
