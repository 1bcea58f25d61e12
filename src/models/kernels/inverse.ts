/**
 * Inverse of a symmetric positive definite matrix by the blocked sweep of `sweep.ts`, its rank-b updates
 * split over the pool's threads (two phases per pivot block; each thread owns a band of rows). The
 * matrix and the panels live in one shared WebAssembly memory when possible (so the SIMD tile can work
 * on them in place), else in ordinary shared arrays (plain-JS tiles).
 */
import type { Pool } from './pool.ts'
import { sweepPivot, triangularSplits, type SweepStep } from './sweep.ts'
import { sharedMemory, type WasmMemory } from './tile-wasm.ts'

/** The stored order for an n×n matrix: rows are padded to a multiple of 4 for the 4×4 tiles. */
export function paddedOrder(n: number): number {
  return Math.ceil(n / 4) * 4
}

/** The matrix to invert (`a`, N×N, N = paddedOrder(n)) and the scratch the sweep needs. */
export interface SpdWorkspace {
  n: number
  N: number
  block: number
  a: Float64Array
  d: Float64Array
  dp: Float64Array
  up: Float64Array
  vp: Float64Array
  memory: WasmMemory | null
}

/**
 * Allocates a zeroed workspace for an n×n matrix; fill the lower triangle of `a` (stride N), then call
 * invertSpd. `wasm: false` forces the plain-JS tiles (tests compare the two).
 */
export function spdWorkspace(n: number, pool: Pool, opts: { block?: number; wasm?: boolean } = {}): SpdWorkspace {
  const N = paddedOrder(n)
  // 64 keeps a packed panel of a few thousand rows in L2 and the serial pivot step small.
  const block = Math.max(4, Math.min(opts.block ?? 64, N))
  const sizes = [N * N, block * block, block * block, N * block, N * block]
  let memory: WasmMemory | null = null
  try {
    if (opts.wasm !== false) memory = sharedMemory(sizes.reduce((s, x) => s + x, 0) * 8)
  } catch {
    memory = null // the engine refused the reservation: fall back to ordinary arrays
  }
  let at = 0
  const take = (len: number) => {
    const view = memory ? new Float64Array(memory.buffer, at * 8, len) : pool.f64(len)
    at += len
    return view
  }
  const [a, d, dp, up, vp] = sizes.map(take) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]
  return { n, N, block, a, d, dp, up, vp, memory }
}

export interface InverseOptions {
  onStep?: (done: number, total: number) => void
}

/**
 * Inverts the workspace's matrix in place: on entry its lower triangle (the upper one is ignored; padding
 * is overwritten with the identity), on return the whole symmetric inverse.
 */
export async function invertSpd(ws: SpdWorkspace, pool: Pool, opts: InverseOptions = {}): Promise<void> {
  const { n, N, block, a } = ws
  for (let i = n; i < N; i++) {
    a.fill(0, i * N, i * N + i)
    a[i * N + i] = 1
  }
  const ranges = triangularSplits(N, pool.threads)
  const steps = Math.ceil(N / block)
  for (let s = 0; s < steps; s++) {
    const k0 = s * block
    const step: SweepStep = { a, n: N, k0, kb: Math.min(block, N - k0), d: ws.d, dp: ws.dp, up: ws.up, vp: ws.vp, memory: ws.memory }
    sweepPivot(step)
    await pool.run('sweep-pack', ranges.map((range) => ({ step, range })))
    await pool.run('sweep-update', ranges.map((range) => ({ step, range })))
    opts.onStep?.(s + 1, steps)
  }
  // The sweep leaves -A^-1 in the lower triangle: negate it and mirror it into the upper one.
  for (let i = 0; i < N; i++) {
    const ri = i * N
    for (let j = 0; j < i; j++) {
      const v = -a[ri + j]!
      a[ri + j] = v
      a[j * N + i] = v
    }
    a[ri + i] = -a[ri + i]!
  }
}
