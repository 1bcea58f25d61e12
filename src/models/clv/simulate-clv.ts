/**
 * Order histories drawn from the BG/NBD and Gamma-Gamma models themselves, from a seed: the test that
 * a fit recovers the parameters it was simulated with, and small generated shops for end-to-end tests.
 */
import { seededRandom } from '../../core/index.ts'
import type { BgNbdParams } from './bg-nbd.ts'
import { type CustomerSummary, DAY_MS, type OrderRecord } from './customer-summary.ts'
import type { GammaGammaParams } from './gamma-gamma.ts'

function normal(random: () => number): number {
  const u = 1 - random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** Gamma(shape, 1) by Marsaglia & Tsang, with the shape < 1 boost U^(1/shape). */
export function gammaVariate(random: () => number, shape: number): number {
  if (shape < 1) return gammaVariate(random, shape + 1) * (1 - random()) ** (1 / shape)
  const d = shape - 1 / 3
  const c = 1 / Math.sqrt(9 * d)
  for (;;) {
    let x: number
    let v: number
    do {
      x = normal(random)
      v = 1 + c * x
    } while (v <= 0)
    v = v * v * v
    const u = 1 - random()
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v
  }
}

export interface SimulationOptions {
  customers: number
  /** Each customer's first purchase falls uniformly in the first `acquisitionDays` (default 0: all at day 0). */
  acquisitionDays?: number
  /** Days observed from the start (first purchases included). */
  days: number
  seed: number
  spend?: GammaGammaParams
  /** Start of the history (epoch ms; default 2024-01-01). */
  start?: number
}

/**
 * Continuous-time purchase histories: λ ~ Gamma(r, α), p ~ Beta(a, b); after the first purchase,
 * repeats at rate λ until a dropout (probability p after each repeat) or the end. With `spend`, each
 * transaction is worth Gamma(p, ν) with ν ~ Gamma(q, v). Returns the orders and the exact summaries
 * (times not rounded to days). Each customer draws from their own seeded stream, so the same seed with
 * more `days` gives the same customers observed for longer (a holdout period).
 */
export function simulateClv(params: BgNbdParams, options: SimulationOptions): { orders: OrderRecord[]; exact: CustomerSummary[] } {
  const start = options.start ?? Date.UTC(2024, 0, 1)
  const orders: OrderRecord[] = []
  const exact: CustomerSummary[] = []
  for (let i = 0; i < options.customers; i++) {
    const person = `c${String(i).padStart(6, '0')}`
    // A stream per customer: a longer simulation with the same seed extends the same histories.
    const random = seededRandom((options.seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0)
    const lambda = gammaVariate(random, params.r) / params.alpha
    const ga = gammaVariate(random, params.a)
    const dropout = ga / (ga + gammaVariate(random, params.b))
    const nu = options.spend ? gammaVariate(random, options.spend.q) / options.spend.v : 0
    const value = () => (options.spend ? gammaVariate(random, options.spend.p) / nu : 1)
    const first = (options.acquisitionDays ?? 0) * random()
    const T = options.days - first
    let t = 0
    let x = 0
    let repeatValue = 0
    const v0 = value()
    orders.push({ person, time: start + first * DAY_MS, value: v0 })
    for (;;) {
      t += -Math.log(1 - random()) / lambda
      if (!(t <= T)) break
      x += 1
      const v = value()
      repeatValue += v
      orders.push({ person, time: start + (first + t) * DAY_MS, value: v })
      if (random() < dropout) break
    }
    const tx = x > 0 ? orders.at(-1)!.time : start + first * DAY_MS
    exact.push({ person, frequency: x, recency: (tx - (start + first * DAY_MS)) / DAY_MS, T, monetary: x > 0 ? repeatValue / x : 0, totalValue: v0 + repeatValue, days: [] })
  }
  return { orders, exact }
}
