/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: using
 * iso-value curves"; the form of lifetimes' `GammaGammaFitter`): each transaction's value is
 * Gamma(p, ν) with the customer's ν ~ Gamma(q, v). Fitted on repeat buyers only (x > 0), from x and the
 * mean value m of their repeat transactions. It assumes spend does not depend on frequency: check the
 * correlation of m and x (near 0) before trusting it.
 */
import { lnGamma } from './special-functions.ts'

export interface GammaGammaParams {
  p: number
  q: number
  v: number
}

/** The log-likelihood of one repeat buyer's mean spend m over x transactions (x > 0, m > 0). */
export function gammaGammaLogLikelihood(g: GammaGammaParams, x: number, m: number): number {
  const { p, q, v } = g
  const px = p * x
  return lnGamma(px + q) - lnGamma(px) - lnGamma(q) + q * Math.log(v) + (px - 1) * Math.log(m) + px * Math.log(x) - (px + q) * Math.log(x * m + v)
}

/**
 * E[mean spend | x, m]: the population mean v·p/(q − 1) and the customer's own m, weighted by
 * w = p·x/(p·x + q − 1). Customers without repeat purchases (x = 0) get the population mean. Needs
 * q > 1 (the population mean is infinite otherwise).
 */
export function conditionalExpectedSpend(g: GammaGammaParams, x: number, m: number): number {
  const { p, q, v } = g
  if (x === 0) return (v * p) / (q - 1)
  return (p * (v + x * m)) / (p * x + q - 1)
}
