/**
 * Buy again: a person's own history, most often bought first, ties broken by popularity. Where people
 * re-order (groceries, consumables, wholesale), this beats every collaborative model; where items are
 * excluded once had, it adds nothing and the blend learns to leave it out.
 */
import { peoplePerItem } from './popularity.ts'
import type { Csr, ModelSpec, TrainContext, TrainedModel } from './types.ts'

/** How often the person had each item: `ctx.counts` when the caller knows it, else the matrix values. */
export function ownHistory(x: Csr, ctx: TrainContext): TrainedModel {
  const counts = ctx.counts ?? x
  return {
    name: 'own-history',
    bytes: 0,
    scoreRow(row, out) {
      out.fill(0)
      for (let k = counts.indptr[row]!; k < counts.indptr[row + 1]!; k++) out[counts.indices[k]!] = counts.values[k]!
    },
  }
}

export const buyAgain: ModelSpec<Record<string, never>> = {
  name: 'buy-again',
  defaults: {},
  grid: [{}],
  async train(x: Csr, _params, ctx: TrainContext): Promise<TrainedModel> {
    const own = ownHistory(x, ctx)
    const popularity = peoplePerItem(x)
    // Popularity below one purchase: it only orders items the person has equally often (or never).
    let max = 0
    for (const p of popularity) max = Math.max(max, p)
    const tie = max > 0 ? 0.5 / max : 0
    return {
      name: 'buy-again',
      bytes: popularity.byteLength,
      scoreRow(row, out) {
        own.scoreRow(row, out)
        for (let j = 0; j < out.length; j++) out[j]! += tie * popularity[j]!
      },
    }
  },
}
