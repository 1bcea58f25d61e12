/**
 * RFM scores (recency, frequency, monetary; 1 to 5 each) against the shop's own customers: a score is
 * the quintile of the person's percentile among everyone with an order, so "5" means the top fifth of
 * this shop, not a fixed threshold. Ties take the middle of their range (a shop's only buyer is a 3).
 */
export interface RfmScale {
  /** Days since the last order, orders and revenue of every buyer, each sorted ascending. */
  recencyDays: Float64Array
  orders: Float64Array
  revenue: Float64Array
  buyers: number
  computedAt: number
}

export interface RfmScore {
  recency: number
  frequency: number
  monetary: number
  /** "555" for the best customers, "111" for lapsed one-off small buyers. */
  code: string
}

const DAY_MS = 24 * 3600 * 1000

function sorted(values: number[]): Float64Array {
  return Float64Array.from(values).sort()
}

/** First index whose value is >= x (or > x with `strict`). */
function bound(a: Float64Array, x: number, strict: boolean): number {
  let lo = 0
  let hi = a.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (strict ? a[mid]! <= x : a[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** 1-5 from the mid-rank percentile of x in the sorted population. */
function quintile(a: Float64Array, x: number): number {
  const below = bound(a, x, false)
  const equal = bound(a, x, true) - below
  const percentile = (below + equal / 2) / a.length
  return Math.min(5, 1 + Math.floor(percentile * 5))
}

export function rfmScale(buyers: readonly { orders: number; revenue: number; lastOrder: number }[], now: number): RfmScale {
  return {
    recencyDays: sorted(buyers.map((b) => (now - b.lastOrder) / DAY_MS)),
    orders: sorted(buyers.map((b) => b.orders)),
    revenue: sorted(buyers.map((b) => b.revenue)),
    buyers: buyers.length,
    computedAt: now,
  }
}

export function rfmScore(person: { orders: number; revenue: number; lastOrder: number | null }, scale: RfmScale, now: number): RfmScore | null {
  if (person.orders === 0 || person.lastOrder === null || scale.buyers === 0) return null
  // Fewer days since the last order is better: recency ranks the other way round. The scale was taken
  // up to a minute ago, so days are counted from its time.
  const recency = 6 - quintile(scale.recencyDays, (scale.computedAt - person.lastOrder) / DAY_MS)
  const frequency = quintile(scale.orders, person.orders)
  const monetary = quintile(scale.revenue, person.revenue)
  return { recency, frequency, monetary, code: `${recency}${frequency}${monetary}` }
}
