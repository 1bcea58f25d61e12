/**
 * A preview gives exactly the members a recompute stores at the same `now`, for every kind of rule: the
 * preview takes shortcuts (profiles' columns instead of documents, the events' index instead of a scan), so
 * each shortcut is checked against the full evaluation on one seeded shop.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DAY, type SegmentHarness, segmentHarness } from '../../test/builders/segments.ts'

const USERS = ['ann', 'bo', 'cy', 'di', 'ed', 'fay', 'gus', 'hal', 'ivy', 'jo', 'kim', 'lu']

const RULES: Record<string, unknown> = {
  revenue: { profile: { revenue: { gte: 100 } } },
  orders: { profile: { orders: { gte: 2 } } },
  no_orders: { not: { profile: { orders: { gte: 1 } } } },
  last_order: { profile: { lastOrder: { within: '10d' } } },
  first_order: { profile: { firstOrder: { olderThan: '20d' } } },
  last_seen: { profile: { lastSeen: { within: '5d' } } },
  consent: { profile: { consent: 'personalization' } },
  not_consent: { not: { profile: { consent: 'personalization' } } },
  trait: { profile: { trait: { name: 'plan', eq: 'gold' } } },
  top_category: { profile: { topCategory: { category: 'Shoes' } } },
  rfm: { profile: { rfm: { code: ['444', '443', '434', '344'] } } },
  inferred_events: { all: [{ event: { kind: 'product_viewed', within: '14d', item: { category: 'Shoes' } } }, { not: { event: { kind: 'order_completed', within: '14d' } } }] },
  events: { event: { kind: 'order_completed', within: '30d' } },
  mixed: { all: [{ profile: { revenue: { gte: 50 } } }, { event: { kind: 'product_viewed', within: '30d', item: { category: 'Books' } } }] },
  stored: { segment: { key: 'revenue' } },
}

describe('segment preview', () => {
  let h: SegmentHarness
  before(async () => {
    h = await segmentHarness({ consentDefaults: { personalization: true } })
    await h.items([
      { id: 'shoe', categories: ['Shoes > Running'], brand: 'Fleet', price: 40 },
      { id: 'book', categories: ['Books > Fiction'], brand: 'Acme', price: 15 },
    ])
    const start = h.now
    // A shop over 40 days: each person a different mix of views, orders, traits and stated consent.
    for (let day = 0; day < 40; day += 1) {
      h.now = start + day * DAY
      const calls: Record<string, unknown>[] = []
      USERS.forEach((userId, i) => {
        if ((day + i) % (i + 2) !== 0) return
        const item = (day + i) % 3 === 0 ? 'book' : 'shoe'
        calls.push({ type: 'track', event: 'Product Viewed', userId, properties: { product_id: item } })
        if ((day * 7 + i) % 5 === 0) {
          const total = 10 + ((i * 31 + day) % 90)
          calls.push({ type: 'track', event: 'Order Completed', userId, properties: { order_id: `o-${userId}-${day}`, revenue: total, products: [{ product_id: item, price: total, quantity: 1 }] } })
        }
      })
      if (day === 3) calls.push({ type: 'identify', userId: 'bo', traits: { plan: 'gold', consent: { personalization: false } } }, { type: 'identify', userId: 'cy', traits: { plan: 'gold' } })
      if (day === 9) calls.push({ type: 'identify', userId: 'di', traits: { consent: { personalization: true } } }, { type: 'identify', userId: 'mo', traits: { plan: 'silver' } })
      if (day === 20) calls.push({ type: 'identify', userId: 'ed', traits: { consent: { personalization: false } } })
      if (calls.length > 0) await h.send(calls)
    }
    h.now += DAY / 2
    for (const [key, rule] of Object.entries(RULES)) await h.define('segment', key, rule)
    await h.engine.recompute({ now: h.now })
  })
  after(() => h.close())

  for (const key of Object.keys(RULES)) {
    it(`gives the recompute's members for ${key}`, async () => {
      const people = [...new Set(await Promise.all([...USERS, 'mo'].map((u) => h.personOf(u))))]
      const members: string[] = []
      for (const p of people) if ((await h.segmentsOf(p)).includes(key)) members.push(p)
      const preview = await h.engine.preview(RULES[key], { sample: 100, now: h.now })
      assert.equal(preview.population, people.length)
      assert.deepEqual([...preview.sample].sort(), members.sort())
      assert.equal(preview.size, members.length)
    })
  }

  it('has rules that split the shop (the comparisons are not all empty)', async () => {
    for (const key of ['revenue', 'orders', 'no_orders', 'consent', 'not_consent', 'trait', 'top_category', 'events']) {
      const { size, population } = await h.engine.preview(RULES[key], { sample: 0, now: h.now })
      assert.ok(size > 0 && size < population, `${key}: ${size} of ${population}`)
    }
  })
})
