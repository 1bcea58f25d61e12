/** ItemKNN on a tiny matrix with hand-computed cosines, neighbour truncation, and threads. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { csrFromTriples } from './csr.ts'
import { itemKnn } from './item-knn.ts'
import { startPool } from './kernels/pool.ts'
import { uniform } from './kernels/rng.ts'
import type { Csr } from './types.ts'

function matrix(rows: number[][], cols: number): Csr {
  const r: number[] = []
  const c: number[] = []
  rows.forEach((items, u) => items.forEach((i) => (r.push(u), c.push(i))))
  return csrFromTriples(rows.length, cols, r, c)
}

// Items 0 and 1 have 3 people each, item 2 has 2; co-counts 0–1: 2, 0–2: 1, 1–2: 2.
const x = matrix([[0, 1], [0, 1, 2], [1, 2], [0]], 3)
const s01 = 2 / 3
const s02 = 1 / Math.sqrt(6)
const s12 = 2 / Math.sqrt(6)

function close(actual: Float32Array, want: number[]) {
  assert.equal(actual.length, want.length)
  want.forEach((w, j) => assert.ok(Math.abs(actual[j]! - w) < 1e-6, `item ${j}: ${actual[j]} vs ${w}`))
}

describe('ItemKNN', () => {
  it('all neighbours: scores are sums of cosines of the person’s items, self-similarity 0', async () => {
    const model = await itemKnn.train(x, { k: 0 }, { threads: 1, seed: 1 })
    const out = new Float32Array(3)
    model.scoreRow(3, out)
    close(out, [0, s01, s02])
    model.scoreRow(2, out)
    close(out, [s01 + s02, s12, s12])
  })

  it('k = 1 keeps only each item’s most similar item', async () => {
    // Neighbours: 0 → 1 (2/3 > 0.41), 1 → 2 (0.82 > 2/3), 2 → 1 (0.82 > 0.41).
    const model = await itemKnn.train(x, { k: 1 }, { threads: 1, seed: 1 })
    const out = new Float32Array(3)
    model.scoreRow(3, out)
    close(out, [0, 0, 0])
    model.scoreRow(2, out)
    close(out, [s01, s12, s12])
  })

  it('two worker threads give the same scores as one thread', async () => {
    const rand = uniform(3)
    const big = matrix(Array.from({ length: 80 }, () => Array.from({ length: 60 }, (_, i) => i).filter(() => rand() < 0.15)), 60)
    const pool = await startPool(2)
    try {
      for (const k of [5, 0]) {
        const a = await itemKnn.train(big, { k }, { threads: 1, seed: 1 })
        const b = await itemKnn.train(big, { k }, { threads: 2, seed: 1, pool })
        const oa = new Float32Array(60)
        const ob = new Float32Array(60)
        for (let u = 0; u < 80; u++) {
          a.scoreRow(u, oa)
          b.scoreRow(u, ob)
          assert.deepEqual(oa, ob)
        }
      }
    } finally {
      await pool.close()
    }
  })
})
