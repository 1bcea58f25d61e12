/** Co-occurrence neighbours (with shrinkage and a filter), content similarity and the popularity rankings. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { contentNeighbours, type ContentItem, priceBand } from './content.ts'
import { itemNeighbours, neighboursOf } from './cooccurrence.ts'
import { csrFromTriples } from './csr.ts'
import { newArrivals, perCategoryRankings, ranking, trendingScores } from './trending.ts'

/** People × items from lists of items per person. */
function matrix(baskets: number[][], items: number) {
  const r: number[] = []
  const c: number[] = []
  baskets.forEach((b, p) => b.forEach((i) => (r.push(p), c.push(i))))
  return csrFromTriples(baskets.length, items, r, c)
}

describe('item neighbours from co-occurrence', () => {
  it('ranks by shrunk cosine: well-supported pairs beat a single coincidence', () => {
    // Items 0 and 1 go together for 4 people; 0 and 2 once; 3 is always alone.
    const x = matrix([[0, 1], [0, 1], [0, 1], [0, 1, 2], [2], [3]], 4)
    const plain = itemNeighbours(x, { k: 5, shrink: 0, minSupport: 1 })
    const zero = neighboursOf(plain, 0)
    assert.deepEqual([...zero.items], [1, 2])
    assert.ok(Math.abs(zero.scores[0]! - 4 / Math.sqrt(4 * 4)) < 1e-6, 'cosine 4/sqrt(4*4)')
    assert.ok(Math.abs(zero.scores[1]! - 1 / Math.sqrt(4 * 2)) < 1e-6)
    assert.equal(neighboursOf(plain, 3).items.length, 0)
    const shrunk = neighboursOf(itemNeighbours(x, { k: 5, shrink: 10, minSupport: 1 }), 0)
    assert.ok(Math.abs(shrunk.scores[0]! - (4 / 4) * (4 / 14)) < 1e-6, 'shrinkage multiplies by co/(co+shrink)')
    assert.deepEqual([...neighboursOf(itemNeighbours(x, { k: 5, shrink: 0, minSupport: 2 }), 0).items], [1], 'minSupport drops the single coincidence')
  })

  it('keeps the k best and only pairs the filter accepts (complete the look: other categories)', () => {
    const x = matrix([[0, 1, 2, 3], [0, 1, 2], [0, 1]], 4)
    assert.equal(neighboursOf(itemNeighbours(x, { k: 1, shrink: 0, minSupport: 1 }), 0).items.length, 1)
    const group = [0, 0, 1, 1]
    const other = itemNeighbours(x, { k: 5, shrink: 0, minSupport: 1, accept: (i, j) => group[i] !== group[j] })
    assert.deepEqual([...neighboursOf(other, 0).items].sort(), [2, 3])
  })
})

describe('content similarity', () => {
  const item = (title: string, categories: string[], brand: string, price: number): ContentItem => ({ title, description: null, categories, brand, tags: [], price })

  it('finds items with the same words, category, brand and price band first', () => {
    const items = [
      item('Trail Runner 2 running shoe', ['Shoes > Running'], 'Stride', 120),
      item('Trail Runner 3 running shoe', ['Shoes > Running'], 'Stride', 130),
      item('Road racer shoe', ['Shoes > Running'], 'Fleet', 90),
      item('Down jacket', ['Apparel > Jackets'], 'North', 250),
      item('Rain jacket', ['Apparel > Jackets'], 'North', 120),
    ]
    const nb = contentNeighbours(items, 3)
    assert.equal(neighboursOf(nb, 0).items[0], 1)
    assert.equal(neighboursOf(nb, 3).items[0], 4)
    const scores = neighboursOf(nb, 0).scores
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1]! >= scores[i]!)
    assert.ok(!neighboursOf(nb, 0).items.includes(0), 'an item is not its own neighbour')
  })

  it('puts prices of the same order of magnitude in one band', () => {
    assert.equal(priceBand(10), priceBand(11))
    assert.notEqual(priceBand(12), priceBand(120))
    assert.equal(priceBand(null), null)
  })
})

describe('popularity rankings', () => {
  it('trending decays old interactions: a recent burst beats an older, larger one', () => {
    const day = 864e5
    const now = 100 * day
    const old = Array.from({ length: 10 }, () => ({ item: 0, time: now - 20 * day, weight: 1 }))
    const recent = Array.from({ length: 3 }, () => ({ item: 1, time: now - day, weight: 1 }))
    assert.deepEqual([...ranking(trendingScores([...old, ...recent], 3, now))], [1, 0])
  })

  it('ranks per category including ancestors, and new arrivals newest first', () => {
    const scores = Float32Array.from([5, 3, 4, 0])
    const cats = [['Shoes > Running'], ['Shoes > Trail'], ['Apparel'], ['Shoes > Running']]
    const per = perCategoryRankings(scores, (i) => cats[i]!)
    assert.deepEqual([...per.get('Shoes')!], [0, 1])
    assert.deepEqual([...per.get('Shoes > Running')!], [0], 'an item without score is not a bestseller')
    assert.deepEqual([...newArrivals([10, 30, 20])], [1, 2, 0])
  })
})

describe('EASE neighbours', () => {
  it("are each item's strongest positive EASE weights, best first, and only those", async () => {
    const { easeWeights } = await import('./ease.ts')
    const { easeNeighbours } = await import('./ease-neighbours.ts')
    const { startPool } = await import('./kernels/pool.ts')
    const baskets = Array.from({ length: 40 }, (_, p) => [p % 5, (p % 5) + 5, (p * 3) % 12, 12 + (p % 3)])
    const x = matrix(baskets, 15)
    const pool = await startPool(1)
    const b = await easeWeights(x, 10, pool)
    await pool.close()
    for (const k of [3, 15]) {
      const nb = await easeNeighbours(x, 10, k, { threads: 1, seed: 1 })
      for (let i = 0; i < 15; i++) {
        const expected = [...Array(15).keys()]
          .filter((j) => j !== i && b[i * 15 + j]! > 0)
          .sort((p, q) => b[i * 15 + q]! - b[i * 15 + p]! || p - q)
          .slice(0, k)
        const got = neighboursOf(nb, i)
        assert.deepEqual([...got.items], expected, `item ${i}, k ${k}`)
        got.items.forEach((j, t) => assert.equal(got.scores[t], b[i * 15 + j]))
      }
    }
  })
})
