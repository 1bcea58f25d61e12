/**
 * EASE (Steck 2019): B = -P / diag(P) column-wise with P = (X'X + λI)^-1, diag(B) = 0, scores X_u B; on
 * the binary matrix, as BASELINES.md defines it.
 *
 * Two exact routes to P, whichever is estimated faster:
 * - direct: X'X + λI from sparse co-counts, inverted densely (blocked sweep, n³);
 * - Woodbury, when there are fewer people than items: P = (I - X' K X) / λ with K = (λI + XX')^-1, which
 *   inverts only a people × people matrix (m³ + nnz·(n + m)); MovieLens latest-small (603 × 5,299)
 *   goes from 1.5e11 flops to about 1e9.
 *
 * Memory: B is n² float32 in the model. Training adds the dense float64 matrix: n² on the direct route
 * (so n² · 12 bytes at peak: 5,000 items 300 MB, 20,000 items 4.8 GB), m² + 2mn on the Woodbury one.
 * The direct route's matrix lives in WebAssembly memory, at most 4 GiB (~23,000 items); beyond that
 * it falls back to plain-JS tiles, about 4× slower. `fits(items)` says whether a catalogue is small
 * enough to choose EASE automatically.
 */
import { binarize, transpose } from './csr.ts'
import { woodburyDiagonal } from './kernels/ease-rows.ts'
import { invertSpd, spdWorkspace } from './kernels/inverse.ts'
import { poolFor, shareCsr, structure, type Pool } from './kernels/pool.ts'
import { evenSplits, splitByCost } from './kernels/ranges.ts'
import { wasmTileAvailable } from './kernels/tile-wasm.ts'
import type { Csr, ModelSpec, TrainContext, TrainedModel } from './types.ts'

export interface EaseParams {
  /** L2 penalty λ added to the diagonal of X'X. */
  lambda: number
}

/** Above this many items EASE is not chosen automatically (n² · 12 bytes while training). */
export const EASE_MAX_ITEMS = 20_000

/** The BASELINES grids together: 100K and Online Retail {10 .. 5000}, latest-small {5 .. 500}. */
const GRID: EaseParams[] = [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].map((lambda) => ({ lambda }))

export const ease: ModelSpec<EaseParams> & { maxItems: number; fits(items: number): boolean } = {
  name: 'ease',
  defaults: { lambda: 500 },
  grid: GRID,
  maxItems: EASE_MAX_ITEMS,
  fits: (items) => items <= EASE_MAX_ITEMS,
  async train(x: Csr, params: EaseParams, ctx: TrainContext): Promise<TrainedModel> {
    if (!(params.lambda > 0)) throw new Error('ease: lambda must be positive')
    const xb = binarize(x)
    const { pool, done } = await poolFor(ctx, Math.min(...Object.values(routeSeconds(xb))))
    try {
      return easeModel(xb, await easeWeights(xb, params.lambda, pool, 'auto', ctx))
    } finally {
      await done()
    }
  },
}

/**
 * Rough single-thread seconds of each route: the dense sweep runs at ~15 GFLOP/s with the WebAssembly
 * tile (~4 without), the sparse row sums of the Woodbury route at ~1e9 adds a second.
 */
function routeSeconds(x: Csr): { direct: number; woodbury: number } {
  const m = x.rows
  const n = x.cols
  const nnz = x.indptr[m]!
  const gflops = wasmTileAvailable() ? 15 : 4
  return {
    direct: (n ** 3 / gflops + 2 * n * n) / 1e9,
    woodbury: (m ** 3 / gflops + nnz * (n + m) + 2 * n * n + m * n) / 1e9,
  }
}

/**
 * B (n×n float32, row i = item i's weights) for the binary matrix `x`, by the cheaper route or the one
 * asked for; the two agree to rounding.
 */
export async function easeWeights(
  x: Csr,
  lambda: number,
  pool: Pool,
  route: 'auto' | 'direct' | 'woodbury' = 'auto',
  ctx: Pick<TrainContext, 'onProgress'> = {},
): Promise<Float32Array> {
  const cost = routeSeconds(x)
  const useWoodbury = route === 'woodbury' || (route === 'auto' && cost.woodbury < cost.direct)
  return useWoodbury ? viaWoodbury(x, lambda, pool, ctx) : viaInverse(x, lambda, pool, ctx)
}

/** Direct route: G = X'X + λI (lower triangle, padded), inverted in place, then B from P. */
async function viaInverse(x: Csr, lambda: number, pool: Pool, ctx: Pick<TrainContext, 'onProgress'>): Promise<Float32Array> {
  const n = x.cols
  const ws = spdWorkspace(n, pool)
  const { a: g, N } = ws
  await gramPlusLambda(shareCsr(pool, x), shareCsr(pool, transpose(x)), g, N, lambda, pool)
  await invertSpd(ws, pool, { onStep: (s, total) => ctx.onProgress?.((0.9 * s) / total, `inverse ${s}/${total}`) })
  const b = pool.f32(n * n)
  await pool.run('ease-from-inverse', evenSplits(n, pool.threads).map((r) => ({ p: g, ld: N, n, b, ...r })))
  ctx.onProgress?.(1, 'weights')
  return b
}

/** Woodbury route: K = (λI + XX')^-1 (people × people), H = K X, then B row by row from X'H. */
async function viaWoodbury(x: Csr, lambda: number, pool: Pool, ctx: Pick<TrainContext, 'onProgress'>): Promise<Float32Array> {
  const m = x.rows
  const n = x.cols
  const xs = shareCsr(pool, x)
  const xts = shareCsr(pool, transpose(x))
  const ws = spdWorkspace(m, pool)
  const { a: k, N: M } = ws
  await gramPlusLambda(xts, xs, k, M, lambda, pool)
  await invertSpd(ws, pool, { onStep: (s, total) => ctx.onProgress?.((0.5 * s) / total, `inverse ${s}/${total}`) })
  // K is stored with stride M; the products want stride m, so compact it when they differ.
  const kc = M === m ? k : compact(k, M, m, pool)
  // H' = X'K row by row (each row a sum of K rows: contiguous adds), then H = K X by transposing.
  const xt = structure(xts)
  const ht = pool.f64(n * m)
  const itemCost = (i: number) => 1 + xts.indptr[i + 1]! - xts.indptr[i]!
  const itemRanges = splitByCost(n, pool.threads, itemCost)
  await pool.run('sparse-transpose-rows', itemRanges.map((r) => ({ at: xt, dense: kc, ncols: m, out: ht, ...r })))
  const diag = pool.f64(n)
  diag.set(woodburyDiagonal(xt, ht, m))
  const h = pool.f64(m * n)
  await pool.run('transpose', evenSplits(m, pool.threads).map((r) => ({ a: ht, rows: n, cols: m, out: h, ...r })))
  ctx.onProgress?.(0.7, 'K X')
  const b = pool.f32(n * n)
  // Row i of B sums the H rows of item i's people, then scales all n cells.
  await pool.run('ease-from-woodbury', itemRanges.map((r) => ({ xt, h, diag, b, ...r })))
  ctx.onProgress?.(1, 'weights')
  return b
}

/**
 * out (stride ld, zeroed) = lower triangle of A'A + λI for a binary A (`at` its transpose): sparse
 * co-counts, rows split between the threads by their share of the work.
 */
async function gramPlusLambda(a: Csr, at: Csr, out: Float64Array, ld: number, lambda: number, pool: Pool): Promise<void> {
  const rowLen = (r: number) => a.indptr[r + 1]! - a.indptr[r]!
  // Row i costs about Σ over A's rows r containing i of |r| · i / n (only columns up to i are counted).
  const cost = (i: number) => {
    let c = 0
    for (let p = at.indptr[i]!; p < at.indptr[i + 1]!; p++) c += rowLen(at.indices[p]!)
    return 1 + (c * (i + 1)) / at.rows
  }
  const ranges = splitByCost(at.rows, pool.threads, cost)
  await pool.run('co-counts', ranges.map((r) => ({ a: structure(a), at: structure(at), out, ld, ...r })))
  for (let i = 0; i < at.rows; i++) out[i * ld + i]! += lambda
}

function compact(k: Float64Array, from: number, to: number, pool: Pool): Float64Array {
  const out = pool.f64(to * to)
  for (let i = 0; i < to; i++) out.set(k.subarray(i * from, i * from + to), i * to)
  return out
}

function easeModel(x: Csr, b: Float32Array): TrainedModel {
  const n = x.cols
  return {
    name: 'ease',
    bytes: b.byteLength,
    scoreRow(row, out) {
      out.fill(0)
      for (let p = x.indptr[row]!; p < x.indptr[row + 1]!; p++) {
        const bi = x.indices[p]! * n
        for (let j = 0; j < n; j++) out[j]! += b[bi + j]!
      }
    },
  }
}

