/** The serving dot-product kernel against plain float64 sums, for factor counts that need padding and not. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FactorScorer } from './dots-wasm.ts'
import { uniform } from './rng.ts'

function random(length: number, seed: number): Float32Array {
  const out = new Float32Array(length)
  const next = uniform(seed)
  for (let i = 0; i < length; i++) out[i] = next() - 0.5
  return out
}

describe('FactorScorer', () => {
  for (const dim of [64, 13, 1]) {
    it(`scores every item against a person's row (dim ${dim}, WebAssembly and JS agree with float64 sums)`, () => {
      const n = 37
      const people = random(5 * dim, dim)
      const items = random(n * dim, dim + 1)
      const wasm = new FactorScorer(people, items, dim)
      const js = new FactorScorer(people, items, dim, false)
      assert.equal(wasm.usesWasm, true, 'Node 20 has WebAssembly SIMD')
      assert.equal(js.usesWasm, false)
      for (const row of [0, 4]) {
        const a = Float32Array.from(wasm.scores(row))
        const b = js.scores(row)
        assert.equal(a.length, n)
        for (let j = 0; j < n; j++) {
          let exact = 0
          for (let k = 0; k < dim; k++) exact += people[row * dim + k]! * items[j * dim + k]!
          assert.ok(Math.abs(a[j]! - exact) < 1e-5, `wasm item ${j}: ${a[j]} vs ${exact}`)
          assert.ok(Math.abs(b[j]! - exact) < 1e-5, `js item ${j}: ${b[j]} vs ${exact}`)
        }
      }
    })
  }
})
