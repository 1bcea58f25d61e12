import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bgNbdLogLikelihood } from './bg-nbd.ts'
import { customerSummaries, DAY_MS } from './customer-summary.ts'
import { type ClvFit, fitClv } from './fit-clv.ts'
import { midRankPercentiles, predictClv } from './predict-clv.ts'
import { REFERENCE } from './reference-values.ts'
import { simulateClv } from './simulate-clv.ts'

const CDNOW_DAYS = { r: 0.243, alpha: 4.414 * 7, a: 0.793, b: 2.426 }
const SPEND = { p: 6, q: 4, v: 15 }
const START = Date.UTC(2024, 0, 1)
const END = START + 273 * DAY_MS

describe('customerSummaries', () => {
  it('collapses same-day orders into one transaction, counts repeats and measures days from the first', () => {
    const hour = 3_600_000
    const orders = [
      { person: 'a', time: START + 1 * hour, value: 10 },
      { person: 'a', time: START + 5 * hour, value: 5 }, // same day: one transaction of 15
      { person: 'a', time: START + 3 * DAY_MS, value: 20 },
      { person: 'a', time: START + 9 * DAY_MS + hour, value: 40 },
      { person: 'b', time: START + 2 * DAY_MS, value: 7 },
      { person: 'c', time: START + 12 * DAY_MS, value: 99 }, // at or after the end: left out
    ]
    const [a, b, ...rest] = customerSummaries(orders, START + 12 * DAY_MS)
    assert.deepEqual(a, { person: 'a', frequency: 2, recency: 9, T: 12, monetary: 30, totalValue: 75, days: [19723, 19726, 19732] })
    assert.deepEqual(b, { person: 'b', frequency: 0, recency: 0, T: 10, monetary: 0, totalValue: 7, days: [19725] })
    assert.equal(rest.length, 0)
  })
})

describe('fitClv on data simulated from the model', () => {
  const { orders, exact } = simulateClv(CDNOW_DAYS, { customers: 12_000, days: 273, acquisitionDays: 84, seed: 7, spend: SPEND })
  const customers = customerSummaries(orders, END)
  const fit = fitClv(customers)

  it('recovers the BG/NBD parameters it was simulated with (r, α within 10 %, the mean dropout within 10 %, a and b within 30 %)', () => {
    assert.equal(fit.method, 'bgnbd')
    const p = fit.bgnbd!
    assert.ok(p.converged)
    const within = (actual: number, expected: number, share: number, label: string) =>
      assert.ok(Math.abs(actual - expected) <= share * expected, `${label}: ${actual} vs ${expected}`)
    within(p.r, CDNOW_DAYS.r, 0.1, 'r')
    within(p.alpha, CDNOW_DAYS.alpha, 0.1, 'alpha')
    within(p.a / (p.a + p.b), CDNOW_DAYS.a / (CDNOW_DAYS.a + CDNOW_DAYS.b), 0.1, 'a/(a+b)')
    within(p.a, CDNOW_DAYS.a, 0.3, 'a')
    within(p.b, CDNOW_DAYS.b, 0.3, 'b')
  })

  it('is the maximum: its likelihood beats the true parameters’, by less than a χ²(4) test would reject (on the exact times)', () => {
    const exactFit = fitClv(exact)
    const ll = (p: typeof CDNOW_DAYS) => exact.reduce((s, c) => s + bgNbdLogLikelihood(p, c.frequency, c.recency, c.T), 0)
    const gain = ll(exactFit.bgnbd!) - ll(CDNOW_DAYS)
    assert.ok(gain >= 0, `fitted is worse than the truth by ${-gain}`)
    assert.ok(2 * gain < 13.28, `2ΔLL = ${2 * gain}: above the 99 % point of χ²(4)`)
  })

  it('recovers the Gamma-Gamma mean spend v·p/(q − 1) within 10 %, and finds spend independent of frequency', () => {
    const g = fit.gammaGamma!
    const mean = (g.v * g.p) / (g.q - 1)
    const truth = (SPEND.v * SPEND.p) / (SPEND.q - 1)
    assert.ok(Math.abs(mean - truth) < 0.1 * truth, `${mean} vs ${truth}`)
    assert.ok(Math.abs(fit.spendFrequencyCorrelation!) < 0.1)
    assert.equal(fit.note, null)
  })

  it('predicts the holdout: the next 90 days’ repeat purchases of the whole cohort within 5 %', () => {
    // The same customers observed 90 days longer: count the repeat days after END.
    const longer = simulateClv(CDNOW_DAYS, { customers: 12_000, days: 273 + 90, acquisitionDays: 84, seed: 7, spend: SPEND })
    const actual = new Set(longer.orders.filter((o) => o.time >= END).map((o) => `${o.person}|${Math.floor(o.time / DAY_MS)}`))
    const predicted = predictClv(fit, customers).reduce((s, p) => s + p.expectedOrders90!, 0)
    assert.ok(Math.abs(predicted - actual.size) < 0.05 * actual.size, `predicted ${predicted}, actual ${actual.size}`)
  })

  it('predicts per person: probabilities in [0, 1], more orders in 365 days than in 90, value and percentiles ordered alike', () => {
    const predictions = predictClv(fit, customers)
    assert.equal(predictions.length, customers.length)
    for (const p of predictions) {
      assert.ok(p.probabilityAlive! >= 0 && p.probabilityAlive! <= 1)
      assert.ok(p.expectedOrders365! > p.expectedOrders90! && p.expectedOrders90! > 0)
      assert.ok(p.predictedValue12m! > 0 && p.percentile >= 0 && p.percentile <= 1)
    }
    const byValue = [...predictions].sort((a, b) => a.predictedValue12m! - b.predictedValue12m!)
    assert.ok(byValue[0]!.percentile < 0.01 && byValue.at(-1)!.percentile > 0.99)
    // A recent, frequent buyer is worth more than a lapsed one with the same history length.
    const recent = predictClv(fit, [{ person: 'r', frequency: 6, recency: 180, T: 185, monetary: 30, totalValue: 210, days: [] }])[0]!
    const lapsed = predictClv(fit, [{ person: 'l', frequency: 6, recency: 40, T: 185, monetary: 30, totalValue: 210, days: [] }])[0]!
    assert.ok(recent.probabilityAlive! > lapsed.probabilityAlive! && recent.predictedValue12m! > lapsed.predictedValue12m!)
  })
})

describe('predictClv against lifetimes’ customer_lifetime_value (computed by reference-values.py)', () => {
  it('gives the same 12-month value, with Gamma-Gamma’s spend and the monthly discount', () => {
    const bgnbd = { r: 0.55, alpha: 60, a: 0.4, b: 3.1, logLikelihood: 0, converged: true, evaluations: 0 }
    const gammaGamma = { p: 6.25, q: 3.74, v: 15.44, logLikelihood: 0, converged: true, evaluations: 0, customers: 0 }
    const fit: ClvFit = { method: 'bgnbd', note: null, unit: 'days', customers: 3, repeatBuyers: 2, days: 300, bgnbd, gammaGamma, spendFrequencyCorrelation: 0, meanSpend: 0, seconds: 0 }
    const customers = REFERENCE.clv12.map(([x, tx, T, m], i) => ({ person: `p${i}`, frequency: x, recency: tx, T, monetary: m, totalValue: 0, days: [] }))
    predictClv(fit, customers).forEach((p, i) => {
      const expected = REFERENCE.clv12[i]![4]
      assert.ok(Math.abs(p.predictedValue12m! - expected) < 1e-9 * expected, `${p.predictedValue12m} vs ${expected}`)
    })
  })
})

describe('fitClv below the minimums', () => {
  const { orders } = simulateClv(CDNOW_DAYS, { customers: 300, days: 273, acquisitionDays: 84, seed: 3, spend: SPEND })
  const customers = customerSummaries(orders, END)

  it('falls back to RFM with a note naming the minimum, and predicts only percentiles', () => {
    const fit = fitClv(customers)
    assert.equal(fit.method, 'rfm')
    assert.equal(fit.bgnbd, null)
    assert.match(fit.note!, /fewer than the 500 needed/)
    const predictions = predictClv(fit, customers)
    assert.ok(predictions.every((p) => p.method === 'rfm' && p.predictedValue12m === null && p.percentile >= 0 && p.percentile <= 1))
    // The most valuable by RFM is a frequent, recent, big spender.
    const top = predictions.reduce((a, b) => (b.percentile > a.percentile ? b : a))
    const c = customers.find((x) => x.person === top.person)!
    assert.ok(c.frequency >= 2, JSON.stringify(c))
  })

  it('fits when the minimum is lowered, and refuses too short a history', () => {
    assert.equal(fitClv(customers, { minRepeatBuyers: 50 }).method, 'bgnbd')
    const short = fitClv(customers, { minRepeatBuyers: 50, minDays: 400 })
    assert.equal(short.method, 'rfm')
    assert.match(short.note!, /days of orders, fewer than the 400/)
  })

  it('warns when spend grows with frequency (the Gamma-Gamma assumption broken)', () => {
    const skewed = customers.map((c) => ({ ...c, monetary: c.frequency > 0 ? 10 * c.frequency : 0 }))
    const fit = fitClv(skewed, { minRepeatBuyers: 50 })
    assert.ok(fit.spendFrequencyCorrelation! > 0.3)
    assert.match(fit.note!, /spend and frequency correlate/)
  })
})

describe('fitClv on data the model cannot pin down', () => {
  it('converges to finite parameters when nobody seems to drop out (everyone buys every 10 days up to the end)', () => {
    const customers = Array.from({ length: 800 }, (_, i) => {
      const T = 200 + (i % 100)
      const x = Math.floor(T / 10)
      return { person: `p${i}`, frequency: x, recency: 10 * x, T, monetary: 20 + (i % 7), totalValue: 0, days: [] }
    })
    const fit = fitClv(customers)
    assert.equal(fit.method, 'bgnbd')
    const p = fit.bgnbd!
    assert.ok(p.converged && [p.r, p.alpha, p.a, p.b].every((v) => Number.isFinite(v) && v > 0), JSON.stringify(p))
    // Almost certainly alive, and about 9 orders in the next 90 days.
    const [first] = predictClv(fit, customers)
    assert.ok(first!.probabilityAlive! > 0.95, String(first!.probabilityAlive))
    assert.ok(Math.abs(first!.expectedOrders90! - 9) < 1.5, String(first!.expectedOrders90))
  })

  it('converges with a heavy buyer in the data (5,000 repeats: the likelihood overflows at naive starting points)', () => {
    const { orders } = simulateClv(CDNOW_DAYS, { customers: 2000, days: 273, acquisitionDays: 84, seed: 9 })
    // Bought on the last day (at ~18 a day, a two-day gap would already mean gone, and the model says so).
    const customers = [...customerSummaries(orders, END), { person: 'heavy', frequency: 5000, recency: 272, T: 272, monetary: 3, totalValue: 15003, days: [] }]
    const fit = fitClv(customers, { minRepeatBuyers: 100 })
    assert.equal(fit.method, 'bgnbd', fit.note ?? '')
    const p = fit.bgnbd!
    assert.ok(p.converged && Number.isFinite(p.logLikelihood), JSON.stringify(p))
    const heavy = predictClv(fit, customers).at(-1)!
    assert.ok(heavy.expectedOrders90! > 1000 && heavy.percentile === 1, JSON.stringify(heavy))
  })

  it('still fits when everyone bought once (no repeat information at all) if the minimum allows it', () => {
    const customers = Array.from({ length: 100 }, (_, i) => ({ person: `o${i}`, frequency: i < 5 ? 1 : 0, recency: i < 5 ? 3 : 0, T: 100 + i, monetary: i < 5 ? 10 : 0, totalValue: 10, days: [] }))
    const fit = fitClv(customers, { minRepeatBuyers: 5, minDays: 10 })
    assert.equal(fit.method, 'bgnbd')
    assert.ok([fit.bgnbd!.r, fit.bgnbd!.alpha, fit.bgnbd!.a, fit.bgnbd!.b].every(Number.isFinite))
    assert.ok(predictClv(fit, customers).every((p) => Number.isFinite(p.predictedValue12m!) && p.expectedOrders365! < 1))
  })
})

describe('midRankPercentiles', () => {
  it('gives ties the middle of their ranks, 0 to the lowest and 1 to the highest', () => {
    assert.deepEqual(midRankPercentiles([5, 1, 5, 9, 3]), [0.625, 0, 0.625, 1, 0.25])
    assert.deepEqual(midRankPercentiles([7]), [0.5])
  })
})
