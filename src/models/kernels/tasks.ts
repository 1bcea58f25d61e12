/**
 * Every task a pool thread can run, by name. A task gets plain objects whose typed arrays live in shared
 * memory (pool.f64 and friends), works on its own range, and returns a small result or nothing.
 */
import { alsSolveRows, gramLower, type AlsHalf } from './als.ts'
import { alsWasmAvailable, gramRowsWasm } from './als-wasm.ts'
import { easeFromInverse, easeFromWoodbury } from './ease-rows.ts'
import { neighbourRows, type NeighbourInput } from './neighbours.ts'
import { coCountsLower, sparseTransposeRows, transposeDense, type SparseRows } from './sparse.ts'
import { sweepPack, sweepUpdate, type RowRange, type SweepStep } from './sweep.ts'

type Ranged<T> = T & RowRange

export const TASKS = {
  'sweep-pack': (x: { step: SweepStep; range: RowRange }) => sweepPack(x.step, x.range),
  'sweep-update': (x: { step: SweepStep; range: RowRange }) => sweepUpdate(x.step, x.range),
  'co-counts': (x: Ranged<{ a: SparseRows; at: SparseRows; out: Float64Array; ld: number }>) =>
    coCountsLower(x.a, x.at, x.out, x.ld, x.lo, x.hi),
  'sparse-transpose-rows': (x: Ranged<{ at: SparseRows; dense: Float64Array; ncols: number; out: Float64Array }>) =>
    sparseTransposeRows(x.at, x.dense, x.ncols, x.out, x.lo, x.hi),
  'transpose': (x: Ranged<{ a: Float64Array; rows: number; cols: number; out: Float64Array }>) =>
    transposeDense(x.a, x.rows, x.cols, x.out, x.lo, x.hi),
  'ease-from-inverse': (x: Ranged<{ p: Float64Array; ld: number; n: number; b: Float32Array }>) =>
    easeFromInverse(x.p, x.ld, x.n, x.b, x.lo, x.hi),
  'ease-from-woodbury': (x: Ranged<{ xt: SparseRows; h: Float64Array; diag: Float64Array; b: Float32Array }>) =>
    easeFromWoodbury(x.xt, x.h, x.diag, x.b, x.lo, x.hi),
  'neighbours': (x: Ranged<{ input: NeighbourInput }>) => neighbourRows(x.input, x.lo, x.hi),
  'gram': (x: Ranged<{ y: Float64Array; count: number; f: number; g: Float64Array }>) =>
    (alsWasmAvailable() ? gramRowsWasm : gramLower)(x.y, x.count, x.f, x.g, x.lo, x.hi),
  'als-rows': (x: Ranged<{ half: AlsHalf }>) => alsSolveRows(x.half, x.lo, x.hi),
}

export type TaskName = keyof typeof TASKS
export type TaskArgs<N extends TaskName> = Parameters<(typeof TASKS)[N]>[0]
export type TaskResult<N extends TaskName> = ReturnType<(typeof TASKS)[N]>
