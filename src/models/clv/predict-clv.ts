/**
 * Per-person predictions from a fit: probability alive, expected orders (repeat transactions) in the
 * next 90 and 365 days, and the value of the next 12 months as lifetimes' `customer_lifetime_value`
 * computes it (each month of 30 days: Gamma-Gamma's expected spend × the month's expected
 * transactions, discounted monthly), then each person's percentile of that value. Without a model
 * (method 'rfm'), only the percentile, from recency, frequency and total spend.
 */
import { conditionalExpectedPurchases, probabilityAlive } from './bg-nbd.ts'
import type { CustomerSummary } from './customer-summary.ts'
import type { ClvFit } from './fit-clv.ts'
import { conditionalExpectedSpend } from './gamma-gamma.ts'

export interface ClvPrediction {
  person: string
  method: 'bgnbd' | 'rfm'
  probabilityAlive: number | null
  expectedOrders90: number | null
  expectedOrders365: number | null
  predictedValue12m: number | null
  /** 0..1, mid-rank among everyone predicted. */
  percentile: number
}

export interface PredictOptions {
  /** Months of value (default 12). */
  months?: number
  /** Monthly discount rate (default 0.01, about 12.7 % a year, lifetimes' example). */
  discountRate?: number
}

/** Mid-rank percentiles: (people below + half the others tied) / (n − 1); 0.5 for a lone person. */
export function midRankPercentiles(values: readonly number[]): number[] {
  const n = values.length
  if (n === 1) return [0.5]
  const order = values.map((_, i) => i).sort((i, j) => values[i]! - values[j]!)
  const out = new Array<number>(n)
  for (let start = 0; start < n; ) {
    let end = start
    while (end + 1 < n && values[order[end + 1]!] === values[order[start]!]) end += 1
    const p = (start + (end - start) / 2) / (n - 1)
    for (let k = start; k <= end; k++) out[order[k]!] = p
    start = end + 1
  }
  return out
}

/**
 * The RFM fallback: the mean of each person's recency (days since the last transaction, fewer is
 * better), frequency and total-spend percentiles, itself turned into a percentile.
 */
export function rfmPercentiles(customers: readonly CustomerSummary[]): number[] {
  const recency = midRankPercentiles(customers.map((c) => -(c.T - c.recency)))
  const frequency = midRankPercentiles(customers.map((c) => c.frequency))
  const monetary = midRankPercentiles(customers.map((c) => c.totalValue))
  return midRankPercentiles(customers.map((_, i) => recency[i]! + frequency[i]! + monetary[i]!))
}

/** The expected spend per transaction of a customer: Gamma-Gamma's, else the population's mean. */
export function expectedSpend(fit: ClvFit, c: CustomerSummary): number {
  if (fit.gammaGamma) return conditionalExpectedSpend(fit.gammaGamma, c.monetary > 0 ? c.frequency : 0, c.monetary)
  return c.frequency > 0 ? c.monetary : fit.meanSpend
}

/**
 * One prediction per customer summary, in the same order.
 *
 * @example predictClv(fit, customers)[0] // { person, method: 'bgnbd', probabilityAlive: 0.83, expectedOrders90: 0.41, ... }
 */
export function predictClv(fit: ClvFit, customers: readonly CustomerSummary[], options: PredictOptions = {}): ClvPrediction[] {
  if (customers.length === 0) return []
  const p = fit.bgnbd
  if (fit.method === 'rfm' || !p) {
    const percentiles = rfmPercentiles(customers)
    return customers.map((c, i) => ({
      person: c.person,
      method: 'rfm',
      probabilityAlive: null,
      expectedOrders90: null,
      expectedOrders365: null,
      predictedValue12m: null,
      percentile: percentiles[i]!,
    }))
  }
  const months = options.months ?? 12
  const discount = options.discountRate ?? 0.01
  const rows = customers.map((c) => {
    const { frequency: x, recency: tx, T } = c
    const spend = expectedSpend(fit, c)
    let value = 0
    let previous = 0
    for (let month = 1; month <= months; month++) {
      const upTo = conditionalExpectedPurchases(p, month * 30, x, tx, T)
      value += (spend * (upTo - previous)) / (1 + discount) ** month
      previous = upTo
    }
    return {
      person: c.person,
      method: 'bgnbd' as const,
      probabilityAlive: probabilityAlive(p, x, tx, T),
      expectedOrders90: conditionalExpectedPurchases(p, 90, x, tx, T),
      expectedOrders365: conditionalExpectedPurchases(p, 365, x, tx, T),
      predictedValue12m: Number.isFinite(value) ? value : 0,
      percentile: 0,
    }
  })
  const percentiles = midRankPercentiles(rows.map((r) => r.predictedValue12m))
  rows.forEach((r, i) => (r.percentile = percentiles[i]!))
  return rows
}
