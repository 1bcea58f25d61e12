/** Cutting row ranges for the pool's threads so each gets about the same work. */
import type { RowRange } from './sweep.ts'

/** `parts` contiguous ranges of [0, count) with about equal total `cost(i)`; empty ranges are dropped. */
export function splitByCost(count: number, parts: number, cost: (i: number) => number): RowRange[] {
  if (parts <= 1) return [{ lo: 0, hi: count }]
  let total = 0
  for (let i = 0; i < count; i++) total += cost(i)
  const out: RowRange[] = []
  let lo = 0
  let acc = 0
  for (let i = 0; i < count && out.length < parts - 1; i++) {
    acc += cost(i)
    if (acc >= (total * (out.length + 1)) / parts) {
      out.push({ lo, hi: i + 1 })
      lo = i + 1
    }
  }
  out.push({ lo, hi: count })
  return out.filter((r) => r.hi > r.lo)
}

/** Rows [0, count) in `parts` ranges of equal length. */
export function evenSplits(count: number, parts: number): RowRange[] {
  return splitByCost(count, parts, () => 1)
}
