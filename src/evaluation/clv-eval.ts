/**
 * Offline validation of the CLV models, as Fader, Hardie & Lee validate BG/NBD: fit on the orders
 * before a cutoff (the calibration period), predict each calibration customer's repeat transactions
 * (distinct order days) in the period after it (the holdout), and compare with what they did, in total,
 * per person and grouped by their repeat transactions in calibration (the paper's 0, 1, …, 7+ table),
 * next to a naive baseline: each person keeps their calibration rate x / T. Spend too: predicted repeat
 * value (expected transactions × Gamma-Gamma's expected spend) against the holdout's.
 */
import {
  type ClvFit,
  type ClvOptions,
  type CustomerSummary,
  conditionalExpectedPurchases,
  customerSummaries,
  dayOf,
  expectedSpend,
  fitClv,
  type OrderRecord,
} from '../models/index.ts'

export interface ClvGroupRow {
  /** Repeat transactions in calibration: "0" … "6", and "7+". */
  repeats: string
  people: number
  /** Mean holdout repeat transactions per person. */
  actual: number
  bgnbd: number | null
  naive: number
}

export interface ClvEvalReport {
  cutoff: string
  /** The last order's time before `end`: the end of the holdout. */
  end: string
  holdoutDays: number
  calibration: { orders: number; customers: number; repeatBuyers: number; days: number }
  fit: ClvFit
  holdout: {
    /** Calibration customers (everyone predicted). */
    people: number
    actual: number
    predicted: { bgnbd: number | null; naive: number }
    meanAbsoluteError: { bgnbd: number | null; naive: number }
    /** The mean-squared view: MAE rewards predicting the median (0 for most), which a mean forecast is not. */
    rootMeanSquaredError: { bgnbd: number | null; naive: number }
    byRepeats: ClvGroupRow[]
    value: { actual: number; bgnbd: number | null; naive: number; meanAbsoluteError: { bgnbd: number | null; naive: number } }
  }
}

const GROUPS = 8

/** The default cutoff: 80 % of the way from the first order to the last (Online Retail's BASELINES.md split). */
export function defaultCutoff(orders: readonly OrderRecord[]): number {
  let first = Infinity
  let last = -Infinity
  for (const o of orders) {
    if (o.time < first) first = o.time
    if (o.time > last) last = o.time
  }
  return first + 0.8 * (last - first)
}

/**
 * Fit before `cutoff`, measure after it (up to `end`, else to the last order). Orders at or after the
 * cutoff on a day a customer had already bought on in calibration are part of that transaction, not a
 * new one.
 *
 * @example evaluateClv(orders, Date.parse('2011-09-25T21:33:12Z')).holdout.meanAbsoluteError
 */
export function evaluateClv(all: readonly OrderRecord[], cutoff: number, options: ClvOptions & { end?: number | undefined } = {}): ClvEvalReport {
  const orders = options.end === undefined ? all : all.filter((o) => o.time < options.end!)
  const customers = customerSummaries(orders, cutoff)
  const fit = fitClv(customers, options)
  let last = cutoff
  for (const o of orders) if (o.time > last) last = o.time
  const holdoutDays = dayOf(last) - dayOf(cutoff)
  // Holdout repeat transactions: distinct new order days after the cutoff, and their value.
  const byPerson = new Map<string, CustomerSummary>(customers.map((c) => [c.person, c]))
  const holdoutDaysOf = new Map<string, Map<number, number>>()
  for (const o of orders) {
    if (o.time < cutoff) continue
    const c = byPerson.get(o.person)
    if (!c) continue // first bought in the holdout: not a calibration customer
    const day = dayOf(o.time)
    if (c.days.includes(day)) continue
    let days = holdoutDaysOf.get(o.person)
    if (!days) holdoutDaysOf.set(o.person, (days = new Map()))
    days.set(day, (days.get(day) ?? 0) + o.value)
  }
  const sums = Array.from({ length: GROUPS }, () => ({ people: 0, actual: 0, bgnbd: 0, naive: 0 }))
  const totals = { actual: 0, bgnbd: 0, naive: 0, errBgnbd: 0, errNaive: 0, sqBgnbd: 0, sqNaive: 0 }
  const value = { actual: 0, bgnbd: 0, naive: 0, errBgnbd: 0, errNaive: 0 }
  const p = fit.bgnbd
  for (const c of customers) {
    const holdout = holdoutDaysOf.get(c.person)
    const actual = holdout?.size ?? 0
    let actualValue = 0
    for (const v of holdout?.values() ?? []) actualValue += v
    const predicted = p ? conditionalExpectedPurchases(p, holdoutDays, c.frequency, c.recency, c.T) : 0
    const naive = c.T > 0 ? (c.frequency / c.T) * holdoutDays : 0
    const predictedValue = p ? predicted * expectedSpend(fit, c) : 0
    const naiveValue = naive * (c.frequency > 0 ? c.monetary : 0)
    totals.actual += actual
    totals.bgnbd += predicted
    totals.naive += naive
    totals.errBgnbd += Math.abs(predicted - actual)
    totals.errNaive += Math.abs(naive - actual)
    totals.sqBgnbd += (predicted - actual) ** 2
    totals.sqNaive += (naive - actual) ** 2
    value.actual += actualValue
    value.bgnbd += predictedValue
    value.naive += naiveValue
    value.errBgnbd += Math.abs(predictedValue - actualValue)
    value.errNaive += Math.abs(naiveValue - actualValue)
    const g = sums[Math.min(c.frequency, GROUPS - 1)]!
    g.people += 1
    g.actual += actual
    g.bgnbd += predicted
    g.naive += naive
  }
  const n = Math.max(1, customers.length)
  const fitted = p !== null
  return {
    cutoff: new Date(cutoff).toISOString(),
    end: new Date(last).toISOString(),
    holdoutDays,
    calibration: {
      orders: orders.filter((o) => o.time < cutoff).length,
      customers: customers.length,
      repeatBuyers: fit.repeatBuyers,
      days: fit.days,
    },
    fit,
    holdout: {
      people: customers.length,
      actual: totals.actual,
      predicted: { bgnbd: fitted ? totals.bgnbd : null, naive: totals.naive },
      meanAbsoluteError: { bgnbd: fitted ? totals.errBgnbd / n : null, naive: totals.errNaive / n },
      rootMeanSquaredError: { bgnbd: fitted ? Math.sqrt(totals.sqBgnbd / n) : null, naive: Math.sqrt(totals.sqNaive / n) },
      byRepeats: sums.map((g, i) => ({
        repeats: i === GROUPS - 1 ? `${i}+` : String(i),
        people: g.people,
        actual: g.people > 0 ? g.actual / g.people : 0,
        bgnbd: fitted ? (g.people > 0 ? g.bgnbd / g.people : 0) : null,
        naive: g.people > 0 ? g.naive / g.people : 0,
      })),
      value: {
        actual: value.actual,
        bgnbd: fitted ? value.bgnbd : null,
        naive: value.naive,
        meanAbsoluteError: { bgnbd: fitted ? value.errBgnbd / n : null, naive: value.errNaive / n },
      },
    },
  }
}
