/**
 * The BG/NBD model of repeat purchases (Fader, Hardie & Lee 2005, "Counting your customers the easy
 * way"): while alive, a customer buys as a Poisson process of rate λ ~ Gamma(r, α); after each repeat
 * purchase they drop out with probability p ~ Beta(a, b). A customer is summarised by x (repeat
 * purchases), t_x (time of the last one since the first purchase) and T (time since the first purchase),
 * in one time unit throughout (days here). Formulas as in lifetimes' `BetaGeoFitter`.
 */
import { lnGamma, logAddExp, signedLnHyp2f1 } from './special-functions.ts'

export interface BgNbdParams {
  r: number
  alpha: number
  a: number
  b: number
}

/** The log-likelihood of one customer (FHL 2005, eq. 6, in log-sum-exp form). */
export function bgNbdLogLikelihood(p: BgNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p
  const a1 = lnGamma(r + x) - lnGamma(r) + r * Math.log(alpha)
  const a2 = lnGamma(a + b) + lnGamma(b + x) - lnGamma(b) - lnGamma(a + b + x)
  const a3 = -(r + x) * Math.log(alpha + T)
  if (x === 0) return a1 + a2 + a3
  const a4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(tx + alpha)
  return a1 + a2 + logAddExp(a3, a4)
}

/** (a + b + x − 1)/(a − 1) and the bracket both change sign at a = 1; their ratio is smooth there. */
const offOne = (a: number) => (Math.abs(a - 1) < 1e-7 ? 1 + 1e-7 : a)

/** 1 − e^lnScale · ₂F₁ for ₂F₁ given as (ln|value|, sign); NaN when ₂F₁ did not converge. */
function oneMinusScaled(lnScale: number, hyp: { log: number; sign: number }): number {
  if (hyp.sign === 0) return Number.NaN
  return hyp.sign > 0 ? -Math.expm1(lnScale + hyp.log) : 1 + Math.exp(lnScale + hyp.log)
}

/** P(alive at T | x, t_x, T): 1 for customers without repeat purchases (the model's convention). */
export function probabilityAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1
  const { r, alpha, a, b } = p
  // a/(b+x−1)·((α+T)/(α+t_x))^(r+x), in logs: the power overflows for heavy buyers.
  const ln = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx))
  return 1 / (1 + Math.exp(ln))
}

/**
 * E[purchases in (T, T + t] | x, t_x, T] (FHL 2005, eq. 10). Valid for any a > 0 but a = 1, a removable
 * singularity, nudged off; NaN when ₂F₁ does not converge.
 */
export function conditionalExpectedPurchases(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0
  const { r, alpha, b } = p
  const a = offOne(p.a)
  const z = t / (alpha + T + t)
  // (1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁): the product in logs, as ₂F₁ alone can overflow.
  const second = oneMinusScaled((r + x) * Math.log1p(-z), signedLnHyp2f1(r + x, b + x, a + b + x - 1, z))
  const first = (a + b + x - 1) / (a - 1)
  const numerator = first * second
  if (x === 0) return numerator
  const ln = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx))
  return numerator / (1 + Math.exp(ln))
}

/** E[X(t)]: purchases expected in (0, t] of a customer just acquired (FHL 2005, eq. 9). */
export function expectedPurchases(p: BgNbdParams, t: number): number {
  if (t <= 0) return 0
  const { r, alpha, b } = p
  const a = offOne(p.a)
  const z = t / (alpha + t)
  return ((a + b - 1) / (a - 1)) * oneMinusScaled(r * Math.log1p(-z), signedLnHyp2f1(r, b, a + b - 1, z))
}
