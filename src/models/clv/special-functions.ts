/**
 * The special functions the BG/NBD and Gamma-Gamma models need, written for their arguments: lnΓ for
 * positive reals (the likelihoods take differences of lnΓ at large arguments, so it must be accurate in
 * absolute terms everywhere) and the Gauss hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1,
 * returned as a logarithm because its terms overflow doubles for heavy buyers (a, b in the hundreds).
 */

const HALF_LN_2PI = 0.9189385332046727

/** Stirling's series is accurate to double precision from here on; smaller arguments are shifted up. */
const STIRLING_FROM = 15

/**
 * ln Γ(x) for x > 0: Stirling's asymptotic series (seven correction terms) at x ≥ 15, and below that
 * the recurrence Γ(x) = Γ(x + n) / (x (x+1) … (x+n−1)) to reach 15.
 *
 * @example lnGamma(5) // ln 24 = 3.1780538303479458
 */
export function lnGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : Number.NaN
  let shift = 0
  let y = x
  if (y < STIRLING_FROM) {
    // One product (not a sum of logs): fewer roundings; at most 15 factors below 15², no overflow.
    let product = 1
    while (y < STIRLING_FROM) {
      product *= y
      y += 1
    }
    shift = Math.log(product)
  }
  const inv = 1 / y
  const inv2 = inv * inv
  // Bernoulli terms B2k / (2k (2k−1) y^(2k−1)), innermost first.
  const series =
    inv * (1 / 12 + inv2 * (-1 / 360 + inv2 * (1 / 1260 + inv2 * (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360 + inv2 * (1 / 156)))))))
  return (y - 0.5) * Math.log(y) - y + HALF_LN_2PI + series - shift
}

/** ln(e^a + e^b) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b
  if (b === -Infinity) return a
  const m = Math.max(a, b)
  return m + Math.log1p(Math.exp(-Math.abs(a - b)))
}

export interface Hyp2f1Options {
  /** Relative size of the last term at which the series stops (default 1e-15). */
  tolerance?: number
  /** Terms summed at most before giving up (default 2,000,000). */
  maxTerms?: number
}

const RESCALE = 1e250
const LN_RESCALE = Math.log(RESCALE)

/**
 * ln of the series Σ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ, with its sign: the sum is kept scaled (its log offset
 * carried separately) so it never overflows. NaN when it did not converge within `maxTerms`.
 */
function seriesLog(a: number, b: number, c: number, z: number, options: Hyp2f1Options): { log: number; sign: number } {
  const tolerance = options.tolerance ?? 1e-15
  const maxTerms = options.maxTerms ?? 2_000_000
  let term = 1
  let sum = 1
  let offset = 0
  for (let n = 0; n < maxTerms; n++) {
    const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1))
    term *= ratio
    sum += term
    if (Math.abs(sum) > RESCALE) {
      sum /= RESCALE
      term /= RESCALE
      offset += LN_RESCALE
    }
    if (term === 0) return { log: Math.log(Math.abs(sum)) + offset, sign: Math.sign(sum) }
    // Past every sign change of (a+n), (b+n) and (c+n), the ratios move monotonically towards z, so
    // max(|ratio|, z) bounds all that follow and the tail is below |term|·r/(1−r).
    if (n + 1 + a > 0 && n + 1 + b > 0 && n + 1 + c > 0) {
      const r = Math.max(Math.abs(ratio), z)
      if (r < 1 && (Math.abs(term) * r) / (1 - r) <= tolerance * Math.abs(sum)) return { log: Math.log(Math.abs(sum)) + offset, sign: Math.sign(sum) }
    }
  }
  return { log: Number.NaN, sign: 0 }
}

/** c = 0, −1, −2, …: the series' denominators vanish. */
const poleAt = (c: number) => c <= 0 && Number.isInteger(c)

/**
 * ₂F₁(a, b; c; z) for 0 ≤ z < 1 as ln|value| and its sign, for any c but 0, −1, −2, … (BG/NBD's
 * c = a + b + x − 1 is negative when a + b < 1 and x = 0, and ₂F₁ can then be negative). The direct
 * series first; when it overflows or does not converge, Euler's transformation
 * ₂F₁(a, b; c; z) = (1 − z)^(c−a−b) ₂F₁(c−a, c−b; c; z), the same fallback lifetimes uses. NaN (sign 0)
 * when neither converges.
 */
export function signedLnHyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): { log: number; sign: number } {
  if (!(z >= 0 && z < 1) || poleAt(c) || Number.isNaN(c)) return { log: Number.NaN, sign: 0 }
  if (z === 0) return { log: 0, sign: 1 }
  const direct = seriesLog(a, b, c, z, options)
  if (Number.isFinite(direct.log) && direct.sign !== 0) return direct
  const euler = seriesLog(c - a, c - b, c, z, options)
  if (Number.isFinite(euler.log) && euler.sign !== 0) return { log: euler.log + (c - a - b) * Math.log1p(-z), sign: euler.sign }
  return { log: Number.NaN, sign: 0 }
}

/**
 * ln ₂F₁(a, b; c; z) where the function is positive (as for a, b, c > 0); NaN where it is not, or
 * where neither form converges (see `signedLnHyp2f1`).
 *
 * @example Math.exp(lnHyp2f1(1, 1, 2, 0.5)) // −ln(1 − 0.5) / 0.5 = 1.3862943611198906
 */
export function lnHyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  const { log, sign } = signedLnHyp2f1(a, b, c, z, options)
  return sign > 0 ? log : Number.NaN
}

/** Pearson's correlation of two equally long samples (NaN with fewer than two points or no spread). */
export function pearson(xs: ArrayLike<number>, ys: ArrayLike<number>): number {
  const n = xs.length
  if (n < 2) return Number.NaN
  let mx = 0
  let my = 0
  for (let i = 0; i < n; i++) {
    mx += xs[i]!
    my += ys[i]!
  }
  mx /= n
  my /= n
  let sxy = 0
  let sxx = 0
  let syy = 0
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx
    const dy = ys[i]! - my
    sxy += dx * dy
    sxx += dx * dx
    syy += dy * dy
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN
}
