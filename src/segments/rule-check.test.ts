import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { checkSegmentRule, checkTraitDefinition, MAX_RULE_DEPTH, SegmentRuleSchema, TraitDefinitionSchema } from './index.ts'

const schema = Compile(SegmentRuleSchema)
const traitSchema = Compile(TraitDefinitionSchema)

const VALID: unknown[] = [
  { all: [{ event: { kind: 'product_viewed', item: { category: 'Shoes' }, within: '14d' } }, { not: { event: { kind: 'order_completed', within: '14d' } } }] },
  { any: [{ event: { name: ['Signed Up', 'Trial Started'], where: [{ path: 'properties.plan', in: ['pro', 'team'] }], from: '2026-01-01', to: '2026-02-01' } }] },
  { event: { kind: 'order_completed', count: { gte: 2, lt: 10 }, where: [{ path: 'revenue', gt: 50 }, { path: 'context.campaign.source', exists: true }] } },
  { event: { item: { brand: ['Acme'], price: { lte: 20 }, attributes: [{ path: 'colour', eq: 'red' }] } } },
  { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, timeout: '4h', within: '7d', sameItem: true } },
  { profile: { trait: { name: 'plan', eq: 'gold' }, consent: 'email', orders: { gte: 1 }, revenue: { gt: 100 }, lastOrder: { within: '30d' }, firstOrder: { olderThan: '365d' } } },
  { profile: { rfm: { code: ['444', '443'], segment: 'Premium Customer' }, topCategory: { category: 'Shoes > Running', rank: 3 } } },
  { computed: { key: 'orders_90d', gte: 3 } },
  { prediction: { percentile: { gte: 0.8 }, probabilityAlive: { lt: 0.3 } } },
  { segment: { key: 'rfm_premium' } },
  { during: { from: '2026-11-27', to: '2026-12-01T00:00:00Z' } },
  { profile: { trait: { name: 'nickname', contains: 'ann', neq: null } } },
]

describe('checkSegmentRule', () => {
  it('accepts every kind of condition, and the TypeBox schema accepts the same rules', () => {
    for (const rule of VALID) {
      const r = checkSegmentRule(rule)
      assert.equal(r.ok, true, JSON.stringify(r))
      assert.equal(schema.Check(rule), true, JSON.stringify(rule))
    }
  })

  // 'semantic': beyond what JSON Schema says (zero, dates that do not exist, order of dates), so only the check refuses it.
  const refused: [string, unknown, string, RegExp, 'semantic'?][] = [
    ['an unknown operator', { all: [{ event: {} }, { profile: { orders: { gte: 1 } } }, { sometimes: {} }] }, 'rule.all[2].sometimes', /unknown operator "sometimes"/],
    ['a negative window', { all: [{ event: {} }, { event: {} }, { event: { kind: 'order_completed', within: '-14d' } }] }, 'rule.all[2].event.within', /positive/],
    ['a window without unit', { event: { within: '14' } }, 'rule.event.within', /not a duration/],
    ['a zero window', { event: { within: '0d' } }, 'rule.event.within', /longer than zero/, 'semantic'],
    ['a window over ten years', { event: { within: '4000d' } }, 'rule.event.within', /3650/, 'semantic'],
    ['an unknown kind', { any: [{ event: { kind: ['order_completed', 'order_placed'] } }] }, 'rule.any[0].event.kind[1]', /unknown event kind "order_placed"/],
    ['an unknown field', { event: { kinds: 'order_completed' } }, 'rule.event.kinds', /unknown field "kinds"/],
    ['two operators in one node', { all: [], any: [] }, 'rule', /exactly one of/],
    ['an empty group', { all: [] }, 'rule.all', /non-empty list/],
    ['a bad date', { event: { from: '2026-02-31' } }, 'rule.event.from', /ISO 8601/, 'semantic'],
    ['a day that does not exist in a date-time', { during: { to: '2026-02-30T10:00:00Z' } }, 'rule.during.to', /ISO 8601/, 'semantic'],
    ['to before from', { event: { from: '2026-03-01', to: '2026-02-01' } }, 'rule.event.to', /after from/, 'semantic'],
    ['an operator of the wrong type', { event: { where: [{ path: 'properties.price', gt: '10' }] } }, 'rule.event.where[0].gt', /finite number/],
    ['a condition without operator', { event: { where: [{ path: 'properties.price' }] } }, 'rule.event.where[0]', /needs an operator/],
    ['a bad path', { event: { where: [{ path: 'properties..price', exists: true }] } }, 'rule.event.where[0].path', /not a path/, 'semantic'],
    ['a count that is not a number', { event: { count: { gte: 'two' } } }, 'rule.event.count.gte', /finite number/],
    ['an abandonment without timeout', { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, within: '7d' } }, 'rule.abandonment.timeout', /required/],
    ['an abandonment without window', { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, timeout: '1h' } }, 'rule.abandonment.within', /required/, 'semantic'],
    ['a bad RFM code', { profile: { rfm: { code: '534' } } }, 'rule.profile.rfm.code', /three-digit/],
    ['an unknown RFM segment', { profile: { rfm: { segment: ['Champions'] } } }, 'rule.profile.rfm.segment[0]', /unknown RFM segment "Champions"/],
    ['a rank out of range', { profile: { topCategory: { category: 'Shoes', rank: 0 } } }, 'rule.profile.topCategory.rank', /1 to 20/],
    ['an empty profile condition', { profile: {} }, 'rule.profile', /at least one/],
    ['an unknown prediction', { prediction: { churn: { gt: 0.5 } } }, 'rule.prediction.churn', /unknown field/],
    ['a bad segment key', { segment: { key: 'Has Space' } }, 'rule.segment.key', /snake_case/],
    ['an over-long in list', { event: { where: [{ path: 'properties.x', in: Array.from({ length: 501 }, (_, i) => i) }] } }, 'rule.event.where[0].in', /at most 500/],
    ['not an object', [1], 'rule', /must be an object/],
  ]
  for (const [what, rule, field, message, semantic] of refused) {
    it(`refuses ${what} and names ${field}`, () => {
      const r = checkSegmentRule(rule)
      assert.equal(r.ok, false)
      if (r.ok) return
      assert.equal(r.field, field)
      assert.match(r.message, message)
      if (!semantic) assert.equal(schema.Check(rule), false, 'the TypeBox schema refuses it too')
    })
  }

  it(`refuses groups nested deeper than ${MAX_RULE_DEPTH} levels`, () => {
    let rule: unknown = { event: {} }
    for (let i = 0; i < MAX_RULE_DEPTH; i++) rule = { not: rule }
    assert.equal(checkSegmentRule(rule).ok, true)
    const r = checkSegmentRule({ all: [rule] })
    assert.equal(r.ok, false)
    if (!r.ok) {
      assert.equal(r.field, `rule.all[0]${'.not'.repeat(MAX_RULE_DEPTH - 1)}.not`)
      assert.match(r.message, /nest at most 8 levels/)
    }
  })

  it('refuses more than 100 conditions, and JSON nested beyond the input limit before walking it', () => {
    const wide = { any: Array.from({ length: 3 }, () => ({ all: Array.from({ length: 40 }, () => ({ event: {} })) })) }
    const r = checkSegmentRule(wide)
    assert.equal(r.ok, false)
    if (!r.ok) assert.match(r.message, /at most 100 conditions/)
    let deep: unknown = { event: {} }
    for (let i = 0; i < 10_000; i++) deep = { not: deep }
    const d = checkSegmentRule(deep, 'definition')
    assert.deepEqual(d.ok ? null : [d.field, d.message], ['definition', 'nests deeper than 32 levels'])
  })
})

describe('checkTraitDefinition', () => {
  it('accepts every trait type', () => {
    const defs = [
      { type: 'counter', event: { kind: 'order_completed' }, within: '90d' },
      { type: 'sum', event: { kind: 'order_completed' }, property: 'revenue' },
      { type: 'most_frequent', event: { kind: 'product_viewed' }, property: 'item.brand', within: '30d' },
      { type: 'unique_list', event: { name: 'Coupon Applied' }, property: 'properties.coupon', from: '2026-01-01' },
    ]
    for (const d of defs) {
      assert.equal(checkTraitDefinition(d).ok, true)
      assert.equal(traitSchema.Check(d), true)
    }
  })

  const refused: [string, unknown, string, RegExp][] = [
    ['an unknown type', { type: 'median', event: {}, property: 'revenue' }, 'trait.type', /unknown trait type "median"/],
    ['an aggregation without property', { type: 'sum', event: { kind: 'order_completed' } }, 'trait.property', /required for sum/],
    ['a counter with a property', { type: 'counter', event: {}, property: 'revenue' }, 'trait.property', /takes no property/],
    ['a missing event filter', { type: 'counter' }, 'trait.event', /required/],
    ['a bad window', { type: 'counter', event: {}, within: '2 weeks' }, 'trait.within', /not a duration/],
    ['a bad kind in the filter', { type: 'counter', event: { kind: 'viewed' } }, 'trait.event.kind', /unknown event kind/],
  ]
  for (const [what, def, field, message] of refused) {
    it(`refuses ${what} and names ${field}`, () => {
      const r = checkTraitDefinition(def)
      assert.equal(r.ok, false)
      if (!r.ok) {
        assert.equal(r.field, field)
        assert.match(r.message, message)
      }
    })
  }
})

describe('schema types', () => {
  it('keep the literal kinds, trait types and RFM names for the API and the dashboard', () => {
    const rule: Static<typeof SegmentRuleSchema> = { all: [{ event: { kind: 'order_completed' } }, { profile: { rfm: { segment: 'Top Spender' } } }] }
    const trait: Static<typeof TraitDefinitionSchema> = { type: 'counter', event: { kind: ['product_viewed'] } }
    // @ts-expect-error an unknown trait type is a type error, not just a runtime one
    const wrong: Static<typeof TraitDefinitionSchema> = { type: 'median', event: {} }
    assert.equal(schema.Check(rule) && traitSchema.Check(trait) && !traitSchema.Check(wrong), true)
  })
})
