/** The hybrid blends its parts' per-person scaled scores, trains the parts once per matrix, and beats bestsellers. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { csrFromTriples } from './csr.ts'
import { ease } from './ease.ts'
import { hybrid } from './hybrid.ts'
import { popularity } from './popularity.ts'

/** 60 people in 3 taste groups over 30 items (10 per group), plus a globally popular item 0. */
function planted() {
  const r: number[] = []
  const c: number[] = []
  for (let p = 0; p < 60; p++) {
    const g = p % 3
    for (let k = 0; k < 6; k++) {
      r.push(p)
      c.push(g * 10 + ((p * 7 + k * 3) % 10))
    }
    r.push(p)
    c.push(0)
  }
  return csrFromTriples(60, 30, r, c)
}

const ctx = { threads: 1, seed: 7, tuned: { ease: { lambda: 10 }, ials: { factors: 8, reg: 1, alpha: 5, iterations: 8, cgSteps: 3 }, 'item-knn': { k: 20 } } }

describe('hybrid', () => {
  it('with only the linear part ranks exactly as EASE does', async () => {
    const x = planted()
    const h = await hybrid.train(x, { ials: 0, knn: 0, popularity: 0, own: 0 }, ctx)
    const e = await ease.train(x, { ...ease.defaults, lambda: 10 }, ctx)
    const [a, b] = [new Float32Array(30), new Float32Array(30)]
    for (const row of [0, 1, 2, 17]) {
      h.scoreRow(row, a)
      e.scoreRow(row, b)
      const order = (s: Float32Array) => [...s.keys()].sort((i, j) => s[j]! - s[i]! || i - j)
      assert.deepEqual(order(a), order(b), `row ${row}`)
    }
  })

  it('adds each part scaled to a maximum of its weight', async () => {
    const x = planted()
    const base = await hybrid.train(x, { ials: 0, knn: 0, popularity: 0, own: 0 }, ctx)
    const withPop = await hybrid.train(x, { ials: 0, knn: 0, popularity: 0.5, own: 0 }, ctx)
    const pop = await popularity.train(x, {}, ctx)
    const [a, b, p] = [new Float32Array(30), new Float32Array(30), new Float32Array(30)]
    base.scoreRow(3, a)
    withPop.scoreRow(3, b)
    pop.scoreRow(3, p)
    const max = Math.max(...p)
    for (let j = 0; j < 30; j++) assert.ok(Math.abs(b[j]! - a[j]! - (0.5 * p[j]!) / max) < 1e-5, `item ${j}`)
  })

  it('recommends from the person\'s own group far more than bestsellers do', async () => {
    const x = planted()
    const h = await hybrid.train(x, { ials: 0.5, knn: 0.25, popularity: 0, own: 0 }, ctx)
    const s = new Float32Array(30)
    let inGroup = 0
    for (let p = 0; p < 60; p++) {
      h.scoreRow(p, s)
      const have = new Set(x.indices.subarray(x.indptr[p]!, x.indptr[p + 1]!))
      const top = [...s.keys()].filter((j) => !have.has(j)).sort((i, j) => s[j]! - s[i]! || i - j).slice(0, 3)
      inGroup += top.filter((j) => Math.floor(j / 10) === p % 3).length
    }
    assert.ok(inGroup / (60 * 3) > 0.9, `share of top-3 from the person's group: ${inGroup / 180}`)
  })
})
