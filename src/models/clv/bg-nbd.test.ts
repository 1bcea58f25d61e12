import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BgNbdTable } from './bg-nbd-table.ts'
import { bgNbdLogLikelihood, conditionalExpectedPurchases, expectedPurchases, probabilityAlive } from './bg-nbd.ts'
import type { CustomerSummary } from './customer-summary.ts'
import { fitBgNbd, fitGammaGamma } from './fit-clv.ts'
import { conditionalExpectedSpend, gammaGammaLogLikelihood } from './gamma-gamma.ts'
import { REFERENCE } from './reference-values.ts'

function near(actual: number, expected: number, relative: number, label = '') {
  const error = Math.abs(actual - expected)
  assert.ok(error <= relative * Math.abs(expected) + 1e-14, `${label}: ${actual} vs ${expected} (error ${error})`)
}

const CDNOW = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }
const DAYS = { r: 0.55, alpha: 60, a: 0.4, b: 3.1 }
const GG = { p: 6.25, q: 3.74, v: 15.44 }

const summary = (x: number, tx: number, T: number, monetary = 0): CustomerSummary => ({ person: '', frequency: x, recency: tx, T, monetary, totalValue: 0, days: [] })

describe('BG/NBD formulas', () => {
  it('log-likelihood, P(alive) and expected purchases match lifetimes’ formulas (scipy) at the CDNOW parameters', () => {
    for (const [x, tx, T, ll, alive, next39] of REFERENCE.bgnbdWeeks) {
      near(bgNbdLogLikelihood(CDNOW, x, tx, T), ll, 1e-12, `LL(${x}, ${tx}, ${T})`)
      near(probabilityAlive(CDNOW, x, tx, T), alive, 1e-12, `P(alive)(${x}, ${tx}, ${T})`)
      near(conditionalExpectedPurchases(CDNOW, 39, x, tx, T), next39, 1e-10, `E[39](${x}, ${tx}, ${T})`)
    }
  })

  it('reproduces the paper’s worked example: x = 2, t_x = 30.43, T = 38.86 weeks expects 1.226 purchases in 39 weeks', () => {
    assert.equal(Math.round(conditionalExpectedPurchases(CDNOW, 39, 2, 30.43, 38.86) * 1000) / 1000, 1.226)
  })

  it('matches at day-scale parameters and horizons of 90 and 365 days (where ₂F₁’s argument nears 1)', () => {
    for (const [x, tx, T, ll, alive, next90, next365] of REFERENCE.bgnbdDays) {
      near(bgNbdLogLikelihood(DAYS, x, tx, T), ll, 1e-12, `LL(${x})`)
      near(probabilityAlive(DAYS, x, tx, T), alive, 1e-10, `P(alive)(${x})`)
      near(conditionalExpectedPurchases(DAYS, 90, x, tx, T), next90, 1e-10, `E[90](${x})`)
      near(conditionalExpectedPurchases(DAYS, 365, x, tx, T), next365, 1e-10, `E[365](${x})`)
    }
  })

  it('matches when a + b < 1, where ₂F₁’s c is negative for one-time buyers and ₂F₁ itself is negative', () => {
    const p = { r: 0.5, alpha: 10, a: 0.3, b: 0.5 }
    for (const [x, tx, T, next90, next365] of REFERENCE.bgnbdSmallAB) {
      near(conditionalExpectedPurchases(p, 90, x, tx, T), next90, 1e-10, `E[90](${x})`)
      near(conditionalExpectedPurchases(p, 365, x, tx, T), next365, 1e-10, `E[365](${x})`)
    }
    for (const [t, expected] of REFERENCE.unconditionalSmallAB) near(expectedPurchases(p, t), expected, 1e-10, `E[X(${t})]`)
  })

  it('unconditional E[X(t)] matches, and equals the conditional expectation of a customer just acquired', () => {
    for (const [t, expected] of REFERENCE.unconditionalWeeks) near(expectedPurchases(CDNOW, t), expected, 1e-10, `E[X(${t})]`)
    near(conditionalExpectedPurchases(CDNOW, 39, 0, 0, 0), expectedPurchases(CDNOW, 39), 1e-12)
  })

  it('the grouped table’s likelihood is the sum of the per-customer ones, with customers sharing (x, t_x, T) in one row', () => {
    const customers = [summary(0, 0, 30), summary(0, 0, 30), summary(0, 0, 30), summary(4, 20, 30), summary(4, 20, 30), summary(4, 25, 38), summary(1, 30, 38)]
    const table = new BgNbdTable(customers)
    assert.equal(table.rows, 4)
    assert.equal(table.customers, 7)
    for (const p of [CDNOW, DAYS]) {
      const bySum = customers.reduce((s, c) => s + bgNbdLogLikelihood(p, c.frequency, c.recency, c.T), 0)
      near(table.logLikelihood(p), bySum, 1e-13)
    }
  })

  it('stays finite and accurate for a buyer of 5,000 repeat purchases (the reference table’s last row), whose terms overflow doubles', () => {
    const [x, tx, T, , alive, , next365] = REFERENCE.bgnbdDays.at(-1)!
    assert.equal(x, 5000)
    near(probabilityAlive(DAYS, x, tx, T), alive, 1e-10)
    near(conditionalExpectedPurchases(DAYS, 365, x, tx, T), next365, 1e-10)
  })
})

describe('Gamma-Gamma formulas', () => {
  it('log-likelihood and conditional expected spend match lifetimes’ formulas (scipy)', () => {
    for (const [x, m, ll, spend] of REFERENCE.gammaGamma) {
      near(gammaGammaLogLikelihood(GG, x, m), ll, 1e-12, `LL(${x}, ${m})`)
      near(conditionalExpectedSpend(GG, x, m), spend, 1e-12, `E[spend](${x}, ${m})`)
    }
  })

  it('the fit’s likelihood is the sum of the per-customer ones', () => {
    const customers = REFERENCE.gammaGammaFit.rows.map(([x, m]) => summary(x, 0, 0, m))
    const fit = fitGammaGamma(customers)!
    const bySum = customers.reduce((s, c) => s + gammaGammaLogLikelihood(fit, c.frequency, c.monetary), 0)
    near(fit.logLikelihood, bySum, 1e-12)
  })

  it('a customer without repeat purchases gets the population mean v·p/(q − 1)', () => {
    near(conditionalExpectedSpend(GG, 0, 0), (GG.v * GG.p) / (GG.q - 1), 1e-15)
  })
})

describe('maximum-likelihood fits against scipy.optimize on the same data', () => {
  it('BG/NBD: the parameters agree to 1e-3 and the likelihood to 1e-8 (no penalty, as scipy fitted it)', () => {
    const customers = REFERENCE.bgnbdFit.table.flatMap(([x, tx, T, count]) => Array.from({ length: count }, () => summary(x, tx, T)))
    const fit = fitBgNbd(customers, 0)
    assert.ok(fit.converged)
    for (const key of ['r', 'alpha', 'a', 'b'] as const) near(fit[key], REFERENCE.bgnbdFit.params[key], 1e-3, key)
    near(fit.logLikelihood / customers.length, REFERENCE.bgnbdFit.meanLogLikelihood, 1e-8, 'mean LL')
  })

  it('Gamma-Gamma: the parameters agree to 1e-3 and the likelihood to 1e-8', () => {
    const customers = REFERENCE.gammaGammaFit.rows.map(([x, m]) => summary(x, 0, 0, m))
    const fit = fitGammaGamma(customers, 0)!
    assert.ok(fit.converged)
    for (const key of ['p', 'q', 'v'] as const) near(fit[key], REFERENCE.gammaGammaFit.params[key], 1e-3, key)
    near(fit.logLikelihood / customers.length, REFERENCE.gammaGammaFit.meanLogLikelihood, 1e-8, 'mean LL')
  })

  it('the default penalty moves the BG/NBD fit by under 3 % and its mean log-likelihood by under 1e-4 here', () => {
    const customers = REFERENCE.bgnbdFit.table.flatMap(([x, tx, T, count]) => Array.from({ length: count }, () => summary(x, tx, T)))
    const fit = fitBgNbd(customers)
    for (const key of ['r', 'alpha', 'a', 'b'] as const) near(fit[key], REFERENCE.bgnbdFit.params[key], 0.03, key)
    const mean = fit.logLikelihood / customers.length
    assert.ok(mean < REFERENCE.bgnbdFit.meanLogLikelihood && mean > REFERENCE.bgnbdFit.meanLogLikelihood - 1e-4, String(mean))
  })
})
