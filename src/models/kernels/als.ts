/**
 * Implicit ALS, one half-sweep at a time (Hu, Koren & Volinsky 2008, solved with a few conjugate-gradient
 * steps per row as in Takács, Pilászy & Tikk 2011). Row u of the side being solved minimises
 *   Σ_j c_uj (p_uj - x_u·y_j)² + reg |x_u|²,  c = 1 + alpha·value, p = 1 on observed cells, 0 elsewhere,
 * i.e. solves (Y'Y + Σ_j∈u (c_uj - 1) y_j y_j' + reg I) x_u = Σ_j∈u c_uj y_j. Y'Y (the Gram trick) is
 * computed once per half-sweep, so a CG step costs f² + 4f·|u| instead of f²·|items|. The CG loop is
 * written once over `RowOps`: the WebAssembly SIMD kernels of als-wasm.ts where available, else the
 * plain-JS ones below (also the tests' second opinion).
 */
import { alsWasmAvailable, WasmRowOps } from './als-wasm.ts'
import type { SparseRows } from './sparse.ts'

export interface AlsHalf {
  /** The rows being solved, over the other side's columns; `values` feed the confidence. */
  x: SparseRows & { values: Float32Array }
  /** x.rows × f factors, updated in place (warm start from their current values). */
  target: Float64Array
  /** x.cols × f factors of the other side, fixed in this half-sweep. */
  other: Float64Array
  /** f×f Gram matrix other'other (full). */
  gram: Float64Array
  f: number
  reg: number
  alpha: number
  cgSteps: number
}

/**
 * Rows [lo, hi) of the Gram matrix G = Y'Y (Y: count × f), lower triangle only (c <= a); the caller
 * mirrors it. Loops item by item so each factor row is read once, contiguously.
 */
export function gramLower(y: Float64Array, count: number, f: number, g: Float64Array, lo: number, hi: number): void {
  for (let a = lo; a < hi; a++) g.fill(0, a * f, a * f + a + 1)
  for (let i = 0; i < count; i++) {
    const yi = i * f
    for (let a = lo; a < hi; a++) {
      const ya = y[yi + a]!
      if (ya === 0) continue
      const ga = a * f
      for (let c = 0; c <= a; c++) g[ga + c]! += ya * y[yi + c]!
    }
  }
}

/** Copies the lower triangle of the f×f matrix `g` into its upper one. */
export function mirrorLower(g: Float64Array, f: number): void {
  for (let a = 0; a < f; a++) for (let c = 0; c < a; c++) g[c * f + a] = g[a * f + c]!
}

/**
 * The linear algebra of one row's system, on vectors the implementation owns (so the WebAssembly one can
 * keep them in its memory): load a row, then r = b - A x, or ap = A p.
 */
export interface RowOps {
  readonly x: Float64Array
  readonly r: Float64Array
  readonly p: Float64Array
  readonly ap: Float64Array
  load(other: Float64Array, indices: Int32Array, values: Float32Array, start: number, end: number, alpha: number): void
  residual(): void
  applyA(): void
}

/** Solves rows [lo, hi) of one half-sweep; rows are independent, so ranges can run in parallel. */
export function alsSolveRows(h: AlsHalf, lo: number, hi: number, useWasm = alsWasmAvailable()): void {
  const { x: m, target, other, gram, f, reg, alpha, cgSteps } = h
  let longest = 0
  for (let u = lo; u < hi; u++) longest = Math.max(longest, m.indptr[u + 1]! - m.indptr[u]!)
  const ops: RowOps = useWasm ? new WasmRowOps(f, reg, gram, other, longest) : new JsRowOps(f, reg, gram, longest)
  const { x, r, p, ap } = ops
  for (let u = lo; u < hi; u++) {
    ops.load(other, m.indices, m.values, m.indptr[u]!, m.indptr[u + 1]!, alpha)
    x.set(target.subarray(u * f, (u + 1) * f))
    ops.residual()
    let rs = 0
    for (let k = 0; k < f; k++) {
      p[k] = r[k]!
      rs += r[k]! * r[k]!
    }
    for (let step = 0; step < cgSteps && rs > 1e-300; step++) {
      ops.applyA()
      let pap = 0
      for (let k = 0; k < f; k++) pap += p[k]! * ap[k]!
      if (!(pap > 0)) break
      const a = rs / pap
      let rsNew = 0
      for (let k = 0; k < f; k++) {
        x[k]! += a * p[k]!
        const rk = r[k]! - a * ap[k]!
        r[k] = rk
        rsNew += rk * rk
      }
      const beta = rsNew / rs
      for (let k = 0; k < f; k++) p[k] = r[k]! + beta * p[k]!
      rs = rsNew
    }
    target.set(x, u * f)
  }
}

/** RowOps in plain JS (the fallback, and the reference in tests); the row's factors are copied together. */
class JsRowOps implements RowOps {
  readonly x: Float64Array
  readonly r: Float64Array
  readonly p: Float64Array
  readonly ap: Float64Array
  private readonly ys: Float64Array
  private readonly ws: Float64Array
  private count = 0

  constructor(
    private readonly f: number,
    private readonly reg: number,
    private readonly gram: Float64Array,
    maxCount: number,
  ) {
    this.x = new Float64Array(f)
    this.r = new Float64Array(f)
    this.p = new Float64Array(f)
    this.ap = new Float64Array(f)
    this.ys = new Float64Array(Math.max(1, maxCount) * f)
    this.ws = new Float64Array(Math.max(1, maxCount))
  }

  load(other: Float64Array, indices: Int32Array, values: Float32Array, start: number, end: number, alpha: number): void {
    const f = this.f
    this.count = end - start
    for (let q = 0; q < this.count; q++) {
      const j = indices[start + q]!
      this.ys.set(other.subarray(j * f, (j + 1) * f), q * f)
      this.ws[q] = alpha * values[start + q]! // c - 1
    }
  }

  residual(): void {
    const { f, ys, ws, x, r } = this
    gramTimes(this.gram, f, x, this.reg, r)
    for (let k = 0; k < f; k++) r[k] = -r[k]!
    for (let q = 0; q < this.count; q++) {
      const w = ws[q]!
      axpy(1 + w - w * dot(ys, q * f, x, f), ys, q * f, r, f)
    }
  }

  applyA(): void {
    const { f, ys, ws, p, ap } = this
    gramTimes(this.gram, f, p, this.reg, ap)
    for (let q = 0; q < this.count; q++) axpy(ws[q]! * dot(ys, q * f, p, f), ys, q * f, ap, f)
  }
}

/** y[off ..] · v over f entries, four partial sums for instruction-level parallelism. */
function dot(y: Float64Array, off: number, v: Float64Array, f: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0
  let k = 0
  for (; k + 3 < f; k += 4) {
    s0 += y[off + k]! * v[k]!
    s1 += y[off + k + 1]! * v[k + 1]!
    s2 += y[off + k + 2]! * v[k + 2]!
    s3 += y[off + k + 3]! * v[k + 3]!
  }
  for (; k < f; k++) s0 += y[off + k]! * v[k]!
  return s0 + s1 + (s2 + s3)
}

/** out += t · y[off .. off+f). */
function axpy(t: number, y: Float64Array, off: number, out: Float64Array, f: number): void {
  for (let k = 0; k < f; k++) out[k]! += t * y[off + k]!
}

/** out = (G + reg I) v. */
function gramTimes(g: Float64Array, f: number, v: Float64Array, reg: number, out: Float64Array): void {
  for (let a = 0; a < f; a++) out[a] = dot(g, a * f, v, f) + reg * v[a]!
}
