/**
 * The BG/NBD likelihood of many customers, arranged for the optimiser, which evaluates it about a
 * thousand times per fit: customers sharing (x, t_x, T) are one weighted row, and every term that
 * depends on one column only (lnΓ of x, ln(α + T), ln(α + t_x), ln(b + x − 1)) is computed once per
 * distinct value per evaluation, so a row costs one exp and one log1p.
 */
import type { BgNbdParams } from './bg-nbd.ts'
import { lnGamma } from './special-functions.ts'

/** Distinct values of a column and each row's index into them. */
function indexed(values: readonly number[]): { distinct: Float64Array; index: Int32Array } {
  const distinct = [...new Set(values)].sort((a, b) => a - b)
  const at = new Map(distinct.map((v, i) => [v, i]))
  return { distinct: Float64Array.from(distinct), index: Int32Array.from(values, (v) => at.get(v)!) }
}

export class BgNbdTable {
  /** Rows (distinct (x, t_x, T)) and customers. */
  readonly rows: number
  readonly customers: number
  readonly #x: { distinct: Float64Array; index: Int32Array }
  readonly #tx: { distinct: Float64Array; index: Int32Array }
  readonly #T: { distinct: Float64Array; index: Int32Array }
  readonly #weight: Float64Array

  constructor(customers: Iterable<{ frequency: number; recency: number; T: number }>) {
    const byKey = new Map<string, { x: number; tx: number; T: number; weight: number }>()
    let count = 0
    for (const c of customers) {
      count += 1
      const key = `${c.frequency}|${c.recency}|${c.T}`
      const row = byKey.get(key)
      if (row) row.weight += 1
      else byKey.set(key, { x: c.frequency, tx: c.recency, T: c.T, weight: 1 })
    }
    const rows = [...byKey.values()]
    this.rows = rows.length
    this.customers = count
    this.#x = indexed(rows.map((r) => r.x))
    this.#tx = indexed(rows.map((r) => r.tx))
    this.#T = indexed(rows.map((r) => r.T))
    this.#weight = Float64Array.from(rows, (r) => r.weight)
  }

  /** Σ weight · log-likelihood (FHL 2005, eq. 6), the same as summing `bgNbdLogLikelihood` per customer. */
  logLikelihood(p: BgNbdParams): number {
    const { r, alpha, a, b } = p
    const constant = -lnGamma(r) + r * Math.log(alpha) + lnGamma(a + b) - lnGamma(b)
    const lnA = Math.log(a)
    const xs = this.#x.distinct
    const gammas = new Float64Array(xs.length)
    const lnDrop = new Float64Array(xs.length)
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i]!
      gammas[i] = constant + lnGamma(r + x) + lnGamma(b + x) - lnGamma(a + b + x)
      lnDrop[i] = x > 0 ? lnA - Math.log(b + x - 1) : 0
    }
    const lnT = this.#T.distinct.map((T) => Math.log(alpha + T))
    const lnTx = this.#tx.distinct.map((tx) => Math.log(alpha + tx))
    const xi = this.#x.index
    const ti = this.#T.index
    const txi = this.#tx.index
    const w = this.#weight
    let total = 0
    for (let k = 0; k < this.rows; k++) {
      const i = xi[k]!
      const x = xs[i]!
      const a3 = -(r + x) * lnT[ti[k]!]!
      let tail = a3
      if (x > 0) {
        const a4 = lnDrop[i]! - (r + x) * lnTx[txi[k]!]!
        // ln(e^a3 + e^a4), inline: this loop is the fit's hot path.
        tail = a3 > a4 ? a3 + Math.log1p(Math.exp(a4 - a3)) : a4 + Math.log1p(Math.exp(a3 - a4))
      }
      total += w[k]! * (gammas[i]! + tail)
    }
    return total
  }
}
