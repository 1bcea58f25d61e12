/**
 * EASE's weights B (B_ij = -P_ij / P_jj, B_ii = 0, P = (X'X + λI)^-1) built row range by row range into a
 * Float32 matrix, from either route to P (see ../ease.ts). Float32 halves the model and is plenty for
 * ranking; all arithmetic before it is in float64.
 */
import { sparseTransposeRow, type SparseRows } from './sparse.ts'

/** Rows [lo, hi) of B from the explicit inverse `p` (stride ld) into `b` (n×n). */
export function easeFromInverse(p: Float64Array, ld: number, n: number, b: Float32Array, lo: number, hi: number): void {
  const scale = new Float64Array(n)
  for (let j = 0; j < n; j++) scale[j] = -1 / p[j * ld + j]!
  for (let i = lo; i < hi; i++) {
    const pi = i * ld
    const bi = i * n
    for (let j = 0; j < n; j++) b[bi + j] = p[pi + j]! * scale[j]!
    b[bi + i] = 0
  }
}

/**
 * Rows [lo, hi) of B by the Woodbury route: with K = (λI + XX')^-1 and H = K X, P = (I - X'H) / λ, so
 * B_ij = S_ij / (1 - S_jj) with S = X'H. `diag` holds S_jj; `xt` is X transposed.
 */
export function easeFromWoodbury(
  xt: SparseRows,
  h: Float64Array,
  diag: Float64Array,
  b: Float32Array,
  lo: number,
  hi: number,
): void {
  const n = xt.rows
  const scale = new Float64Array(n)
  for (let j = 0; j < n; j++) scale[j] = 1 / (1 - diag[j]!)
  const s = new Float64Array(n)
  for (let i = lo; i < hi; i++) {
    sparseTransposeRow(xt, h, n, i, s)
    const bi = i * n
    for (let j = 0; j < n; j++) b[bi + j] = s[j]! * scale[j]!
    b[bi + i] = 0
  }
}

/** S_jj = (X'KX)_jj = Σ over item j's people u of (X'K)[j][u], from the rows of X'K (`ht`, n × m). */
export function woodburyDiagonal(xt: SparseRows, ht: Float64Array, m: number): Float64Array {
  const n = xt.rows
  const diag = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    let sum = 0
    for (let p = xt.indptr[j]!; p < xt.indptr[j + 1]!; p++) sum += ht[j * m + xt.indices[p]!]!
    diag[j] = sum
  }
  return diag
}
