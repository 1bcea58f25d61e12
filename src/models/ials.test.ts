/**
 * iALS: the CG row solver against the normal equations, recovery of a planted block structure, threads
 * and seeds.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { csrFromTriples } from './csr.ts'
import { ials } from './ials.ts'
import { alsSolveRows, gramLower, mirrorLower } from './kernels/als.ts'
import { startPool } from './kernels/pool.ts'
import { fillNormal, uniform } from './kernels/rng.ts'
import { popularity } from './popularity.ts'
import type { Csr, TrainedModel } from './types.ts'

/**
 * People in group g like items of group g: each has 10 of their group's 25 items plus 2 random ones;
 * 3 more of their group's items are held out as the test set.
 */
function plantedBlocks(seed: number) {
  const groups = 4
  const perGroup = 30
  const itemsPer = 25
  const rand = uniform(seed)
  const r: number[] = []
  const c: number[] = []
  const test = new Map<number, number[]>()
  for (let u = 0; u < groups * perGroup; u++) {
    const g = Math.floor(u / perGroup)
    const own = Array.from({ length: itemsPer }, (_, i) => g * itemsPer + i).sort(() => rand() - 0.5)
    const train = new Set(own.slice(0, 10))
    while (train.size < 12) train.add(Math.floor(rand() * groups * itemsPer))
    for (const i of train) (r.push(u), c.push(i))
    test.set(u, own.slice(10).filter((i) => !train.has(i)).slice(0, 3))
  }
  return { x: csrFromTriples(groups * perGroup, groups * itemsPer, r, c), test }
}

/** Mean recall@10 over people, training items excluded. */
function recallAt10(model: TrainedModel, x: Csr, test: Map<number, number[]>): number {
  const out = new Float32Array(x.cols)
  let total = 0
  for (const [u, truth] of test) {
    model.scoreRow(u, out)
    for (let p = x.indptr[u]!; p < x.indptr[u + 1]!; p++) out[x.indices[p]!] = -Infinity
    const top = Array.from(out.keys()).sort((a, b) => out[b]! - out[a]! || a - b).slice(0, 10)
    total += top.filter((j) => truth.includes(j)).length / Math.min(10, truth.length)
  }
  return total / test.size
}

const SMALL = { factors: 8, reg: 1, alpha: 5, iterations: 10, cgSteps: 3 }

function scores(model: TrainedModel, rows: number, cols: number): Float32Array {
  const all = new Float32Array(rows * cols)
  for (let u = 0; u < rows; u++) model.scoreRow(u, all.subarray(u * cols, (u + 1) * cols))
  return all
}

describe('iALS', () => {
  for (const useWasm of [true, false]) {
    it(`enough CG steps solve each row’s normal equations (${useWasm ? 'WebAssembly' : 'plain JS'})`, () => {
      const f = 5
      const { x } = plantedBlocks(1)
      const target = new Float64Array(x.rows * f)
      const other = new Float64Array(x.cols * f)
      fillNormal(target, 1, 0, 0.1)
      fillNormal(other, 2, 0, 0.5)
      const gram = new Float64Array(f * f)
      gramLower(other, x.cols, f, gram, 0, f)
      mirrorLower(gram, f)
      const reg = 0.7
      const alpha = 3
      alsSolveRows({ x, target, other, gram, f, reg, alpha, cgSteps: 4 * f }, 0, x.rows, useWasm)
      for (let u = 0; u < x.rows; u++) {
        // (Y'Y + Σ_j (c-1) y_j y_j' + reg I) x_u = Σ_j c y_j, c = 1 + alpha
        const lhs = new Float64Array(f)
        const rhs = new Float64Array(f)
        for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) lhs[a]! += (gram[a * f + b]! + (a === b ? reg : 0)) * target[u * f + b]!
        for (let p = x.indptr[u]!; p < x.indptr[u + 1]!; p++) {
          const j = x.indices[p]!
          let dot = 0
          for (let b = 0; b < f; b++) dot += other[j * f + b]! * target[u * f + b]!
          for (let a = 0; a < f; a++) {
            lhs[a]! += alpha * dot * other[j * f + a]!
            rhs[a]! += (1 + alpha) * other[j * f + a]!
          }
        }
        for (let a = 0; a < f; a++) assert.ok(Math.abs(lhs[a]! - rhs[a]!) < 1e-8, `row ${u}: ${lhs[a]} vs ${rhs[a]}`)
      }
    })
  }

  it('recovers a planted block structure: held-out recall@10 far above bestsellers', async () => {
    const { x, test } = plantedBlocks(7)
    const model = await ials.train(x, SMALL, { threads: 1, seed: 42 })
    const pop = await popularity.train(x, {}, { threads: 1, seed: 42 })
    const mf = recallAt10(model, x, test)
    const best = recallAt10(pop, x, test)
    // A perfect group model ranks 15 unseen own-group items, so recall@10 is at most ~10/15.
    assert.ok(mf > 0.45 && mf > 3 * best, `iALS recall@10 ${mf.toFixed(3)} vs popularity ${best.toFixed(3)}`)
  })

  it('is deterministic given the seed, and the seed matters', async () => {
    const { x } = plantedBlocks(3)
    const a = scores(await ials.train(x, SMALL, { threads: 1, seed: 9 }), x.rows, x.cols)
    const b = scores(await ials.train(x, SMALL, { threads: 1, seed: 9 }), x.rows, x.cols)
    const c = scores(await ials.train(x, SMALL, { threads: 1, seed: 10 }), x.rows, x.cols)
    assert.deepEqual(a, b)
    assert.notDeepEqual(a, c)
  })

  it('two worker threads give the same factors as one thread', async () => {
    const { x } = plantedBlocks(5)
    const pool = await startPool(2)
    try {
      const a = scores(await ials.train(x, SMALL, { threads: 1, seed: 4 }), x.rows, x.cols)
      const b = scores(await ials.train(x, SMALL, { threads: 2, seed: 4, pool }), x.rows, x.cols)
      assert.deepEqual(a, b)
    } finally {
      await pool.close()
    }
  })
})
