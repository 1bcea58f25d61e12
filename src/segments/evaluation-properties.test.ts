/**
 * Properties of evaluation over seeded random histories.
 *
 * recheckAt is a promise: the value stays what it is until then, whatever time it is, without a new event.
 * For seeded random histories and rules with every time-dependent condition, evaluate at now, then at many
 * times before recheckAt (random ones and the millisecond before it) and demand the same value; then move
 * to recheckAt and repeat, over 60 days. A value change anywhere is then one recheckAt announced.
 *
 * needs is a promise too: the events of the kinds it names, since now minus its lookback, give the same
 * answer as the whole history. And consent gates hold whatever the history.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DAY, factsOf, T0 } from '../../test/builders/person-facts.ts'
import { randomHistory, seeded } from '../../test/builders/random-history.ts'
import { type CompiledSegment, type CompiledTrait, compileSegment, compileTrait, type SegmentRule, type TraitDefinition } from './index.ts'

const RULES: SegmentRule[] = [
  { event: { kind: 'order_completed', within: '30d' } },
  { event: { kind: 'product_viewed', within: '7d', count: { gte: 2 } } },
  { event: { kind: 'product_viewed', within: '3d', count: { eq: 0 } } },
  { all: [{ event: { kind: 'product_viewed', item: { category: 'Shoes' }, within: '14d' } }, { not: { event: { kind: 'order_completed', within: '14d' } } }] },
  { any: [{ event: { name: 'Coupon Applied', within: '2d' } }, { not: { event: { kind: 'product_added', within: '10d' } } }] },
  { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, timeout: '4h', within: '7d' } },
  { abandonment: { did: { kind: 'product_viewed' }, thenNot: { kind: ['product_added', 'order_completed'] }, timeout: '1d', within: '3d', sameItem: true, count: { gte: 2 } } },
  { profile: { lastOrder: { within: '30d' } } },
  { profile: { firstOrder: { within: '10d' }, lastOrder: { olderThan: '5d' } } },
  { not: { profile: { lastOrder: { olderThan: '20d' } } } },
  { all: [{ during: { from: '2026-12-10', to: '2026-12-20' } }, { event: { kind: 'product_viewed', within: '20d' } }] },
  { event: { kind: 'order_completed', from: '2026-11-15', to: '2026-12-01T03:00:00Z' } },
  { event: { where: [{ path: 'properties.price', gte: 50 }], within: '5d' } },
]

const TRAITS: TraitDefinition[] = [
  { type: 'counter', event: { kind: 'product_viewed' }, within: '7d' },
  { type: 'sum', event: { kind: 'order_completed' }, property: 'revenue', within: '30d' },
  { type: 'avg', event: { kind: 'product_viewed' }, property: 'properties.price', within: '10d' },
  { type: 'max', event: {}, property: 'item.price', within: '3d' },
  { type: 'most_frequent', event: { kind: 'product_viewed' }, property: 'item.brand', within: '14d' },
  { type: 'last', event: {}, property: 'item.category', within: '5d' },
  { type: 'unique_list', event: {}, property: 'item.id', within: '2d' },
  { type: 'unique_count', event: { name: 'Coupon Applied' }, property: 'properties.coupon', within: '6d' },
]

const HORIZON = T0 + 60 * DAY

function checkPromises(label: string, evaluate: (now: number) => { value: unknown; recheckAt: number | null }, random: () => number): number {
  let now = T0
  let changes = 0
  let prev = evaluate(now)
  for (let step = 0; step < 200 && now < HORIZON; step++) {
    assert.ok(prev.recheckAt === null || prev.recheckAt > now, `${label}: recheckAt ${prev.recheckAt} is not after ${now}`)
    const until = prev.recheckAt ?? HORIZON
    const samples = [until - 1, ...Array.from({ length: 8 }, () => now + Math.floor(random() * (until - now)))]
    for (const t of samples) {
      if (t <= now || t >= until) continue
      assert.deepEqual(evaluate(t).value, prev.value, `${label}: the value changed at ${new Date(t).toISOString()}, before recheckAt ${prev.recheckAt === null ? 'null' : new Date(prev.recheckAt).toISOString()} announced from ${new Date(now).toISOString()}`)
    }
    if (prev.recheckAt === null) break
    now = prev.recheckAt
    const next = evaluate(now)
    if (JSON.stringify(next.value) !== JSON.stringify(prev.value)) changes += 1
    prev = next
  }
  return changes
}

describe('recheckAt (property test over seeded histories)', () => {
  it('no segment changes before the recheckAt it announced', () => {
    const random = seeded(14)
    const compiled: CompiledSegment[] = RULES.map((rule, i) => compileSegment({ id: `seg_${i}`, key: `rule_${i}`, definition: rule }))
    let changes = 0
    for (let h = 0; h < 300; h++) {
      const facts = factsOf(randomHistory(random))
      for (const c of compiled) changes += checkPromises(`history ${h}, ${JSON.stringify(RULES[Number(c.id.slice(4))])}`, (now) => c.evaluate(facts, now), random)
    }
    // The histories must exercise time: many memberships do change at the announced times.
    assert.ok(changes > 300, `only ${changes} changes over time`)
  })

  it('no computed trait changes before the recheckAt it announced', () => {
    const random = seeded(41)
    const compiled: CompiledTrait[] = TRAITS.map((def, i) => compileTrait({ id: `trait_${i}`, key: `trait_${i}`, definition: def }))
    let changes = 0
    for (let h = 0; h < 300; h++) {
      const facts = factsOf(randomHistory(random))
      for (const c of compiled) changes += checkPromises(`history ${h}, ${JSON.stringify(TRAITS[Number(c.id.slice(6))])}`, (now) => c.evaluate(facts, now), random)
    }
    assert.ok(changes > 300, `only ${changes} changes over time`)
  })
})

describe('needs and consent (property tests over seeded histories)', () => {
  it('the events a definition says it needs give the same answer as the whole history', () => {
    const random = seeded(7)
    const all = [...RULES.map((rule, i) => compileSegment({ id: `seg_${i}`, key: `rule_${i}`, definition: rule })), ...TRAITS.map((def, i) => compileTrait({ id: `trait_${i}`, key: `trait_${i}`, definition: def }))]
    for (let h = 0; h < 300; h++) {
      const input = randomHistory(random)
      const now = T0 + Math.floor(random() * 20 * DAY)
      for (const c of all) {
        const { lookbackMs, kinds } = c.needs
        const needed = (input.events ?? []).filter((e) => e.timestamp >= now - lookbackMs && (kinds === null || kinds.includes(e.kind)))
        assert.deepEqual(c.evaluate(factsOf({ ...input, events: needed }), now).value, c.evaluate(factsOf(input), now).value, `${c.key} at ${now}`)
      }
    }
  })

  it('segments on inferred interests are false for everyone without personalization consent', () => {
    const random = seeded(3)
    const inferred = RULES.map((rule, i) => compileSegment({ id: `seg_${i}`, key: `rule_${i}`, definition: rule })).filter((c) => c.inferred)
    assert.ok(inferred.length >= 1)
    const both = [...inferred, compileSegment({ id: 's', key: 'not_shoes', definition: { not: { event: { kind: 'product_viewed', item: { category: 'Shoes' } } } } })]
    let members = 0
    for (let h = 0; h < 300; h++) {
      const input = randomHistory(random)
      for (const c of both) {
        members += c.evaluate(factsOf(input), T0).value ? 1 : 0
        assert.equal(c.evaluate(factsOf({ ...input, consents: { personalization: false } }), T0).value, false)
        assert.equal(c.evaluate(factsOf({ ...input, sensitive: ['Shoes'] }), T0).value, false, 'Shoes sensitive, no sensitive consent')
      }
    }
    assert.ok(members > 50, `the gate was tested on members (${members})`)
  })
})
