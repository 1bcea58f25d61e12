/** The split rules of every protocol, on hand-made interactions. */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import type { Interaction } from './datasets.ts'
import {
  genericProtocol,
  ml100kProtocol,
  mlTemporalProtocol,
  onlineRetailProtocol,
  pairHash,
  testCount,
} from './protocols.ts'
import type { Split } from './split.ts'

const rating = (user: string, item: string, stars: number, time = 0): Interaction => ({ user, item, rating: stars, time, kind: 'product_rated' })
const order = (user: string, item: string, time: number): Interaction => ({ user, item, time, kind: 'order_completed' })

/** Person id -> truth item ids, for readable assertions. */
function truthOf(split: Split): Record<string, string[]> {
  return Object.fromEntries(split.test.map((t) => [split.users[t.row]!, [...t.truth].map((c) => split.items[c]!)]))
}
function excludeOf(split: Split, user: string): string[] {
  const t = split.test.find((p) => split.users[p.row] === user)
  return t ? [...t.exclude].map((c) => split.items[c]!) : []
}
function trainOf(split: Split, user: string): string[] {
  const r = split.users.indexOf(user)
  if (r < 0) return []
  const x = split.train
  return [...x.indices.subarray(x.indptr[r]!, x.indptr[r + 1]!)].map((c) => split.items[c]!)
}
const byHash = (seed: number, user: string, items: string[]) =>
  [...items].sort((a, b) => {
    const ha = createHash('sha256').update(`${seed}:${user}:${a}`).digest('hex')
    const hb = createHash('sha256').update(`${seed}:${user}:${b}`).digest('hex')
    return ha < hb ? -1 : 1
  })

describe('testCount: floor(fraction n + 0.5), at least one', () => {
  it('rounds 0.2 n half up', () => {
    assert.deepEqual([5, 6, 7, 8, 12, 13, 22, 23].map((n) => testCount(n, 0.2)), [1, 1, 1, 2, 2, 3, 4, 5])
    assert.equal(testCount(3, 0.5), 2) // 1.5 rounds up
    assert.equal(testCount(2, 0.1), 1) // at least one
  })
})

describe('ML-100K per-user hashed split', () => {
  it('orders by SHA-256 of "42:user:item" (hex, ascending) and puts the last floor(0.2n + 0.5) in test', () => {
    assert.equal(pairHash(42, '196', '242'), createHash('sha256').update('42:196:242').digest('hex'))
    const items = Array.from({ length: 13 }, (_, i) => String(100 + i))
    const others = items.map((item) => rating(`h${item}`, item, 5)) // helpers with one positive: all training
    const p = ml100kProtocol([...items.map((item) => rating('u', item, 4)), ...others])
    const order = byHash(42, 'u', items)
    assert.deepEqual(truthOf(p.test).u, order.slice(10).sort((a, b) => Number(a) - Number(b)))
    assert.deepEqual(trainOf(p.test, 'u').sort(), order.slice(0, 10).sort())
    // Validation: the same rule on the 10 training items, which keep their hash order.
    assert.deepEqual(truthOf(p.validation).u, order.slice(8, 10).sort((a, b) => Number(a) - Number(b)))
  })

  it('uses ratings of 4 or more only, and keeps people with fewer than 5 positives all in training', () => {
    const data = [
      ...['1', '2', '3', '4'].map((i) => rating('few', i, 5)),
      rating('few', '5', 3), // not a positive: would have made 5
      ...['1', '2', '3', '4', '5', '6'].map((i) => rating('many', i, 4)),
    ]
    const p = ml100kProtocol(data)
    assert.deepEqual(trainOf(p.test, 'few'), ['1', '2', '3', '4'])
    assert.equal(truthOf(p.test).few, undefined)
    assert.equal(p.test.counts.trainPairs + p.test.counts.testPairsRaw, 10)
  })

  it('drops test items nobody has in training, and skips people left with none', () => {
    const items = ['1', '2', '3', '4', '5']
    const p = ml100kProtocol(items.map((i) => rating('solo', i, 5)))
    const held = byHash(42, 'solo', items).at(-1)!
    assert.equal(p.test.items.includes(held), false)
    assert.equal(p.test.counts.testPairsRaw, 1)
    assert.equal(p.test.counts.testPeople, 0)
  })

  it('excludes the person\'s training items from recommendations', () => {
    const items = ['1', '2', '3', '4', '5']
    const p = ml100kProtocol([...items.map((i) => rating('u', i, 5)), ...items.map((i) => rating('v', i, 5))])
    assert.deepEqual(excludeOf(p.test, 'u').sort(), trainOf(p.test, 'u').sort())
  })
})

describe('ML latest-small per-user temporal split', () => {
  it('puts the last 20% by time (rounded, at least one) in test; equal times order by item id as text', () => {
    const data = [
      ...[1, 2, 3, 4, 5].map((t) => rating('u', `i${t}`, 4.5, t * 1000)),
      // Two items at the last time: "10" sorts before "9" as text, so "9" is last and the one test item.
      rating('u', '9', 5, 7000),
      rating('u', '10', 5, 7000),
      ...['i1', 'i2', 'i3', 'i4', 'i5', '9', '10'].map((i) => rating('w', i, 4, 1)),
    ]
    const p = mlTemporalProtocol(data)
    // n = 7: floor(1.4 + 0.5) = 1 test item.
    assert.deepEqual(truthOf(p.test).u, ['9'])
    assert.ok(trainOf(p.test, 'u').includes('10'))
    const five = mlTemporalProtocol([...[1, 2, 3, 4, 5].map((t) => rating('x', `i${t}`, 4, t)), ...[1, 2, 3, 4, 5].map((t) => rating('y', `i${t}`, 4, 0)), rating('y', 'z', 4, 9)])
    assert.deepEqual(truthOf(five.test).x, ['i5'])
  })

  it('leaves out people with fewer than 5 positives, and lower ratings', () => {
    const data = [
      ...[1, 2, 3, 4].map((t) => rating('few', `f${t}`, 5, t)),
      ...[1, 2, 3, 4, 5].map((t) => rating('u', `i${t}`, 4, t)),
      rating('u', 'low', 3.5, 10),
    ]
    const p = mlTemporalProtocol(data)
    assert.deepEqual(p.test.users, ['u'])
    assert.equal(p.test.items.includes('f1'), false)
    assert.equal(p.test.items.includes('low'), false)
  })
})

describe('Online Retail global temporal split', () => {
  const day = 86_400_000
  // Times 0..10 days: cutoff = 0 + 0.8 x 10 days = day 8; lines at day 8 are test.
  const data = [
    order('a', 'p1', 0),
    order('a', 'p2', 2 * day),
    order('b', 'p2', 3 * day),
    order('b', 'p3', 5 * day),
    order('a', 'p3', 8 * day), // at the cutoff: test
    order('a', 'p1', 9 * day), // a re-purchase
    order('a', 'p9', 9 * day), // never in training: dropped
    order('c', 'p1', 10 * day), // c has no training purchase: not scored
  ]

  it('new items: truth leaves out what the person bought before the cutoff, which is never recommended', () => {
    const p = onlineRetailProtocol(data, false)
    assert.equal(p.settings.cutoff, new Date(8 * day).toISOString())
    assert.deepEqual(truthOf(p.test), { a: ['p3'] })
    assert.deepEqual(excludeOf(p.test, 'a').sort(), ['p1', 'p2'])
    assert.deepEqual(p.test.counts, {
      trainPeople: 2, trainItems: 3, trainPairs: 4, testPeople: 1, testPairs: 1, testPairsRaw: 4, testPeopleRaw: 2,
    })
  })

  it('with re-purchases: truth keeps items bought again, nothing is excluded', () => {
    const p = onlineRetailProtocol(data, true)
    assert.deepEqual(truthOf(p.test), { a: ['p1', 'p3'] })
    assert.deepEqual(excludeOf(p.test, 'a'), [])
  })

  it('validation is the same split of the training lines (cutoff from their own first and last)', () => {
    const p = onlineRetailProtocol(data, false)
    // Training lines span days 0..5: validation cutoff = day 4.
    assert.equal(p.settings.validationCutoff, new Date(4 * day).toISOString())
    assert.deepEqual(truthOf(p.validation), {}) // b's p3 is nobody's training item before day 4
    assert.deepEqual(trainOf(p.validation, 'b'), ['p2'])
  })
})

describe('generic protocols (--orders, --events, the store)', () => {
  it('temporal: weights by kind in training, purchases as truth when there are any, only people seen in training', () => {
    const data: Interaction[] = [
      { user: 'a', item: 'x', time: 0, kind: 'product_viewed' },
      { user: 'a', item: 'x', time: 1, kind: 'product_added' },
      { user: 'b', item: 'y', time: 2, kind: 'order_completed' },
      { user: 'a', item: 'y', time: 9, kind: 'product_viewed' }, // a view in test: not truth
      { user: 'b', item: 'x', time: 10, kind: 'order_completed' },
      { user: 'new', item: 'x', time: 10, kind: 'order_completed' },
    ]
    const p = genericProtocol('events', data, { split: 'temporal' })
    assert.deepEqual(truthOf(p.test), { b: ['x'] })
    assert.deepEqual([...p.test.train.values], [4, 8]) // a: x (cart beats view); b: y (purchase)
  })

  it('random: a seeded per-user hashed split, the same for the same seed', () => {
    const data = Array.from({ length: 40 }, (_, i) => order(`u${i % 4}`, `p${i % 10}`, i))
    const one = genericProtocol('orders', data, { split: 'random', seed: 7, testFraction: 0.3 })
    const two = genericProtocol('orders', data, { split: 'random', seed: 7, testFraction: 0.3 })
    const other = genericProtocol('orders', data, { split: 'random', seed: 8, testFraction: 0.3 })
    assert.deepEqual(truthOf(one.test), truthOf(two.test))
    assert.notDeepEqual(truthOf(one.test), truthOf(other.test))
    // u0 has 5 distinct items: floor(0.3 x 5 + 0.5) = 2 held out, the last 2 in hash order.
    assert.deepEqual(trainOf(one.test, 'u0').sort(), byHash(7, 'u0', ['p0', 'p4', 'p8', 'p2', 'p6']).slice(0, 3).sort())
    assert.equal(one.test.counts.testPairsRaw, 4 * 2)
  })
})
