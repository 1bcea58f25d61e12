import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DAY, factsOf, T0 } from '../../test/builders/person-facts.ts'
import { BUILT_IN_SEGMENTS, checkSegmentRule, compileSegment } from './index.ts'

const byKey = Object.fromEntries(BUILT_IN_SEGMENTS.map((s) => [s.key, compileSegment({ id: `seg_${s.key}`, key: s.key, definition: s.definition })]))
const orders = (first: number, last: number) => ({ state: { orders: { count: 2, revenue: 100, first, last, recentIds: [] } } })

describe('built-in segments', () => {
  it('has unique snake_case keys, names, descriptions and rules that pass the check', () => {
    assert.deepEqual(Object.keys(byKey), ['rfm_premium', 'rfm_repeat', 'rfm_top_spender', 'rfm_at_risk', 'rfm_inactive', 'new_customers', 'bought_last_30_days', 'high_clv'])
    for (const s of BUILT_IN_SEGMENTS) {
      assert.ok(s.name.length > 0 && s.description.length > 20, s.key)
      assert.equal(checkSegmentRule(s.definition).ok, true, s.key)
    }
  })

  it('puts each RFM segment to its name', () => {
    const names = { rfm_premium: 'Premium Customer', rfm_repeat: 'Repeat Customer', rfm_top_spender: 'Top Spender', rfm_at_risk: 'At Risk Customer', rfm_inactive: 'Inactive Customer' }
    for (const [key, segment] of Object.entries(names)) {
      for (const [other, otherSegment] of Object.entries(names)) {
        assert.equal(byKey[key]!.evaluate(factsOf({ rfm: { code: '000', segment: otherSegment } }), T0).value, key === other, `${key} for ${otherSegment}`)
      }
      assert.equal(byKey[key]!.needs.rfm, true)
      assert.equal(segment.length > 0, true)
    }
  })

  it('"bought in the last 30 days" lets a buyer go 30 days and one millisecond after the order', () => {
    const last = T0 - 10 * DAY
    const s = byKey.bought_last_30_days!
    assert.deepEqual(s.evaluate(factsOf(orders(last - DAY, last)), T0), { value: true, recheckAt: last + 30 * DAY + 1 })
    assert.equal(s.evaluate(factsOf(orders(last - DAY, last)), last + 30 * DAY + 1).value, false)
  })

  it('"new customers" holds for 30 days after the first order', () => {
    const s = byKey.new_customers!
    assert.equal(s.evaluate(factsOf(orders(T0 - 29 * DAY, T0)), T0).value, true)
    assert.equal(s.evaluate(factsOf(orders(T0 - 31 * DAY, T0)), T0).value, false)
  })

  it('"high CLV" is the top 20 % by predicted value', () => {
    const s = byKey.high_clv!
    assert.equal(s.evaluate(factsOf({ prediction: { percentile: 0.8 } }), T0).value, true)
    assert.equal(s.evaluate(factsOf({ prediction: { percentile: 0.79 } }), T0).value, false)
    assert.equal(s.evaluate(factsOf({}), T0).value, false)
    assert.equal(s.needs.prediction, true)
  })
})
