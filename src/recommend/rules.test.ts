import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Item } from '../core/index.ts'
import { rejection } from './filters.ts'
import { attributeMatches, Diversity, rerank, ruleFactor } from './rules.ts'

const NOW = Date.parse('2024-06-30T00:00:00Z')

function item(id: string, over: Partial<Item> = {}): Item {
  return {
    id, title: id, description: null, categories: ['Shoes > Running'], brand: 'Stride', price: 50, currency: 'EUR', imageUrl: null, url: null,
    tags: ['road'], available: true, inventory: null, attributes: { colour: 'red', sizes: [40, 41], vegan: true },
    createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z', ...over,
  }
}

describe('rule attributes', () => {
  it('matches brand, category paths and their ancestors, tags and attributes', () => {
    const it1 = item('a')
    assert.ok(attributeMatches(it1, 'brand', 'Stride'))
    assert.ok(!attributeMatches(it1, 'brand', 'Kinetic'))
    assert.ok(attributeMatches(it1, 'category', 'Shoes'))
    assert.ok(attributeMatches(it1, 'category', 'Shoes > Running'))
    assert.ok(!attributeMatches(it1, 'category', 'Shoe'), 'a prefix of a name is not an ancestor')
    assert.ok(attributeMatches(it1, 'tag', 'road'))
    assert.ok(attributeMatches(it1, 'attributes.colour', 'red'))
    assert.ok(attributeMatches(it1, 'attributes.vegan', true))
    assert.ok(attributeMatches(it1, 'attributes.sizes', 41), 'array attributes match by membership')
    assert.ok(!attributeMatches(it1, 'attributes.colour', 'blue'))
    assert.ok(!attributeMatches(it1, 'attributes.missing', 'x'))
    assert.ok(!attributeMatches(item('b', { brand: null }), 'brand', 'Stride'))
  })
})

describe('rule factors', () => {
  it('multiplies every matching boost and bury, and the new-item boost', () => {
    const rules = {
      boost: [{ attribute: 'brand' as const, value: 'Stride', factor: 2 }, { attribute: 'tag' as const, value: 'road', factor: 1.5 }],
      bury: [{ attribute: 'attributes.colour' as const, value: 'red', factor: 0.5 }, { attribute: 'category' as const, value: 'Home', factor: 0.1 }],
      newItemBoost: { days: 30, factor: 3 },
    }
    assert.equal(ruleFactor(item('old'), rules, NOW), 2 * 1.5 * 0.5)
    assert.equal(ruleFactor(item('new', { createdAt: '2024-06-20T00:00:00Z' }), rules, NOW), 2 * 1.5 * 0.5 * 3)
    assert.equal(ruleFactor(item('x'), undefined, NOW), 1)
  })

  it('re-orders entries by adjusted score, keeping ties in order, and leaves them alone without score rules', () => {
    const items = new Map([['a', item('a', { brand: 'Kinetic' })], ['b', item('b')], ['c', item('c', { brand: 'Kinetic' })]])
    const entries = [{ id: 'a', score: 3 }, { id: 'b', score: 2 }, { id: 'c', score: 1 }]
    const boosted = rerank(entries, (e) => items.get(e.id), { boost: [{ attribute: 'brand', value: 'Stride', factor: 2 }] }, NOW)
    assert.deepEqual(boosted.map((e) => [e.id, e.score]), [['b', 4], ['a', 3], ['c', 1]])
    const buried = rerank(entries, (e) => items.get(e.id), { bury: [{ attribute: 'brand', value: 'Kinetic', factor: 0.1 }] }, NOW)
    assert.deepEqual(buried.map((e) => e.id), ['b', 'a', 'c'])
    assert.deepEqual(rerank(entries, (e) => items.get(e.id), { maxPerBrand: 1 }, NOW), entries)
    assert.equal(entries[1]!.score, 2, 'the input is not changed')
  })
})

describe('diversity', () => {
  it('caps items per primary category and per brand', () => {
    const d = new Diversity({ maxPerCategory: 2, maxPerBrand: 1 })
    const a = item('a', { brand: 'A' })
    d.add(a)
    assert.ok(!d.allows(item('a2', { brand: 'A', categories: ['Home'] })), 'brand A is full')
    assert.ok(d.allows(item('b', { brand: 'B' })))
    d.add(item('b', { brand: 'B' }))
    assert.ok(!d.allows(item('c', { brand: 'C' })), 'Shoes > Running is full')
    assert.ok(d.allows(item('c', { brand: 'C', categories: ['Home', 'Shoes > Running'] })), 'only the primary category counts')
    assert.ok(d.allows(item('n', { brand: null, categories: [] })))
    const none = new Diversity(undefined)
    for (let i = 0; i < 5; i++) none.add(a)
    assert.ok(none.allows(a))
  })
})

describe('rebuy categories', () => {
  const person = { bought: new Set(['cream', 'shoe']), cart: new Set<string>(), notForMe: new Set<string>(), dislikedCategories: [], dislikedBrands: [] }
  const cream = item('cream', { categories: ['Beauty > Skin care'] })
  const shoe = item('shoe')
  const check = (it: Item, filters: object) => rejection(it, filters, person, () => false, false)

  it('keeps bought consumables under the given paths and still excludes other bought items', () => {
    assert.equal(check(cream, {}), 'bought')
    assert.equal(check(cream, { rebuyCategories: ['Beauty'] }), null)
    assert.equal(check(cream, { rebuyCategories: ['Beauty > Skin care'] }), null)
    assert.equal(check(shoe, { rebuyCategories: ['Beauty'] }), 'bought')
    assert.equal(check(cream, { rebuyCategories: ['Beau'] }), 'bought')
  })
})

describe('topCandidates', () => {
  it('keeps the best k in the same order a full sort gives, ties by index', async () => {
    const { topCandidates } = await import('./top.ts')
    let seed = 7
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const list = Array.from({ length: 5000 }, (_, index) => ({ index, score: Math.floor(rnd() * 300) / 10, reason: { kind: 'trending' as const } }))
    const sorted = [...list].sort((a, b) => b.score - a.score || a.index - b.index)
    for (const k of [1, 10, 400, 6000]) assert.deepEqual(topCandidates(list, k).map((c) => c.index), sorted.slice(0, k).map((c) => c.index))
  })
})
