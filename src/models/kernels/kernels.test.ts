/**
 * The dense and sparse kernels against naive reference implementations on small random inputs, and the
 * worker pool against in-thread runs (same bits).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { csrFromTriples, transpose } from '../csr.ts'
import { gramLower, mirrorLower } from './als.ts'
import { gramRowsWasm } from './als-wasm.ts'
import { invertSpd, spdWorkspace } from './inverse.ts'
import { selectTop } from './neighbours.ts'
import { startPool, type Pool } from './pool.ts'
import { splitByCost } from './ranges.ts'
import { fillNormal, uniform } from './rng.ts'
import { coCountsLower, sparseTransposeRow } from './sparse.ts'
import { wasmTileAvailable } from './tile-wasm.ts'

/** A random SPD matrix R'R/m + I as a full n×n array. */
function randomSpd(n: number, seed: number): Float64Array {
  const m = n + 3
  const r = new Float64Array(m * n)
  fillNormal(r, seed)
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let k = 0; k < m; k++) s += r[k * n + i]! * r[k * n + j]!
      a[i * n + j] = s / m + (i === j ? 1 : 0)
    }
  }
  return a
}

/** Textbook Gauss–Jordan with partial pivoting on a full copy. */
function naiveInverse(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a)
  const inv = new Float64Array(n * n)
  for (let i = 0; i < n; i++) inv[i * n + i] = 1
  for (let c = 0; c < n; c++) {
    let p = c
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c]!) > Math.abs(m[p * n + c]!)) p = r
    for (let k = 0; k < n; k++) {
      ;[m[c * n + k], m[p * n + k]] = [m[p * n + k]!, m[c * n + k]!]
      ;[inv[c * n + k], inv[p * n + k]] = [inv[p * n + k]!, inv[c * n + k]!]
    }
    const d = m[c * n + c]!
    for (let k = 0; k < n; k++) {
      m[c * n + k]! /= d
      inv[c * n + k]! /= d
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue
      const f = m[r * n + c]!
      for (let k = 0; k < n; k++) {
        m[r * n + k]! -= f * m[c * n + k]!
        inv[r * n + k]! -= f * inv[c * n + k]!
      }
    }
  }
  return inv
}

/** Inverts the full matrix `a` (n×n) through a workspace; returns the n×n inverse. */
async function invert(a: Float64Array, n: number, pool: Pool, opts: { block?: number; wasm?: boolean }): Promise<Float64Array> {
  const ws = spdWorkspace(n, pool, opts)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) ws.a[i * ws.N + j] = a[i * n + j]!
  await invertSpd(ws, pool)
  const out = new Float64Array(n * n)
  for (let i = 0; i < n; i++) out.set(ws.a.subarray(i * ws.N, i * ws.N + n), i * n)
  return out
}

function maxError(a: Float64Array, inv: Float64Array, n: number): number {
  let err = 0
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!
      err = Math.max(err, Math.abs(s - (i === j ? 1 : 0)))
    }
  }
  return err
}

describe('SPD inverse (blocked sweep)', () => {
  let inline: Pool
  let workers: Pool
  before(async () => {
    inline = await startPool(1)
    workers = await startPool(2)
  })
  after(async () => {
    await workers.close()
  })

  it('WebAssembly SIMD is available on this Node (else the plain-JS tiles run)', () => {
    assert.ok(wasmTileAvailable())
  })

  for (const [n, block] of [[1, 64], [3, 64], [5, 4], [37, 8], [130, 64], [201, 32]] as const) {
    it(`inverse · A ≈ I and matches naive Gauss–Jordan (n=${n}, block ${block})`, async () => {
      const a = randomSpd(n, n)
      const inv = await invert(a, n, inline, { block })
      assert.ok(maxError(a, inv, n) < 1e-9, `A·inv - I = ${maxError(a, inv, n)}`)
      const ref = naiveInverse(a, n)
      for (let i = 0; i < n * n; i++) assert.ok(Math.abs(inv[i]! - ref[i]!) < 1e-9)
    })
  }

  it('the WebAssembly and plain-JS tiles give the same bits', async () => {
    const a = randomSpd(150, 7)
    assert.deepEqual(await invert(a, 150, inline, { block: 16, wasm: true }), await invert(a, 150, inline, { block: 16, wasm: false }))
  })

  it('two worker threads give the same bits as one thread', async () => {
    const a = randomSpd(190, 3)
    for (const wasm of [true, false]) {
      assert.deepEqual(await invert(a, 190, workers, { block: 16, wasm }), await invert(a, 190, inline, { block: 16, wasm }))
    }
  })

  it('a task that throws in a worker rejects the run, and a closed pool refuses work', async () => {
    const bad = { step: undefined as never, range: { lo: 0, hi: 4 } }
    await assert.rejects(workers.run('sweep-pack', [bad, bad]), /worker task failed/)
    const extra = await startPool(2)
    await extra.close()
    await assert.rejects(extra.run('sweep-pack', [bad]), /closed/)
  })

  it('refuses a matrix that is not positive definite', async () => {
    const a = Float64Array.from([1, 2, 2, 1])
    await assert.rejects(invert(a, 2, inline, {}), /not positive definite/)
  })
})

describe('sparse kernels', () => {
  const rand = uniform(5)
  const rows: number[] = []
  const cols: number[] = []
  for (let u = 0; u < 30; u++) {
    for (let i = 0; i < 20; i++) {
      if (rand() >= 0.3) continue
      rows.push(u)
      cols.push(i)
    }
  }
  const x = csrFromTriples(30, 20, rows, cols)
  const xt = transpose(x)
  const dense = (u: number, i: number) => (rows.some((r, k) => r === u && cols[k] === i) ? 1 : 0)

  it("co-counts give the lower triangle of X'X", () => {
    const out = new Float64Array(20 * 20)
    coCountsLower(x, xt, out, 20, 0, 20)
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0
        for (let u = 0; u < 30; u++) s += dense(u, i) * dense(u, j)
        assert.equal(out[i * 20 + j], s)
      }
    }
  })

  it("a row of X'D sums the dense rows of the item's people", () => {
    const d = new Float64Array(30 * 7)
    fillNormal(d, 1)
    const out = new Float64Array(7)
    for (let i = 0; i < 20; i++) {
      sparseTransposeRow(xt, d, 7, i, out)
      for (let c = 0; c < 7; c++) {
        let s = 0
        for (let u = 0; u < 30; u++) s += dense(u, i) * d[u * 7 + c]!
        assert.ok(Math.abs(out[c]! - s) < 1e-12)
      }
    }
  })

  for (const [route, gram] of [['plain JS', gramLower], ['WebAssembly', gramRowsWasm]] as const) {
    it(`Gram matrix Y'Y (${route})`, () => {
      const f = 6
      const y = new Float64Array(11 * f)
      fillNormal(y, 2)
      const g = new Float64Array(f * f)
      gram(y, 11, f, g, 0, 3)
      gram(y, 11, f, g, 3, f)
      mirrorLower(g, f)
      for (let a = 0; a < f; a++) {
        for (let c = 0; c < f; c++) {
          let s = 0
          for (let i = 0; i < 11; i++) s += y[i * f + a]! * y[i * f + c]!
          assert.ok(Math.abs(g[a * f + c]! - s) < 1e-12)
        }
      }
    })
  }
})

describe('helpers', () => {
  it('top-k selection keeps the k best, ties to the lower index', () => {
    const score = Float64Array.from([0.5, 0.9, 0.1, 0.9, 0.3, 0.5, 0.7])
    for (let k = 1; k <= 7; k++) {
      const cand = Int32Array.from([6, 5, 4, 3, 2, 1, 0])
      selectTop(cand, 7, k, score)
      const want = [1, 3, 6, 0, 5, 4, 2].slice(0, k).sort()
      assert.deepEqual([...cand.subarray(0, k)].sort(), want)
    }
  })

  it('splits by cost into contiguous ranges covering everything', () => {
    const r = splitByCost(10, 3, (i) => i + 1)
    assert.equal(r[0]!.lo, 0)
    assert.equal(r[r.length - 1]!.hi, 10)
    for (let t = 1; t < r.length; t++) assert.equal(r[t]!.lo, r[t - 1]!.hi)
    assert.deepEqual(splitByCost(5, 1, () => 1), [{ lo: 0, hi: 5 }])
  })

  it('the random source is reproducible from its seed', () => {
    const a = new Float64Array(9)
    const b = new Float64Array(9)
    fillNormal(a, 42, 0, 0.01)
    fillNormal(b, 42, 0, 0.01)
    assert.deepEqual(a, b)
    fillNormal(b, 43, 0, 0.01)
    assert.notDeepEqual(a, b)
  })
})
