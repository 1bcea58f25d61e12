/**
 * Blocked symmetric Gauss–Jordan inversion ("sweep operator") of a symmetric positive definite matrix,
 * split into phases a worker pool can run on disjoint row ranges.
 *
 * Sweeping pivot block K of M (R = every other index, D = M_KK^-1) does
 *   M_RR -= M_RK D M_KR,   M_RK = M_RK D,   M_KK = -D
 * and sweeping every block leaves -M^-1. Symmetry is kept throughout, so only the lower triangle is
 * stored and updated: n³ flops in all, the same as Cholesky + triangular inverse + product, but in one
 * loop whose bulk is a rank-b update (the GEMM-like part below, 4×4 register tiles on packed panels).
 *
 * Layout: `a` is N×N row-major with N a multiple of 4; only a[i*N + j] with j <= i is read or written.
 * Panels are packed four rows at a time, k-major: row j's value k sits at (j>>2)*4*kb + k*4 + (j&3).
 * When the arrays live in a WebAssembly memory (`memory`), the tile products run in tile-wasm.ts;
 * otherwise in the plain-JS loops below. Both do the same operations in the same order.
 */
import { tileUpdate, type WasmMemory } from './tile-wasm.ts'

export interface SweepStep {
  a: Float64Array
  /** Matrix order (multiple of 4). */
  n: number
  /** Pivot block [k0, k0 + kb), both multiples of 4. */
  k0: number
  kb: number
  /** D = M_KK^-1, kb×kb, written by `sweepPivot`. */
  d: Float64Array
  /** -D packed four rows at a time like the panels (the wasm route's operand for V = U D). */
  dp: Float64Array
  /** Packed U = M_RK and V = U D (N×kb each; rows inside K are unused). */
  up: Float64Array
  vp: Float64Array
  /** The WebAssembly memory all the arrays above live in, if any. */
  memory: WasmMemory | null
}

/** Rows [lo, hi) of a phase; multiples of 4. */
export interface RowRange {
  lo: number
  hi: number
}

/** Phase 0 (one thread): D = M_KK^-1 into `d`, and M_KK = -D. */
export function sweepPivot(s: SweepStep): void {
  const { a, n, k0, kb, d } = s
  for (let i = 0; i < kb; i++) {
    for (let j = 0; j <= i; j++) {
      const v = a[(k0 + i) * n + k0 + j]!
      d[i * kb + j] = v
      d[j * kb + i] = v
    }
  }
  sweepSmall(d, kb)
  for (let i = 0; i < kb * kb; i++) d[i] = -d[i]!
  for (let i = 0; i < kb; i++) for (let j = 0; j <= i; j++) a[(k0 + i) * n + k0 + j] = -d[i * kb + j]!
  for (let c = 0; c < kb; c++) for (let k = 0; k < kb; k++) s.dp[(c >> 2) * 4 * kb + k * 4 + (c & 3)] = -d[c * kb + k]!
}

/**
 * Unblocked sweep of a full symmetric m×m matrix in place: leaves -M^-1. Used on the small pivot
 * blocks only (m³ flops on m <= 128).
 */
export function sweepSmall(m: Float64Array, size: number): void {
  for (let p = 0; p < size; p++) {
    const piv = m[p * size + p]!
    if (!(piv > 0)) throw new Error(`matrix is not positive definite (pivot ${p}: ${piv})`)
    const inv = 1 / piv
    for (let i = 0; i < size; i++) {
      if (i === p) continue
      const f = m[i * size + p]! * inv
      if (f === 0) continue
      const ri = i * size
      const rp = p * size
      for (let j = 0; j < size; j++) if (j !== p) m[ri + j]! -= f * m[rp + j]!
    }
    for (let i = 0; i < size; i++) {
      if (i === p) continue
      m[i * size + p]! *= inv
      m[p * size + i]! *= inv
    }
    m[p * size + p] = -inv
  }
}

/** Phase 1 (row blocks [lo, hi) outside K): pack U = M_RK and V = U D for those rows. */
export function sweepPack(s: SweepStep, r: RowRange): void {
  const { a, n, k0, kb, d, up, vp } = s
  const k1 = k0 + kb
  for (let j0 = r.lo; j0 < r.hi; j0 += 4) {
    if (j0 >= k0 && j0 < k1) continue
    const base = (j0 >> 2) * 4 * kb
    // Below K a row holds M_jK; above it, M_Kj is a column of rows K (lower triangle only).
    for (let q = 0; q < 4; q++) {
      const j = j0 + q
      if (j >= k1) for (let k = 0; k < kb; k++) up[base + k * 4 + q] = a[j * n + k0 + k]!
      else for (let k = 0; k < kb; k++) up[base + k * 4 + q] = a[(k0 + k) * n + j]!
    }
    if (s.memory) {
      // C -= (-D) U' on tiles of four D rows, written straight into V's packed block.
      const update = tileUpdate(s.memory)
      vp.fill(0, base, base + 4 * kb)
      for (let c0 = 0; c0 < kb; c0 += 4) {
        update(s.dp.byteOffset + c0 * kb * 8, up.byteOffset + base * 8, vp.byteOffset + (base + c0 * 4) * 8, 32, 4, kb, -1, 0)
      }
      continue
    }
    // V = U D, four rows at a time; D is symmetric, so its column c is the contiguous row c.
    for (let c = 0; c < kb; c++) {
      const dc = c * kb
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0
      for (let k = 0, x = base; k < kb; k++, x += 4) {
        const w = d[dc + k]!
        s0 += up[x]! * w
        s1 += up[x + 1]! * w
        s2 += up[x + 2]! * w
        s3 += up[x + 3]! * w
      }
      const y = base + c * 4
      vp[y] = s0
      vp[y + 1] = s1
      vp[y + 2] = s2
      vp[y + 3] = s3
    }
  }
}

/**
 * Phase 2 (row blocks [lo, hi) outside K): M_RR -= V U' on the lower triangle, then M_RK = V for these
 * rows. Reads only the packed panels, and no two ranges write the same cells, so ranges run in parallel.
 */
export function sweepUpdate(s: SweepStep, r: RowRange): void {
  const { a, n, k0, kb, up, vp } = s
  const k1 = k0 + kb
  const stride = 4 * kb
  const update = s.memory ? tileUpdate(s.memory) : null
  for (let i0 = r.lo; i0 < r.hi; i0 += 4) {
    if (i0 >= k0 && i0 < k1) continue
    const vb = (i0 >> 2) * stride
    const c0 = i0 * n
    if (update) update(vp.byteOffset + vb * 8, up.byteOffset, a.byteOffset + c0 * 8, n * 8, i0 + 4, kb, k0 <= i0 ? k0 : -1, k1)
    else updateRowBlock(s, i0)
    writePanel(s, i0)
  }
}

/** M_RR -= V U' for the four rows from i0, columns up to i0 + 3 except K, in plain JS. */
function updateRowBlock(s: SweepStep, i0: number): void {
  const { a, n, k0, kb, up, vp } = s
  const k1 = k0 + kb
  const stride = 4 * kb
  const vb = (i0 >> 2) * stride
  const c0 = i0 * n
  for (let j0 = 0; j0 <= i0; j0 += 4) {
    if (j0 === k0) {
      j0 = k1 - 4
      continue
    }
    let x = vb
    let y = (j0 >> 2) * stride
    let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0
    let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0
    for (let k = 0; k < kb; k++, x += 4, y += 4) {
      const x0 = vp[x]!, x1 = vp[x + 1]!, x2 = vp[x + 2]!, x3 = vp[x + 3]!
      const y0 = up[y]!, y1 = up[y + 1]!, y2 = up[y + 2]!, y3 = up[y + 3]!
      s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3
      s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3
      s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3
      s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3
    }
    // On the diagonal tile this also touches a few upper cells; they are never read.
    let c = c0 + j0
    a[c]! -= s00; a[c + 1]! -= s01; a[c + 2]! -= s02; a[c + 3]! -= s03
    c += n
    a[c]! -= s10; a[c + 1]! -= s11; a[c + 2]! -= s12; a[c + 3]! -= s13
    c += n
    a[c]! -= s20; a[c + 1]! -= s21; a[c + 2]! -= s22; a[c + 3]! -= s23
    c += n
    a[c]! -= s30; a[c + 1]! -= s31; a[c + 2]! -= s32; a[c + 3]! -= s33
  }
}

/** The panel gets V for rows i0..i0+3 (all packing of this step happened in phase 1: U is not read again). */
function writePanel(s: SweepStep, i0: number): void {
  const { a, n, k0, kb, vp } = s
  const k1 = k0 + kb
  const vb = (i0 >> 2) * 4 * kb
  for (let j = i0; j < i0 + 4; j++) {
    const base = vb + (j & 3)
    if (j >= k1) for (let k = 0; k < kb; k++) a[j * n + k0 + k] = vp[base + k * 4]!
    else for (let k = 0; k < kb; k++) a[(k0 + k) * n + j] = vp[base + k * 4]!
  }
}

/**
 * Splits rows [0, n) into `parts` ranges (multiples of 4) of about equal lower-triangle work: row i costs
 * about i, so cuts sit at n·sqrt(t/parts).
 */
export function triangularSplits(n: number, parts: number): RowRange[] {
  const cuts = [0]
  for (let t = 1; t < parts; t++) cuts.push(Math.min(n, Math.round((n * Math.sqrt(t / parts)) / 4) * 4))
  cuts.push(n)
  return cuts.slice(0, -1).map((lo, t) => ({ lo, hi: cuts[t + 1]! }))
}
