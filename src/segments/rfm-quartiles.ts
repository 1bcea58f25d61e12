/**
 * Quartile RFM codes and named segments the way PyMC-Marketing computes them (pymc-labs/pymc-marketing,
 * pymc_marketing/clv/utils.py: `rfm_segments`, which calls `rfm_summary(include_first_transaction=True)`):
 *
 * - recency: days from the last purchase to the end of observation (dates taken to the day), lower is better;
 *   frequency: the number of purchases (the first one included); monetary: the mean value of a purchase.
 *   PyMC first collapses purchases of the same day into one; a profile counts orders, so two orders on one
 *   day count twice here and the mean is revenue / orders.
 * - each variable is cut at its quartiles (pandas `qcut(q=4, duplicates="drop")`: edges at the 0, 25, 50, 75
 *   and 100 % quantiles, linearly interpolated, equal edges merged, bins closed on the right), labelled 1 to 4
 *   with 4 best, recency's labels reversed. With ties fewer bins remain and labels stop lower (three bins:
 *   1 to 3), as PyMC's fallback does; when a variable has a single value (PyMC raises) everyone gets 1.
 * - the code is the three labels ("434"), and the segment comes from PyMC's default table, else "Other".
 */
import type { RfmFact } from './facts.ts'
import type { RfmSegmentName } from './rule-types.ts'

const DAY_MS = 86_400_000

/** PyMC-Marketing's `_default_rfm_segment_config`. */
export const RFM_SEGMENTS: Readonly<Record<Exclude<RfmSegmentName, 'Other'>, readonly string[]>> = {
  'Premium Customer': ['334', '443', '444', '344', '434', '433', '343', '333'],
  'Repeat Customer': ['244', '234', '232', '332', '143', '233', '243'],
  'Top Spender': ['424', '414', '144', '314', '324', '124', '224', '423', '413', '133', '323', '313', '134'],
  'At Risk Customer': ['422', '223', '212', '122', '222', '132', '322', '312', '412', '123', '214'],
  'Inactive Customer': ['411', '111', '113', '114', '112', '211', '311'],
}

export interface RfmBuyer {
  orders: number
  revenue: number
  lastOrder: number | null
}

/** The quartile edges of each variable over the shop's buyers (small: the engine keeps it between passes). */
export interface RfmQuartileScale {
  recencyEdges: number[]
  frequencyEdges: number[]
  monetaryEdges: number[]
  buyers: number
  computedAt: number
}

const recencyDays = (lastOrder: number, now: number) => Math.floor(now / DAY_MS) - Math.floor(lastOrder / DAY_MS)

/** numpy's default (linear) quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

function edges(values: number[]): number[] {
  if (values.length === 0) return []
  const sorted = values.sort((a, b) => a - b)
  return [...new Set([0, 0.25, 0.5, 0.75, 1].map((q) => quantile(sorted, q)))]
}

/** 1..bins, 1 for the lowest values; values outside the edges go to the nearest end bin. */
function bin(x: number, e: readonly number[]): { index: number; bins: number } {
  const bins = e.length - 1
  if (bins < 2) return { index: 0, bins: 1 }
  for (let i = 0; i < bins; i++) if (x <= e[i + 1]!) return { index: i, bins }
  return { index: bins - 1, bins }
}

const isBuyer = (b: RfmBuyer): b is RfmBuyer & { lastOrder: number } => b.orders > 0 && b.lastOrder !== null

export function rfmQuartileScale(buyers: readonly RfmBuyer[], now: number): RfmQuartileScale {
  const real = buyers.filter(isBuyer)
  return {
    recencyEdges: edges(real.map((b) => recencyDays(b.lastOrder, now))),
    frequencyEdges: edges(real.map((b) => b.orders)),
    monetaryEdges: edges(real.map((b) => b.revenue / b.orders)),
    buyers: real.length,
    computedAt: now,
  }
}

export function rfmSegmentOf(code: string): RfmSegmentName {
  for (const [name, codes] of Object.entries(RFM_SEGMENTS)) if (codes.includes(code)) return name as RfmSegmentName
  return 'Other'
}

/** The person's code and segment against the scale (recency counted to the scale's time), or null without an order. */
export function rfmFactOf(person: RfmBuyer, scale: RfmQuartileScale): RfmFact | null {
  if (!isBuyer(person) || scale.buyers === 0) return null
  const r = bin(recencyDays(person.lastOrder, scale.computedAt), scale.recencyEdges)
  const f = bin(person.orders, scale.frequencyEdges)
  const m = bin(person.revenue / person.orders, scale.monetaryEdges)
  // Lower recency is better: the labels run the other way round.
  const code = `${r.bins - r.index}${f.index + 1}${m.index + 1}`
  return { code, segment: rfmSegmentOf(code) }
}
