/** Building and reading compressed sparse row matrices. */
import type { Csr } from './types.ts'

/**
 * Builds a CSR matrix from (row, col, value) triples; repeated cells add up. Rows and columns must be
 * dense indices below `rows` and `cols`.
 */
export function csrFromTriples(rows: number, cols: number, r: ArrayLike<number>, c: ArrayLike<number>, v?: ArrayLike<number>): Csr {
  const n = r.length
  const counts = new Int32Array(rows + 1)
  for (let k = 0; k < n; k++) counts[r[k]! + 1]! += 1
  for (let i = 0; i < rows; i++) counts[i + 1]! += counts[i]!
  const fill = counts.slice(0, rows)
  const idx = new Int32Array(n)
  const val = new Float32Array(n)
  for (let k = 0; k < n; k++) {
    const at = fill[r[k]!]!++
    idx[at] = c[k]!
    val[at] = v ? v[k]! : 1
  }
  // Sort each row by column and merge repeated cells.
  const indptr = new Int32Array(rows + 1)
  const indices: number[] = []
  const values: number[] = []
  for (let i = 0; i < rows; i++) {
    const start = counts[i]!
    const end = counts[i + 1]!
    const order = Array.from({ length: end - start }, (_, j) => start + j).sort((a, b) => idx[a]! - idx[b]!)
    for (const k of order) {
      if (indices.length > indptr[i]! && indices[indices.length - 1] === idx[k]) values[values.length - 1]! += val[k]!
      else {
        indices.push(idx[k]!)
        values.push(val[k]!)
      }
    }
    indptr[i + 1] = indices.length
  }
  return { rows, cols, indptr, indices: Int32Array.from(indices), values: Float32Array.from(values) }
}

export function transpose(x: Csr): Csr {
  const counts = new Int32Array(x.cols + 1)
  const nnz = x.indptr[x.rows]!
  for (let k = 0; k < nnz; k++) counts[x.indices[k]! + 1]! += 1
  for (let j = 0; j < x.cols; j++) counts[j + 1]! += counts[j]!
  const fill = counts.slice(0, x.cols)
  const indices = new Int32Array(nnz)
  const values = new Float32Array(nnz)
  // Rows are visited in order, so every transposed row comes out sorted.
  for (let i = 0; i < x.rows; i++) {
    for (let k = x.indptr[i]!; k < x.indptr[i + 1]!; k++) {
      const at = fill[x.indices[k]!]!++
      indices[at] = i
      values[at] = x.values[k]!
    }
  }
  return { rows: x.cols, cols: x.rows, indptr: counts, indices, values }
}

/** The columns of row `r`. */
export function rowIndices(x: Csr, r: number): Int32Array {
  return x.indices.subarray(x.indptr[r]!, x.indptr[r + 1]!)
}

/** The same sparsity with every value 1. */
export function binarize(x: Csr): Csr {
  return { ...x, values: new Float32Array(x.values.length).fill(1) }
}
