import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { aLine, aStoredEvent, anItem, DAY, type FactsInput, factsOf, HOUR, T0 } from '../../test/builders/person-facts.ts'
import type { EventKind } from '../core/index.ts'
import { compileSegment, type SegmentRule } from './index.ts'

const compile = (rule: SegmentRule) => compileSegment({ id: 'seg_1', key: 'test', definition: rule })
const evaluate = (rule: SegmentRule, facts: FactsInput, now = T0) => compile(rule).evaluate(factsOf(facts), now)
const is = (rule: SegmentRule, facts: FactsInput, now = T0) => evaluate(rule, facts, now).value

const viewed = (at: number, itemId = 'shoe', o: Parameters<typeof aStoredEvent>[2] = {}) => aStoredEvent('product_viewed', at, { products: [aLine(itemId)], ...o })
const order = (at: number, revenue = 50, itemId = 'shoe') => aStoredEvent('order_completed', at, { products: [aLine(itemId)], revenue })
const ITEMS = [anItem('shoe', { categories: ['Shoes > Running'], brand: 'Acme', price: 80, attributes: { colour: 'red', sizes: [40, 41] } }), anItem('hat', { categories: ['Hats'], brand: 'Other', price: 15 })]

describe('event conditions', () => {
  it('matches by kind or track name, counts, and compares counts', () => {
    const events = [order(T0 - DAY), order(T0 - 2 * DAY), aStoredEvent('custom', T0 - DAY, { event: 'Signed Up' })]
    assert.equal(is({ event: { kind: 'order_completed', count: { gte: 2 } } }, { events }), true)
    assert.equal(is({ event: { kind: 'order_completed', count: { gte: 3 } } }, { events }), false)
    assert.equal(is({ event: { kind: 'order_completed', count: { eq: 2 } } }, { events }), true)
    assert.equal(is({ event: { kind: 'order_completed', count: { neq: 2 } } }, { events }), false)
    assert.equal(is({ event: { kind: 'order_completed', count: { gt: 1, lte: 2 } } }, { events }), true)
    assert.equal(is({ event: { kind: 'order_completed', count: { lt: 2 } } }, { events }), false)
    assert.equal(is({ event: { name: 'Signed Up' } }, { events }), true)
    assert.equal(is({ event: { name: ['Trial Started'] } }, { events }), false)
    assert.equal(is({ event: { kind: ['product_viewed', 'custom'] } }, { events }), true)
  })

  it("leaves the engine's Audience Entered / Exited events out unless the condition names their kind", () => {
    const entered = aStoredEvent('audience_entered' as EventKind, T0 - HOUR, { event: 'Audience Entered' })
    assert.equal(is({ event: { within: '1d' } }, { events: [entered] }), false)
    assert.equal(is({ event: { name: 'Audience Entered' } }, { events: [entered] }), false)
    assert.equal(compileSegment({ id: 's', key: 's', definition: { event: { within: '1d' } } }).evaluate(factsOf({ events: [entered, order(T0 - HOUR)] }), T0).value, true)
  })

  it('includes an event exactly at the window edge and drops it one millisecond later, with recheckAt at that millisecond', () => {
    const rule: SegmentRule = { event: { kind: 'order_completed', within: '30d' } }
    const facts = { events: [order(T0)] }
    const edge = T0 + 30 * DAY
    assert.deepEqual(evaluate(rule, facts, edge), { value: true, recheckAt: edge + 1 })
    assert.deepEqual(evaluate(rule, facts, edge + 1), { value: false, recheckAt: null })
  })

  it('counts an event stamped ahead of now only from its time on', () => {
    const rule: SegmentRule = { event: { kind: 'order_completed' } }
    assert.deepEqual(evaluate(rule, { events: [order(T0 + HOUR)] }), { value: false, recheckAt: T0 + HOUR })
    assert.equal(is(rule, { events: [order(T0 + HOUR)] }, T0 + HOUR), true)
  })

  it('takes from as inclusive and to as exclusive', () => {
    const rule: SegmentRule = { event: { kind: 'order_completed', from: '2026-11-01', to: '2026-11-02' } }
    assert.equal(is(rule, { events: [order(Date.UTC(2026, 10, 1))] }), true)
    assert.equal(is(rule, { events: [order(Date.UTC(2026, 10, 2) - 1)] }), true)
    assert.equal(is(rule, { events: [order(Date.UTC(2026, 10, 2))] }), false)
    assert.equal(is(rule, { events: [order(Date.UTC(2026, 10, 1) - 1)] }), false)
  })

  it('applies every operator to property paths of the message, and the derived revenue and kind', () => {
    const e = aStoredEvent('custom', T0 - HOUR, { event: 'Coupon Applied', revenue: 42, properties: { coupon: 'WINTER25', tags: ['a', 'b'], n: 3, lines: [{ sku: 'x' }, { sku: 'y' }], none: null }, context: { campaign: { source: 'mail' } } })
    const events = [e]
    const where = (c: object) => is({ event: { where: [{ path: 'properties.coupon', ...c }] } }, { events })
    assert.equal(where({ eq: 'WINTER25' }), true)
    assert.equal(where({ eq: 'winter25' }), false)
    assert.equal(where({ neq: 'SUMMER' }), true)
    assert.equal(where({ neq: 'WINTER25' }), false)
    assert.equal(where({ in: ['X', 'WINTER25'] }), true)
    assert.equal(where({ in: ['X'] }), false)
    assert.equal(where({ contains: 'inter' }), true)
    assert.equal(where({ contains: 'INTER' }), true)
    assert.equal(where({ contains: 'summer' }), false)
    assert.equal(where({ exists: true }), true)
    assert.equal(where({ exists: false }), false)
    const at = (path: string, c: object) => is({ event: { where: [{ path, ...c }] } }, { events })
    assert.equal(at('properties.n', { gt: 2 }), true)
    assert.equal(at('properties.n', { gt: 3 }), false)
    assert.equal(at('properties.n', { gte: 3 }), true)
    assert.equal(at('properties.n', { lt: 3 }), false)
    assert.equal(at('properties.n', { lte: 3 }), true)
    assert.equal(at('properties.coupon', { gt: 0 }), false, 'a string is never greater than a number')
    assert.equal(at('properties.tags', { contains: 'b' }), true)
    assert.equal(at('properties.lines.sku', { eq: 'y' }), true)
    assert.equal(at('properties.lines.1.sku', { eq: 'x' }), false)
    assert.equal(at('properties.missing', { exists: false }), true)
    assert.equal(at('properties.missing', { neq: 'x' }), true)
    assert.equal(at('properties.none', { exists: true }), false)
    assert.equal(at('properties.none', { eq: null }), true)
    assert.equal(at('context.campaign.source', { eq: 'mail' }), true)
    assert.equal(at('revenue', { gte: 42, lt: 43 }), true)
    assert.equal(at('kind', { eq: 'custom' }), true)
    assert.equal(at('properties.__proto__.toString', { exists: true }), false, 'never reads inherited members')
  })

  it('matches items by category with descendants, brand, price and attributes', () => {
    const events = [viewed(T0 - HOUR)]
    const item = (c: object) => is({ event: { kind: 'product_viewed', item: c } }, { events, items: ITEMS })
    assert.equal(item({ category: 'Shoes' }), true)
    assert.equal(item({ category: 'Shoes > Running' }), true)
    assert.equal(item({ category: 'Shoes > Run' }), false, 'a prefix of a name is not a parent')
    assert.equal(item({ category: ['Hats', 'Shoes'] }), true)
    assert.equal(item({ brand: 'Acme' }), true)
    assert.equal(item({ brand: ['Other'] }), false)
    assert.equal(item({ price: { gte: 80 } }), true)
    assert.equal(item({ price: { lt: 80 } }), false)
    assert.equal(item({ attributes: [{ path: 'colour', eq: 'red' }] }), true)
    assert.equal(item({ attributes: [{ path: 'sizes', in: [41] }] }), true)
    assert.equal(item({ attributes: [{ path: 'colour', eq: 'blue' }] }), false)
    assert.equal(item({ id: 'shoe', brand: 'Other' }), false, 'every field on the same item')
    assert.equal(is({ event: { where: [{ path: 'item.brand', eq: 'Acme' }] } }, { events, items: ITEMS }), true)
  })

  it("falls back to the product line's own category and brand when the catalogue does not know the item", () => {
    const e = aStoredEvent('order_completed', T0 - HOUR, { products: [aLine('gone', { category: 'Shoes > Trail', brand: 'Acme' })] })
    assert.equal(is({ event: { item: { category: 'Shoes', brand: 'Acme' } } }, { events: [e] }), true)
  })
})

describe('groups', () => {
  const rule: SegmentRule = { all: [{ event: { kind: 'product_viewed', item: { category: 'Shoes' }, within: '14d' } }, { not: { event: { kind: 'order_completed', within: '14d' } } }] }
  it('"viewed Shoes but did not purchase" in the last 14 days', () => {
    assert.equal(is(rule, { events: [viewed(T0 - DAY)], items: ITEMS }), true)
    assert.equal(is(rule, { events: [viewed(T0 - DAY), order(T0 - HOUR)], items: ITEMS }), false)
    assert.equal(is(rule, { events: [viewed(T0 - DAY), order(T0 - 20 * DAY)], items: ITEMS }), true)
    assert.equal(is(rule, { events: [viewed(T0 - DAY, 'hat')], items: ITEMS }), false)
  })

  it('takes the earliest recheck of the children that decide', () => {
    // The view leaves in 13 days; the order leaves the window in 5 days and then stops blocking.
    const r = evaluate(rule, { events: [viewed(T0 - DAY), order(T0 - 9 * DAY)], items: ITEMS })
    assert.deepEqual(r, { value: false, recheckAt: T0 - 9 * DAY + 14 * DAY + 1 })
    const any = evaluate({ any: [{ event: { kind: 'order_completed', within: '1d' } }, { event: { kind: 'product_viewed', within: '2d' } }] }, { events: [viewed(T0 - DAY)] })
    assert.deepEqual(any, { value: true, recheckAt: T0 + DAY + 1 })
  })
})

describe('abandonment', () => {
  const rule: SegmentRule = { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, timeout: '4h', within: '7d' } }
  const added = (at: number, itemId = 'shoe') => aStoredEvent('product_added', at, { products: [aLine(itemId)] })

  it('counts an add to cart once the timeout passed without an order, and says when', () => {
    assert.deepEqual(evaluate(rule, { events: [added(T0 - HOUR)] }), { value: false, recheckAt: T0 + 3 * HOUR + 1 })
    assert.equal(is(rule, { events: [added(T0 - 4 * HOUR)] }), false, 'exactly at the timeout an order may still come')
    assert.equal(is(rule, { events: [added(T0 - 4 * HOUR - 1)] }), true)
    assert.deepEqual(evaluate(rule, { events: [added(T0 - 5 * HOUR)] }), { value: true, recheckAt: T0 - 5 * HOUR + 7 * DAY + 1 })
  })

  it('is answered by an order within the timeout, not by one before or after it', () => {
    assert.equal(is(rule, { events: [added(T0 - 5 * HOUR), order(T0 - 2 * HOUR)] }), false)
    assert.equal(is(rule, { events: [added(T0 - 5 * HOUR), order(T0 - HOUR)] }), false, 'an order exactly at the timeout answers it')
    assert.equal(is(rule, { events: [added(T0 - 5 * HOUR), order(T0 - HOUR + 1)] }), true, 'one a millisecond later does not')
    assert.equal(is(rule, { events: [added(T0 - 10 * HOUR), order(T0 - 2 * HOUR)] }), true)
    assert.equal(is(rule, { events: [order(T0 - 6 * HOUR), added(T0 - 5 * HOUR)] }), true)
  })

  it('with sameItem, only an order of an item left in the cart answers it', () => {
    const same: SegmentRule = { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, timeout: '4h', within: '7d', sameItem: true } }
    assert.equal(is(same, { events: [added(T0 - 5 * HOUR), order(T0 - 2 * HOUR, 10, 'hat')] }), true)
    assert.equal(is(same, { events: [added(T0 - 5 * HOUR), order(T0 - 2 * HOUR, 10, 'shoe')] }), false)
  })

  it('drops an abandonment older than the outer window', () => {
    assert.equal(is(rule, { events: [added(T0 - 7 * DAY)] }), true)
    assert.equal(is(rule, { events: [added(T0 - 7 * DAY - 1)] }), false)
  })
})

describe('profile conditions', () => {
  const state = (o: object) => ({ state: o }) as FactsInput
  it('reads identify traits, consent, orders and revenue', () => {
    const traits = Object.assign(Object.create(null), { plan: 'gold', seats: 5 })
    assert.equal(is({ profile: { trait: { name: 'plan', eq: 'gold' } } }, state({ traits })), true)
    assert.equal(is({ profile: { trait: { name: 'seats', gte: 6 } } }, state({ traits })), false)
    assert.equal(is({ profile: { trait: { name: 'constructor', exists: true } } }, state({ traits })), false)
    assert.equal(is({ profile: { consent: 'email' } }, { consents: { email: true } }), true)
    assert.equal(is({ profile: { consent: 'email' } }, { consents: { email: false } }), false)
    const orders = { count: 3, revenue: 120, first: T0 - 100 * DAY, last: T0 - 10 * DAY, recentIds: [] }
    assert.equal(is({ profile: { orders: { gte: 3 }, revenue: { gt: 100 } } }, state({ orders })), true)
    assert.equal(is({ profile: { orders: { gte: 3 }, revenue: { gt: 120 } } }, state({ orders })), false)
  })

  it('last order within 30 days holds up to the edge, says when it ends, and more than 90 days ago starts one millisecond after', () => {
    const last = T0 - 10 * DAY
    const orders = { count: 1, revenue: 10, first: last, last, recentIds: [] }
    assert.deepEqual(evaluate({ profile: { lastOrder: { within: '30d' } } }, state({ orders })), { value: true, recheckAt: last + 30 * DAY + 1 })
    assert.equal(is({ profile: { lastOrder: { within: '30d' } } }, state({ orders }), last + 30 * DAY), true)
    assert.equal(is({ profile: { lastOrder: { within: '30d' } } }, state({ orders }), last + 30 * DAY + 1), false)
    assert.deepEqual(evaluate({ profile: { firstOrder: { olderThan: '90d' } } }, state({ orders })), { value: false, recheckAt: last + 90 * DAY + 1 })
    assert.equal(is({ profile: { firstOrder: { olderThan: '90d' } } }, state({ orders }), last + 90 * DAY), false)
    assert.deepEqual(evaluate({ profile: { firstOrder: { olderThan: '90d' } } }, state({ orders }), last + 90 * DAY + 1), { value: true, recheckAt: null })
    assert.equal(is({ profile: { lastOrder: { within: '30d' } } }, {}), false, 'no order')
    assert.equal(is({ profile: { lastOrder: { from: '2026-11-01' } } }, state({ orders })), true)
  })

  it('reads the RFM code and named segment', () => {
    const rfm = { code: '434', segment: 'Premium Customer' }
    assert.equal(is({ profile: { rfm: { segment: 'Premium Customer' } } }, { rfm }), true)
    assert.equal(is({ profile: { rfm: { code: ['444', '434'] } } }, { rfm }), true)
    assert.equal(is({ profile: { rfm: { code: '444' } } }, { rfm }), false)
    assert.equal(is({ profile: { rfm: { segment: 'Other' } } }, {}), false, 'no RFM fact without an order')
    assert.equal(compile({ profile: { rfm: { code: '444' } } }).needs.rfm, true)
  })

  it('ranks a top category at its own level, its subcategories included, explicit likes first', () => {
    const categories = Object.assign(Object.create(null), {
      Shoes: { s: 10, t: T0 },
      'Shoes > Running': { s: 6, t: T0 },
      'Shoes > Trail': { s: 4, t: T0 },
      Hats: { s: 8, t: T0 - 30 * DAY },
    })
    const s = (prefs = { liked: [] as string[], disliked: [] as string[] }) => ({ state: { categories, preferences: { categories: prefs, brands: { liked: [], disliked: [] }, notForMe: [], communication: {}, updatedAt: null } } }) as FactsInput
    assert.equal(is({ profile: { topCategory: { category: 'Shoes' } } }, s()), true)
    assert.equal(is({ profile: { topCategory: { category: 'Hats' } } }, s()), false, 'decayed below Shoes')
    assert.equal(is({ profile: { topCategory: { category: 'Hats', rank: 2 } } }, s()), true)
    assert.equal(is({ profile: { topCategory: { category: 'Shoes > Running' } } }, s()), true, 'the top of its level, under its stronger parent')
    assert.equal(is({ profile: { topCategory: { category: 'Shoes > Trail' } } }, s()), false)
    assert.equal(is({ profile: { topCategory: { category: 'Hats' } } }, s({ liked: ['Hats'], disliked: [] })), true)
    assert.equal(is({ profile: { topCategory: { category: 'Shoes' } } }, s({ liked: [], disliked: ['Shoes'] })), false)
  })
})

describe('predictions, computed traits, other segments and dates', () => {
  it('compares predictions and is false without one', () => {
    const rule: SegmentRule = { prediction: { percentile: { gte: 0.8 }, expectedOrders90: { gt: 0.5 } } }
    assert.deepEqual(evaluate(rule, { prediction: { percentile: 0.8, expectedOrders90: 1 } }), { value: true, recheckAt: null })
    assert.equal(is(rule, { prediction: { percentile: 0.79, expectedOrders90: 1 } }), false)
    assert.equal(is(rule, { prediction: { percentile: 0.9, expectedOrders90: null } }), false)
    assert.equal(is(rule, {}), false)
    assert.equal(compile(rule).needs.prediction, true)
  })

  it('reads computed traits by key, lists element by element', () => {
    assert.equal(is({ computed: { key: 'orders_90d', gte: 3 } }, { traits: { orders_90d: 3 } }), true)
    assert.equal(is({ computed: { key: 'orders_90d', gte: 3 } }, { traits: { orders_90d: null } }), false)
    assert.equal(is({ computed: { key: 'orders_90d', exists: false } }, {}), true)
    assert.equal(is({ computed: { key: 'brands', contains: 'Acme' } }, { traits: { brands: ['Other', 'Acme'] } }), true)
    assert.deepEqual(compile({ computed: { key: 'brands', exists: true } }).needs.traits, ['brands'])
  })

  it('reads membership of another segment', () => {
    assert.equal(is({ segment: { key: 'vip' } }, { memberOf: ['vip'] }), true)
    assert.equal(is({ not: { segment: { key: 'vip' } } }, { memberOf: ['vip'] }), false)
    assert.deepEqual(compile({ segment: { key: 'vip' } }).needs.segments, ['vip'])
  })

  it('holds during a period and says when it starts and ends', () => {
    const rule: SegmentRule = { during: { from: '2026-12-02', to: '2026-12-03' } }
    assert.deepEqual(evaluate(rule, {}), { value: false, recheckAt: Date.UTC(2026, 11, 2) })
    assert.deepEqual(evaluate(rule, {}, Date.UTC(2026, 11, 2)), { value: true, recheckAt: Date.UTC(2026, 11, 3) })
    assert.deepEqual(evaluate(rule, {}, Date.UTC(2026, 11, 3)), { value: false, recheckAt: null })
  })
})

describe('needs', () => {
  it('asks for the longest window and only the kinds named', () => {
    const c = compile({ all: [{ event: { kind: 'product_viewed', within: '14d' } }, { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, timeout: '1h', within: '30d' } }] })
    assert.deepEqual(c.needs, { lookbackMs: 30 * DAY, kinds: ['order_completed', 'product_added', 'product_viewed'], segments: [], traits: [], prediction: false, rfm: false, profileFields: [] })
    assert.equal(compile({ event: { name: 'Signed Up' } }).needs.kinds, null, 'a track name can be any kind')
    const profile = compile({ any: [{ profile: { revenue: { gte: 1 }, consent: 'personalization' } }, { not: { profile: { topCategory: { category: 'Shoes' } } } }] })
    assert.deepEqual(profile.needs.profileFields, ['consent:personalization', 'revenue', 'topCategory'], 'what a preview may read from columns instead')
    assert.equal(compile({ event: { kind: 'order_completed' } }).needs.lookbackMs, Infinity)
    assert.equal(compile({ profile: { lastOrder: { within: '30d' } } }).needs.lookbackMs, 0)
  })
})

describe('consent', () => {
  const interest: SegmentRule = { event: { kind: 'product_viewed', item: { category: 'Shoes' }, within: '14d' } }
  it('marks rules on inferred interests and keeps people without personalization consent out', () => {
    assert.equal(compile(interest).inferred, true)
    assert.equal(compile({ profile: { topCategory: { category: 'Shoes' } } }).inferred, true)
    assert.equal(compile({ prediction: { percentile: { gte: 0.8 } } }).inferred, false)
    assert.equal(compile({ event: { kind: 'order_completed', item: { category: 'Shoes' } } }).inferred, false, 'purchases are facts')
    assert.equal(compile({ event: { kind: 'product_viewed', within: '1d' } }).inferred, false, 'a view count reads no interest')
    assert.equal(compile({ not: { event: { where: [{ path: 'item.brand', eq: 'Acme' }] } } }).inferred, true)
    const events = [viewed(T0 - DAY)]
    assert.equal(is(interest, { events, items: ITEMS }), true)
    assert.deepEqual(evaluate(interest, { events, items: ITEMS, consents: { personalization: false } }), { value: false, recheckAt: null })
    assert.equal(is({ not: interest }, { events: [], items: ITEMS, consents: { personalization: false } }), false)
    assert.equal(is({ event: { kind: 'order_completed', item: { category: 'Shoes' } } }, { events: [order(T0 - DAY)], items: ITEMS, consents: { personalization: false } }), true)
  })

  it('keeps people without the sensitive purpose out of a rule naming a sensitive category', () => {
    const rule: SegmentRule = { event: { kind: 'order_completed', item: { category: 'Shoes > Running' } } }
    const facts = { events: [order(T0 - DAY)], items: ITEMS, sensitive: ['Shoes'] }
    assert.equal(is(rule, facts), false)
    assert.equal(is(rule, { ...facts, consents: { sensitive: true } }), true)
    assert.equal(is({ event: { where: [{ path: 'properties.category', eq: 'Shoes' }] } }, { events: [], sensitive: ['Shoes'], consents: { sensitive: false } }), false)
    assert.equal(compileSegment({ id: 's', key: 's', definition: rule }, { isSensitive: (p) => p.startsWith('Shoes') }).sensitive, true)
    assert.deepEqual(compile(rule).categories, ['Shoes > Running'])
  })
})
