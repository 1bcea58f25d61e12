/** EASE on tiny matrices: hand-computed weights, both routes against a naive dense solve, threads. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { csrFromTriples } from './csr.ts'
import { ease, easeWeights } from './ease.ts'
import { startPool, type Pool } from './kernels/pool.ts'
import { uniform } from './kernels/rng.ts'
import type { Csr } from './types.ts'

function matrix(rows: number[][], cols: number): Csr {
  const r: number[] = []
  const c: number[] = []
  rows.forEach((items, u) => items.forEach((i) => (r.push(u), c.push(i))))
  return csrFromTriples(rows.length, cols, r, c)
}

function randomMatrix(people: number, items: number, density: number, seed: number): Csr {
  const rand = uniform(seed)
  return matrix(
    Array.from({ length: people }, () => Array.from({ length: items }, (_, i) => i).filter(() => rand() < density)),
    items,
  )
}

/** B from a dense Gauss–Jordan inverse of X'X + λI, no pivoting (SPD). */
function naiveWeights(x: Csr, lambda: number): Float64Array {
  const n = x.cols
  const g = new Float64Array(n * n)
  for (let u = 0; u < x.rows; u++) {
    const items = x.indices.subarray(x.indptr[u], x.indptr[u + 1])
    for (const i of items) for (const j of items) g[i * n + j]! += 1
  }
  const p = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    g[i * n + i]! += lambda
    p[i * n + i] = 1
  }
  for (let c = 0; c < n; c++) {
    const d = g[c * n + c]!
    for (let k = 0; k < n; k++) {
      g[c * n + k]! /= d
      p[c * n + k]! /= d
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = g[r * n + c]!
      for (let k = 0; k < n; k++) {
        g[r * n + k]! -= f * g[c * n + k]!
        p[r * n + k]! -= f * p[c * n + k]!
      }
    }
  }
  const b = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) b[i * n + j] = i === j ? 0 : -p[i * n + j]! / p[j * n + j]!
  return b
}

describe('EASE', () => {
  let inline: Pool
  let workers: Pool
  before(async () => {
    inline = await startPool(1)
    workers = await startPool(2)
  })
  after(async () => {
    await workers.close()
  })

  it('two items: B_ij = co-count / (n_i + λ), scores sum the rows of the person’s items', async () => {
    // Item 0 has 3 people, item 1 has 2, one person has both; λ = 1.
    const x = matrix([[0, 1], [0], [0], [1]], 2)
    const model = await ease.train(x, { lambda: 1 }, { threads: 1, seed: 1 })
    const out = new Float32Array(2)
    model.scoreRow(1, out)
    assert.deepEqual([...out], [0, Math.fround(1 / 4)])
    model.scoreRow(3, out)
    assert.deepEqual([...out], [Math.fround(1 / 3), 0])
    model.scoreRow(0, out)
    assert.deepEqual([...out], [Math.fround(1 / 3), Math.fround(1 / 4)])
  })

  for (const [people, items] of [[40, 17], [9, 30]] as const) {
    it(`both routes match a naive dense solve (${people} people × ${items} items)`, async () => {
      const x = randomMatrix(people, items, 0.3, people)
      const want = naiveWeights(x, 3)
      for (const route of ['direct', 'woodbury'] as const) {
        const b = await easeWeights(x, 3, inline, route)
        for (let k = 0; k < want.length; k++) assert.ok(Math.abs(b[k]! - want[k]!) < 1e-6, `${route} cell ${k}: ${b[k]} vs ${want[k]}`)
      }
    })
  }

  it('two worker threads give the same weights as one thread, on both routes', async () => {
    const x = randomMatrix(70, 50, 0.2, 11)
    for (const route of ['direct', 'woodbury'] as const) {
      assert.deepEqual(await easeWeights(x, 10, workers, route), await easeWeights(x, 10, inline, route))
    }
  })

  it('uses the binary matrix (values are ignored) and exposes a size guard', async () => {
    const x = randomMatrix(20, 12, 0.3, 5)
    const weighted = { ...x, values: x.values.map((_, k) => 1 + (k % 4)) }
    const a = await ease.train(x, { lambda: 5 }, { threads: 1, seed: 1 })
    const b = await ease.train(weighted, { lambda: 5 }, { threads: 1, seed: 1 })
    const oa = new Float32Array(12)
    const ob = new Float32Array(12)
    a.scoreRow(3, oa)
    b.scoreRow(3, ob)
    assert.deepEqual(oa, ob)
    assert.ok(ease.fits(ease.maxItems))
    assert.ok(!ease.fits(ease.maxItems + 1))
  })
})
