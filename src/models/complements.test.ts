/** Complementary categories from baskets (shrunk lift, no same-category pairs) and the live content index. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { categoryComplements, complementNeighbours } from './complements.ts'
import { contentIndex, contentNeighbours, type ContentItem, contentVector, similarTo } from './content.ts'
import { neighboursOf } from './cooccurrence.ts'
import { csrFromTriples } from './csr.ts'

const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x)

describe('category complements from baskets', () => {
  // 20 orders of shoes with socks, 10 of shoes alone, 20 of socks alone (popular on their own too), 100 of
  // mugs, 4 of shoes with a mug, 1 of two shoes.
  const baskets = [...repeat(20, ['Shoes', 'Socks']), ...repeat(10, ['Shoes']), ...repeat(20, ['Socks']), ...repeat(100, ['Mugs']), ...repeat(4, ['Shoes', 'Mugs']), ['Shoes', 'Shoes']]
  const found = categoryComplements(baskets)

  it('keeps a category bought with another more often than its base rate, with the shrunk estimate', () => {
    const [socks, ...rest] = found.get('Shoes')!
    assert.equal(socks!.category, 'Socks')
    const n = baskets.length
    const base = 40 / n
    const p = (20 + 20 * base) / (35 + 20)
    assert.ok(Math.abs(socks!.lift - p / base) < 1e-9 && Math.abs(socks!.strength - (p - base)) < 1e-9, JSON.stringify(socks))
    assert.equal(socks!.together, 20)
    // Mugs sell as much without shoes: 4 shared orders are below their base rate, so no complement.
    assert.deepEqual(rest, [])
    assert.ok(!found.get('Shoes')!.some((c) => c.category === 'Shoes'), 'no same-category pair')
  })

  it('needs evidence: few shared baskets are dropped, and shrinkage keeps small categories near the base rate', () => {
    const rare = categoryComplements([...baskets, ...repeat(2, ['Tents', 'Mats'])])
    assert.equal(rare.get('Tents'), undefined, 'two orders are below minTogether')
    const loose = categoryComplements([...baskets, ...repeat(2, ['Tents', 'Mats'])], { minTogether: 1 })
    const mats = loose.get('Tents')![0]!
    const base = 2 / (baskets.length + 2)
    // Unshrunk, p(Mats | Tents) would be 1; with 2 baskets and m = 20 it is (2 + 20 base) / 22.
    assert.ok(Math.abs(mats.strength - ((2 + 20 * base) / 22 - base)) < 1e-9, JSON.stringify(mats))
    assert.deepEqual(categoryComplements([]), new Map())
  })

  it('keeps complete-the-look neighbours only between complementary categories', () => {
    // Items: 0 shoe, 1 shoe, 2 sock, 3 mug. Baskets over items.
    const rows = [[0, 2], [0, 2], [1, 2], [0, 1], [0, 3], [0, 3]]
    const r = rows.flatMap((b, i) => b.map(() => i))
    const c = rows.flat()
    const x = csrFromTriples(rows.length, 4, r, c)
    const nb = complementNeighbours(x, ['Shoes', 'Shoes', 'Socks', 'Mugs'], new Map([['Shoes', [{ category: 'Socks', strength: 0.3, lift: 3, together: 3 }]]]))
    assert.deepEqual([...neighboursOf(nb, 0).items], [2], 'the other shoe and the mug are not complements')
    assert.deepEqual([...neighboursOf(nb, 2).items], [], 'Socks has no complements learned')
  })
})

describe('live content similarity', () => {
  const item = (title: string, categories: string[], brand: string, price: number): ContentItem => ({ title, description: null, categories, brand, tags: [], price })
  const catalogue = [
    item('Stride Nova Cushioned Running Shoe', ['Shoes > Running'], 'Stride', 120),
    item('Kinetic Aero Racing Flat', ['Shoes > Running'], 'Kinetic', 140),
    item('Hearth Forged Chef Knife', ['Home > Kitchen'], 'Hearth', 60),
    item('Oakline Ceramic Vase', ['Home > Decor'], 'Oakline', 30),
  ]
  const index = contentIndex(catalogue)

  it('compares an item the index never saw with every indexed item', () => {
    const late = contentVector(index, item('Stride Comet Cushioned Running Shoe', ['Shoes > Running'], 'Stride', 110))
    const found = similarTo(index, late, 3)
    assert.equal(found.items[0], 0, 'the same brand, words and category first')
    assert.ok(!Array.from(found.items).includes(3), 'a vase shares nothing with a running shoe')
  })

  it('gives the trained neighbours the same answer as the index', () => {
    const nb = contentNeighbours(catalogue, 3, index)
    for (let i = 0; i < catalogue.length; i++) {
      const direct = similarTo(index, contentVector(index, catalogue[i]!), 3, i)
      assert.deepEqual([...neighboursOf(nb, i).items], [...direct.items])
    }
  })
})
