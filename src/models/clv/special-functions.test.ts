import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { REFERENCE } from './reference-values.ts'
import { lnGamma, lnHyp2f1, logAddExp, pearson, signedLnHyp2f1 } from './special-functions.ts'

/** |actual − expected| ≤ absolute + relative·|expected|. */
function near(actual: number, expected: number, relative: number, absolute = 0, label = '') {
  const error = Math.abs(actual - expected)
  assert.ok(error <= absolute + relative * Math.abs(expected), `${label}: ${actual} vs ${expected} (error ${error})`)
}

describe('lnGamma', () => {
  it('matches mpmath to 1e-14 (relative, or 5e-15 absolute near its zeros at 1 and 2) from 1e-8 to 1e6', () => {
    for (const [x, expected] of REFERENCE.lnGamma) near(lnGamma(x), expected, 1e-14, 5e-15, `lnΓ(${x})`)
  })

  it('is continuous where it switches from the shifted form to Stirling (at 15)', () => {
    const below = lnGamma(15 - 1e-12)
    const at = lnGamma(15)
    near(below, at, 0, 1e-10, 'either side of 15')
    // Γ(x+1) = x Γ(x) holds across the switch.
    near(lnGamma(15.5) - lnGamma(14.5), Math.log(14.5), 1e-14, 0, 'recurrence')
  })

  it('is +∞ at 0 and NaN for negative or NaN arguments', () => {
    assert.equal(lnGamma(0), Infinity)
    assert.ok(Number.isNaN(lnGamma(-1.5)))
    assert.ok(Number.isNaN(lnGamma(Number.NaN)))
  })
})

describe('lnHyp2f1', () => {
  it('matches mpmath to 1e-12 relative, also near z = 1 and where the terms overflow doubles', () => {
    for (const [a, b, c, z, expected] of REFERENCE.lnHyp2f1) near(lnHyp2f1(a, b, c, z), expected, 1e-12, 1e-14, `₂F₁(${a}, ${b}; ${c}; ${z})`)
  })

  it('has closed forms at simple parameters: ₂F₁(1, 1; 2; z) = −ln(1 − z)/z and ₂F₁(a, b; b; z) = (1 − z)^−a', () => {
    for (const z of [0.01, 0.3, 0.9, 0.999]) {
      near(lnHyp2f1(1, 1, 2, z), Math.log(-Math.log1p(-z) / z), 1e-12, 0, `z=${z}`)
      near(lnHyp2f1(2.7, 4.1, 4.1, z), -2.7 * Math.log1p(-z), 1e-12, 0, `z=${z}`)
    }
  })

  it('gives the same value through Euler’s transformation (the fallback path)', () => {
    // ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c−a, c−b; c; z): evaluate the right side directly.
    const [a, b, c, z] = [3.2, 4.7, 5.1, 0.95]
    near(lnHyp2f1(c - a, c - b, c, z) + (c - a - b) * Math.log1p(-z), lnHyp2f1(a, b, c, z), 1e-12)
  })

  it('signed: negative values for c < 0 (BG/NBD with a + b < 1) match mpmath, and c = 0, −1, … are poles', () => {
    for (const [a, b, c, z, log, sign] of REFERENCE.lnHyp2f1Signed) {
      const got = signedLnHyp2f1(a, b, c, z)
      assert.equal(got.sign, sign, `sign of ₂F₁(${a}, ${b}; ${c}; ${z})`)
      near(got.log, log, 1e-12, 1e-14, `ln|₂F₁(${a}, ${b}; ${c}; ${z})|`)
    }
    assert.ok(Number.isNaN(lnHyp2f1(0.5, 0.5, -0.2, 0.45)), 'the positive-only form refuses a negative value')
    assert.equal(signedLnHyp2f1(1, 1, -1, 0.5).sign, 0)
    assert.equal(signedLnHyp2f1(1, 1, 0, 0.5).sign, 0)
  })

  it('is 0 at z = 0 and NaN outside 0 ≤ z < 1 or at the poles c = 0, −2, or when the series cannot converge in its budget', () => {
    assert.equal(lnHyp2f1(2, 3, 4, 0), 0)
    assert.ok(Number.isNaN(lnHyp2f1(2, 3, 4, 1)))
    assert.ok(Number.isNaN(lnHyp2f1(2, 3, 4, -0.1)))
    assert.ok(Number.isNaN(lnHyp2f1(2, 3, 0, 0.5)))
    assert.ok(Number.isNaN(lnHyp2f1(2, 3, -2, 0.5)))
    assert.ok(Number.isNaN(lnHyp2f1(2.5, 3.5, 4.2, 0.999, { maxTerms: 100 })))
  })
})

describe('logAddExp and pearson', () => {
  it('adds in log space without overflow', () => {
    near(logAddExp(1000, 1000), 1000 + Math.LN2, 1e-15)
    near(logAddExp(-1000, 0), 0, 0, 1e-300)
    assert.equal(logAddExp(-Infinity, 3), 3)
  })

  it('is 1 for a line, −1 for a falling one, NaN without spread', () => {
    near(pearson([1, 2, 3], [2, 4, 6]), 1, 1e-15)
    near(pearson([1, 2, 3], [3, 2, 1]), -1, 1e-15)
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])))
  })
})
