import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { aLine, aStoredEvent, anItem, DAY, type FactsInput, factsOf, HOUR, T0 } from '../../test/builders/person-facts.ts'
import { compileTrait, type TraitDefinition } from './index.ts'

const trait = (def: TraitDefinition, facts: FactsInput, now = T0) => compileTrait({ id: 'trait_1', key: 't', definition: def }).evaluate(factsOf(facts), now)
const value = (def: TraitDefinition, facts: FactsInput, now = T0) => trait(def, facts, now).value

const ITEMS = [anItem('shoe', { categories: ['Shoes > Running'], brand: 'Acme', price: 80 }), anItem('pill', { categories: ['Health > Pharmacy'], brand: 'Med', price: 5 }), anItem('hat', { categories: ['Hats'], brand: 'Other', price: 15 })]
const order = (at: number, revenue: number) => aStoredEvent('order_completed', at, { products: [aLine('shoe')], revenue })
const view = (at: number, item: string) => aStoredEvent('product_viewed', at, { products: [aLine(item)] })
const orders = [order(T0 - 40 * DAY, 10), order(T0 - 20 * DAY, 30), order(T0 - 2 * DAY, 20)]

describe('computed traits', () => {
  it('counts matching events in the window (0 when none) and says when the oldest leaves', () => {
    const def: TraitDefinition = { type: 'counter', event: { kind: 'order_completed' }, within: '30d' }
    assert.deepEqual(trait(def, { events: orders }), { value: 2, recheckAt: T0 - 20 * DAY + 30 * DAY + 1 })
    assert.equal(value({ ...def, within: undefined } as TraitDefinition, { events: orders }), 3)
    assert.deepEqual(trait(def, {}), { value: 0, recheckAt: null })
  })

  it('sums, averages and takes min and max of a value path, null when nothing has a value', () => {
    const on = (type: TraitDefinition['type'], property = 'revenue') => value({ type, event: { kind: 'order_completed' }, property, within: '30d' }, { events: orders, items: ITEMS })
    assert.equal(on('sum'), 50)
    assert.equal(on('avg'), 25)
    assert.equal(on('min'), 20)
    assert.equal(on('max'), 30)
    assert.equal(on('max', 'item.price'), 80)
    assert.equal(on('sum', 'properties.nothing'), null)
    assert.equal(value({ type: 'sum', event: { kind: 'order_completed' }, property: 'revenue' }, {}), null)
  })

  it('takes the most frequent value (ties: the one seen last), first, last, unique list and unique count', () => {
    const events = [view(T0 - 5 * HOUR, 'shoe'), view(T0 - 4 * HOUR, 'hat'), view(T0 - 3 * HOUR, 'shoe'), view(T0 - 2 * HOUR, 'hat'), view(T0 - HOUR, 'hat')]
    const on = (type: TraitDefinition['type'], property = 'item.brand') => value({ type, event: { kind: 'product_viewed' }, property, within: '1d' }, { events, items: ITEMS })
    assert.equal(on('most_frequent'), 'Other')
    assert.equal(value({ type: 'most_frequent', event: { kind: 'product_viewed' }, property: 'item.brand' }, { events: events.slice(0, 4), items: ITEMS }), 'Other', 'a tie goes to the value seen last')
    assert.equal(on('first'), 'Acme')
    assert.equal(on('last'), 'Other')
    assert.deepEqual(on('unique_list'), ['Acme', 'Other'])
    assert.equal(on('unique_count'), 2)
    assert.deepEqual(on('unique_list', 'item.category'), ['Shoes > Running', 'Hats'])
    assert.equal(on('first', 'properties.none'), null)
  })

  it('filters events like segment conditions do', () => {
    const events = [view(T0 - HOUR, 'shoe'), view(T0 - HOUR, 'hat'), aStoredEvent('custom', T0 - HOUR, { event: 'Coupon Applied', properties: { coupon: 'X' } })]
    assert.equal(value({ type: 'counter', event: { kind: 'product_viewed', item: { category: 'Shoes' } } }, { events, items: ITEMS }), 1)
    assert.deepEqual(value({ type: 'unique_list', event: { name: 'Coupon Applied' }, property: 'properties.coupon' }, { events }), ['X'])
  })

  it('is empty without personalization consent when it reads browsing interests', () => {
    const def: TraitDefinition = { type: 'most_frequent', event: { kind: 'product_viewed' }, property: 'item.brand' }
    const events = [view(T0 - HOUR, 'shoe')]
    assert.equal(compileTrait({ id: 't', key: 't', definition: def }).inferred, true)
    assert.equal(value(def, { events, items: ITEMS, consents: { personalization: false } }), null)
    const counter: TraitDefinition = { type: 'counter', event: { kind: 'product_viewed', item: { category: 'Shoes' } } }
    assert.equal(value(counter, { events, items: ITEMS, consents: { personalization: false } }), 0)
    const spend: TraitDefinition = { type: 'sum', event: { kind: 'order_completed' }, property: 'revenue' }
    assert.equal(compileTrait({ id: 't', key: 't', definition: spend }).inferred, false)
    assert.equal(value(spend, { events: orders, consents: { personalization: false } }), 60)
  })

  it('leaves sensitive categories out of its values without the sensitive purpose', () => {
    const def: TraitDefinition = { type: 'unique_list', event: { kind: 'order_completed' }, property: 'item.category' }
    const events = [aStoredEvent('order_completed', T0 - HOUR, { products: [aLine('pill'), aLine('hat')] })]
    assert.deepEqual(value(def, { events, items: ITEMS, sensitive: ['Health'] }), ['Hats'])
    assert.deepEqual(value(def, { events, items: ITEMS, sensitive: ['Health'], consents: { sensitive: true } }), ['Health > Pharmacy', 'Hats'])
    const named: TraitDefinition = { type: 'counter', event: { kind: 'order_completed', item: { category: 'Health' } } }
    assert.equal(value(named, { events, items: ITEMS, sensitive: ['Health'] }), 0)
  })

  it('needs the window and the kinds of its filter', () => {
    const c = compileTrait({ id: 't', key: 't', definition: { type: 'sum', event: { kind: 'order_completed' }, property: 'revenue', within: '90d' } })
    assert.deepEqual(c.needs, { lookbackMs: 90 * DAY, kinds: ['order_completed'], segments: [], traits: [], prediction: false, rfm: false })
  })
})
