import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DAY, HOUR, T0 } from '../../test/builders/person-facts.ts'
import { RFM_SEGMENTS, rfmFactOf, rfmQuartileScale, rfmSegmentOf } from './index.ts'

// Eight buyers: i days since the last order, orders and mean order value chosen so that the quartile edges
// are easy to work out by hand (numpy's linear quantiles, as pandas.qcut takes them):
// recency 0..7 → edges 0, 1.75, 3.5, 5.25, 7 (labels reversed: 0-1 → 4, 2-3 → 3, 4-5 → 2, 6-7 → 1);
// orders 1,1,1,1,2,2,3,5 → edges 1, 1, 1.5, 2.25, 5 → the repeated 1 is dropped, three bins: 1 → 1, 2 → 2, 3+ → 3;
// mean value 10..80 → edges 10, 27.5, 45, 62.5, 80: 10-20 → 1, 30-40 → 2, 50-60 → 3, 70-80 → 4.
const ORDERS = [5, 3, 2, 2, 1, 1, 1, 1]
const MEANS = [80, 70, 30, 40, 50, 60, 20, 10]
const buyers = ORDERS.map((orders, i) => ({ orders, revenue: orders * MEANS[i]!, lastOrder: T0 - i * DAY + 5 * HOUR }))
const now = T0 + 10 * HOUR

describe('quartile RFM (PyMC-Marketing)', () => {
  it('cuts each variable at its quartiles, drops repeated edges, and reverses recency', () => {
    const scale = rfmQuartileScale(buyers, now)
    assert.deepEqual(scale.recencyEdges, [0, 1.75, 3.5, 5.25, 7])
    assert.deepEqual(scale.frequencyEdges, [1, 1.5, 2.25, 5])
    assert.deepEqual(scale.monetaryEdges, [10, 27.5, 45, 62.5, 80])
    const codes = buyers.map((b) => rfmFactOf(b, scale))
    assert.deepEqual(
      codes.map((c) => c?.code),
      ['434', '434', '322', '322', '213', '213', '111', '111'],
    )
    assert.deepEqual(
      codes.map((c) => c?.segment),
      ['Premium Customer', 'Premium Customer', 'At Risk Customer', 'At Risk Customer', 'Other', 'Other', 'Inactive Customer', 'Inactive Customer'],
    )
  })

  it('counts recency in whole days to the time of the scale, and places values beyond the edges at the ends', () => {
    const scale = rfmQuartileScale(buyers, now)
    assert.equal(rfmFactOf({ orders: 9, revenue: 9000, lastOrder: now }, scale)?.code, '434')
    assert.equal(rfmFactOf({ orders: 1, revenue: 1, lastOrder: T0 - 400 * DAY }, scale)?.code, '111')
    // 1.75 days is the first edge; a last order two days before is beyond it.
    assert.equal(rfmFactOf({ orders: 1, revenue: 10, lastOrder: T0 - DAY - HOUR }, scale)?.code, '311')
  })

  it('has no code without an order, and gives 1 for a variable with a single value (PyMC refuses such data)', () => {
    const scale = rfmQuartileScale(buyers, now)
    assert.equal(rfmFactOf({ orders: 0, revenue: 0, lastOrder: null }, scale), null)
    const one = rfmQuartileScale([{ orders: 2, revenue: 50, lastOrder: T0 }], now)
    assert.deepEqual(rfmFactOf({ orders: 2, revenue: 50, lastOrder: T0 }, one), { code: '111', segment: 'Inactive Customer' })
    assert.equal(rfmFactOf({ orders: 2, revenue: 50, lastOrder: T0 }, rfmQuartileScale([], now)), null)
  })

  it("maps codes with PyMC-Marketing's default table, every other code to Other", () => {
    const sizes = Object.fromEntries(Object.entries(RFM_SEGMENTS).map(([name, codes]) => [name, codes.length]))
    assert.deepEqual(sizes, { 'Premium Customer': 8, 'Repeat Customer': 7, 'Top Spender': 13, 'At Risk Customer': 11, 'Inactive Customer': 7 })
    assert.equal(new Set(Object.values(RFM_SEGMENTS).flat()).size, 46, 'no code is in two segments')
    assert.equal(rfmSegmentOf('444'), 'Premium Customer')
    assert.equal(rfmSegmentOf('143'), 'Repeat Customer')
    assert.equal(rfmSegmentOf('124'), 'Top Spender')
    assert.equal(rfmSegmentOf('214'), 'At Risk Customer')
    assert.equal(rfmSegmentOf('411'), 'Inactive Customer')
    assert.equal(rfmSegmentOf('421'), 'Other')
  })
})
