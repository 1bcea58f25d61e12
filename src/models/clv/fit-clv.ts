/**
 * Fitting BG/NBD and Gamma-Gamma by maximum likelihood on customer summaries: the BG/NBD on the table
 * of distinct (x, t_x, T) with their counts as weights (thousands of customers share a few hundred
 * rows), Gamma-Gamma on repeat buyers with a positive mean spend; both by restarted Nelder-Mead on the
 * parameters' logarithms (so they stay positive without constraints), with a small L2 penalty on those
 * logarithms that keeps the optimum finite when data cannot pin a parameter down (nobody dropped out:
 * b → ∞). Below the minimums no model is fitted: the fit says so and predictions fall back to RFM.
 */
import type { BgNbdParams } from './bg-nbd.ts'
import { BgNbdTable } from './bg-nbd-table.ts'
import type { CustomerSummary } from './customer-summary.ts'
import type { GammaGammaParams } from './gamma-gamma.ts'
import { minimize } from './nelder-mead.ts'
import { lnGamma, pearson } from './special-functions.ts'

export interface ClvOptions {
  /** Fewer repeat buyers than this: no model, RFM percentiles (default 500, like Klaviyo's minimum). */
  minRepeatBuyers?: number
  /** Fewer days between the first order and the end of observation: no model either (default 180). */
  minDays?: number
  /** Weight of the L2 penalty on the log-parameters, per customer (default 1e-4). */
  penalizer?: number
  /** |Pearson correlation| of spend and frequency above which the fit carries a warning (default 0.3). */
  maxSpendCorrelation?: number
}

export interface ClvFit {
  method: 'bgnbd' | 'rfm'
  /** Why the fallback was taken, or what to be wary of; null when there is nothing to say. */
  note: string | null
  /** The time unit of recency, T, α and the prediction horizons. */
  unit: 'days'
  customers: number
  repeatBuyers: number
  /** Days from the first order to the end of observation. */
  days: number
  bgnbd: (BgNbdParams & { logLikelihood: number; converged: boolean; evaluations: number }) | null
  gammaGamma: (GammaGammaParams & { logLikelihood: number; converged: boolean; evaluations: number; customers: number }) | null
  /** Pearson correlation of frequency and mean spend among repeat buyers (Gamma-Gamma assumes ≈ 0). */
  spendFrequencyCorrelation: number | null
  /** Mean spend of repeat transactions: the expected spend when Gamma-Gamma could not be used. */
  meanSpend: number
  seconds: number
}

export const DEFAULT_CLV_OPTIONS: Required<ClvOptions> = { minRepeatBuyers: 500, minDays: 180, penalizer: 1e-4, maxSpendCorrelation: 0.3 }

/** The BG/NBD maximum-likelihood fit on grouped data; α in the data's time unit. */
export function fitBgNbd(customers: readonly CustomerSummary[], penalizer = DEFAULT_CLV_OPTIONS.penalizer) {
  const table = new BgNbdTable(customers)
  const total = customers.length
  const sumX = customers.reduce((s, c) => s + c.frequency, 0)
  const sumT = customers.reduce((s, c) => s + c.T, 0)
  // α is a time scale: penalise its log relative to the mean age, so the penalty is unit-free.
  const scale = Math.max(1, sumT / Math.max(1, total))
  const objective = (theta: number[]) => {
    const p = { r: Math.exp(theta[0]!), alpha: Math.exp(theta[1]!), a: Math.exp(theta[2]!), b: Math.exp(theta[3]!) }
    const ll = table.logLikelihood(p)
    const penalty = theta[0]! ** 2 + (theta[1]! - Math.log(scale)) ** 2 + theta[2]! ** 2 + theta[3]! ** 2
    return -ll / total + penalizer * penalty
  }
  // From two places: purchase rate matched with r = 1, and the shape FHL found on CDNOW.
  const rate = Math.max(sumX, 1) / Math.max(sumT, 1)
  const starts = [
    [0, Math.log(1 / rate), 0, 0],
    [Math.log(0.25), Math.log(0.25 / rate), Math.log(0.8), Math.log(2.5)],
  ]
  let best: ReturnType<typeof minimize> | null = null
  let evaluations = 0
  for (const start of starts) {
    const result = minimize(objective, start)
    evaluations += result.evaluations
    if (!best || result.value < best.value) best = result
  }
  const [r, alpha, a, b] = best!.x.map(Math.exp) as [number, number, number, number]
  const params = { r, alpha, a, b }
  const logLikelihood = table.logLikelihood(params)
  return { ...params, logLikelihood, converged: best!.converged, evaluations }
}

/** The Gamma-Gamma maximum-likelihood fit on repeat buyers with a positive mean spend. */
export function fitGammaGamma(customers: readonly CustomerSummary[], penalizer = DEFAULT_CLV_OPTIONS.penalizer) {
  const used = customers.filter((c) => c.frequency > 0 && c.monetary > 0)
  if (used.length === 0) return null
  const meanSpend = used.reduce((s, c) => s + c.monetary, 0) / used.length
  // The likelihood by column (gammaGammaLogLikelihood, summed): the lnΓ terms once per distinct x,
  // ln m and ln x once per customer, so an evaluation costs one log per customer.
  const xs = [...new Set(used.map((c) => c.frequency))]
  const xIndex = new Map(xs.map((x, i) => [x, i]))
  const at = Int32Array.from(used, (c) => xIndex.get(c.frequency)!)
  const x = Float64Array.from(used, (c) => c.frequency)
  const m = Float64Array.from(used, (c) => c.monetary)
  const lnM = m.map(Math.log)
  const lnX = x.map(Math.log)
  const total = (g: GammaGammaParams) => {
    const gammas = xs.map((xv) => lnGamma(g.p * xv + g.q) - lnGamma(g.p * xv))
    const constant = -lnGamma(g.q) + g.q * Math.log(g.v)
    let ll = 0
    for (let i = 0; i < used.length; i++) {
      const px = g.p * x[i]!
      ll += gammas[at[i]!]! + constant + (px - 1) * lnM[i]! + px * lnX[i]! - (px + g.q) * Math.log(x[i]! * m[i]! + g.v)
    }
    return ll
  }
  const objective = (theta: number[]) => {
    const ll = total({ p: Math.exp(theta[0]!), q: Math.exp(theta[1]!), v: Math.exp(theta[2]!) })
    return -ll / used.length + penalizer * (theta[0]! ** 2 + theta[1]! ** 2 + (theta[2]! - Math.log(meanSpend)) ** 2)
  }
  // p = 2, q = 3 with v matching the mean spend (v·p/(q−1) = mean).
  const result = minimize(objective, [Math.log(2), Math.log(3), Math.log(meanSpend)])
  const [p, q, v] = result.x.map(Math.exp) as [number, number, number]
  return { p, q, v, logLikelihood: total({ p, q, v }), converged: result.converged, evaluations: result.evaluations, customers: used.length }
}

const round = (n: number, digits = 4) => Number(n.toPrecision(digits))

/**
 * Both models, or the reason there are none (then `method: 'rfm'`).
 *
 * @example fitClv(customerSummaries(orders, Date.now())).bgnbd // { r, alpha, a, b, ... } or null
 */
export function fitClv(customers: readonly CustomerSummary[], options: ClvOptions = {}): ClvFit {
  const o = { ...DEFAULT_CLV_OPTIONS, ...options }
  const started = performance.now()
  const repeaters = customers.filter((c) => c.frequency > 0)
  const days = customers.reduce((m, c) => Math.max(m, c.T), 0)
  const meanSpend = repeaters.length > 0 ? repeaters.reduce((s, c) => s + c.monetary, 0) / repeaters.length : 0
  const correlation = pearson(
    repeaters.map((c) => c.frequency),
    repeaters.map((c) => c.monetary),
  )
  const base = {
    unit: 'days' as const,
    customers: customers.length,
    repeatBuyers: repeaters.length,
    days,
    spendFrequencyCorrelation: Number.isFinite(correlation) ? round(correlation) : null,
    meanSpend,
  }
  const fallback = (note: string): ClvFit => ({ ...base, method: 'rfm', note, bgnbd: null, gammaGamma: null, seconds: (performance.now() - started) / 1000 })
  if (repeaters.length < o.minRepeatBuyers) {
    return fallback(`${repeaters.length} repeat buyers, fewer than the ${o.minRepeatBuyers} needed to fit BG/NBD: percentiles from RFM instead`)
  }
  if (days < o.minDays) return fallback(`${days} days of orders, fewer than the ${o.minDays} needed to fit BG/NBD: percentiles from RFM instead`)
  const bgnbd = fitBgNbd(customers, o.penalizer)
  if (![bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b, bgnbd.logLikelihood].every(Number.isFinite)) {
    return fallback('the BG/NBD fit did not reach a finite likelihood: percentiles from RFM instead')
  }
  const notes: string[] = []
  if (!bgnbd.converged) notes.push('the BG/NBD fit stopped at its evaluation budget before converging')
  let gammaGamma = fitGammaGamma(customers, o.penalizer)
  if (gammaGamma && !(gammaGamma.q > 1 && [gammaGamma.p, gammaGamma.v, gammaGamma.logLikelihood].every(Number.isFinite))) {
    notes.push(`Gamma-Gamma gave q = ${round(gammaGamma.q)} ≤ 1 (no finite mean spend): the mean repeat spend is used instead`)
    gammaGamma = null
  }
  if (base.spendFrequencyCorrelation !== null && Math.abs(base.spendFrequencyCorrelation) > o.maxSpendCorrelation) {
    notes.push(`spend and frequency correlate (r = ${base.spendFrequencyCorrelation}): Gamma-Gamma assumes they do not, so predicted values are less reliable`)
  }
  return { ...base, method: 'bgnbd', note: notes.length > 0 ? notes.join('; ') : null, bgnbd, gammaGamma, seconds: (performance.now() - started) / 1000 }
}
