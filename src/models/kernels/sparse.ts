/**
 * Products of a sparse binary matrix with itself or with dense matrices, row range by row range so pool
 * threads can share them. Sparse matrices come as plain CSR arrays (`SparseRows`), dense ones row-major.
 */

/** The structure of a CSR matrix (values are not read: these kernels work on the binary matrix). */
export interface SparseRows {
  rows: number
  cols: number
  indptr: Int32Array
  indices: Int32Array
}

/**
 * Lower triangle of the co-count matrix A'A into rows [lo, hi) of dense `out` (stride `ld`), added to
 * what is there: out[i][j] += |{r: A[r][i] = A[r][j] = 1}| for j <= i. `at` is A transposed. Costs the sum
 * over A's rows of their squared length, half of it: no dense product needed.
 */
export function coCountsLower(a: SparseRows, at: SparseRows, out: Float64Array, ld: number, lo: number, hi: number): void {
  const { indptr, indices } = a
  for (let i = lo; i < hi; i++) {
    const row = i * ld
    for (let p = at.indptr[i]!; p < at.indptr[i + 1]!; p++) {
      const r = at.indices[p]!
      // Row r is sorted, so its columns j <= i come first.
      for (let q = indptr[r]!; q < indptr[r + 1]!; q++) {
        const j = indices[q]!
        if (j > i) break
        out[row + j]! += 1
      }
    }
  }
}

/**
 * out = Σ over the rows r of `dense` (stride ncols) that sparse row i of `at` lists, i.e. row i of A'D
 * for the binary A whose transpose is `at`. Four dense rows per pass, so `out` is loaded and stored a
 * quarter as often (this loop is bound by memory traffic, not arithmetic).
 */
export function sparseTransposeRow(at: SparseRows, dense: Float64Array, ncols: number, i: number, out: Float64Array): void {
  out.fill(0, 0, ncols)
  const end = at.indptr[i + 1]!
  let p = at.indptr[i]!
  for (; p + 3 < end; p += 4) {
    const r0 = at.indices[p]! * ncols
    const r1 = at.indices[p + 1]! * ncols
    const r2 = at.indices[p + 2]! * ncols
    const r3 = at.indices[p + 3]! * ncols
    for (let j = 0; j < ncols; j++) out[j]! += dense[r0 + j]! + dense[r1 + j]! + (dense[r2 + j]! + dense[r3 + j]!)
  }
  for (; p < end; p++) {
    const r = at.indices[p]! * ncols
    for (let j = 0; j < ncols; j++) out[j]! += dense[r + j]!
  }
}

/** Rows [lo, hi) of A'D into `out` (stride ncols): see sparseTransposeRow. */
export function sparseTransposeRows(at: SparseRows, dense: Float64Array, ncols: number, out: Float64Array, lo: number, hi: number): void {
  for (let i = lo; i < hi; i++) sparseTransposeRow(at, dense, ncols, i, out.subarray(i * ncols, (i + 1) * ncols))
}

/** Rows [lo, hi) of the transpose of `a` (rows × cols) into `out` (cols × rows), in 32×32 tiles. */
export function transposeDense(a: Float64Array, rows: number, cols: number, out: Float64Array, lo: number, hi: number): void {
  for (let j0 = lo; j0 < hi; j0 += 32) {
    const j1 = Math.min(j0 + 32, hi)
    for (let i0 = 0; i0 < rows; i0 += 32) {
      const i1 = Math.min(i0 + 32, rows)
      for (let j = j0; j < j1; j++) for (let i = i0; i < i1; i++) out[j * rows + i] = a[i * cols + j]!
    }
  }
}
