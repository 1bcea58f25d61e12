/**
 * Acceptance: a batch recompute gives exactly the memberships and computed traits that real-time
 * evaluation kept. A seeded 60-day history (anonymous browsing that logs in later, so people merge;
 * carts left and bought; orders; consent granted and withdrawn; a sensitive category; late events) goes
 * through the projector and `onPeople` in time order with the engine's clock at each event, the scheduler
 * ticking every simulated hour; then `recompute` at the same moment must change nothing.
 *
 * RFM and prediction conditions are left out: they rank a person against everyone else, so they move when
 * others buy (the engine re-evaluates them daily); everything else changes only with the person's own
 * events or with time, which the scheduler follows to the millisecond.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DAY, type SegmentHarness, segmentHarness } from '../../test/builders/segments.ts'
import { seededRandom } from '../core/index.ts'

const HOUR = 3_600_000
const START = Date.UTC(2026, 0, 5)

function prng(seed: number) {
  const next = seededRandom(seed)
  return { next, int: (n: number) => Math.floor(next() * n), chance: (p: number) => next() < p, pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! }
}

const CATEGORIES = ['Shoes > Running', 'Shoes > Trail', 'Books > Cooking', 'Garden', 'Health > Vitamins']
const ITEMS = Array.from({ length: 20 }, (_, i) => ({ id: `sku-${i}`, categories: [CATEGORIES[i % CATEGORIES.length]!], brand: ['Fleet', 'Acme', 'Vita'][i % 3]!, price: 5 + ((i * 37) % 120) }))

const SEGMENTS: Record<string, unknown> = {
  recent_buyers: { event: { kind: 'order_completed', within: '30d' } },
  big_spenders: { profile: { revenue: { gte: 200 } } },
  repeat: { event: { kind: 'order_completed', count: { gte: 2 }, within: '45d' } },
  lapsed: { all: [{ profile: { orders: { gte: 1 }, lastOrder: { olderThan: '21d' } } }, { not: { segment: { key: 'recent_buyers' } } }] },
  runners: { profile: { topCategory: { category: 'Shoes', rank: 1 } } },
  browsed_trail_no_buy: { all: [{ event: { kind: 'product_viewed', item: { category: 'Shoes > Trail' }, within: '14d' } }, { not: { event: { kind: 'order_completed', within: '14d' } } }] },
  cart_abandoners: { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, timeout: '6h', within: '7d' } },
  vitamin_fans: { event: { kind: 'product_viewed', item: { category: 'Health' }, count: { gte: 2 }, within: '10d' } },
  active_week: { event: { kind: ['product_viewed', 'product_added'], within: '7d', count: { gte: 3 } } },
  heavy_viewers: { computed: { key: 'views_14d', gte: 5 } },
  january_buyers: { event: { kind: 'order_completed', from: '2026-01-10T00:00:00Z', to: '2026-02-01T00:00:00Z' } },
  pricey_lookers: { event: { kind: 'product_viewed', item: { price: { gte: 100 } }, within: '3d' } },
}
const TRAITS: Record<string, unknown> = {
  views_14d: { type: 'counter', event: { kind: 'product_viewed' }, within: '14d' },
  spend_30d: { type: 'sum', event: { kind: 'order_completed' }, property: 'revenue', within: '30d' },
  favourite_brand: { type: 'most_frequent', event: { kind: 'product_viewed' }, property: 'item.brand', within: '21d' },
  last_item: { type: 'last', event: { kind: 'product_viewed' }, property: 'properties.product_id' },
}

describe('segments: recompute equals real time', () => {
  let h: SegmentHarness
  let sent = 0
  before(async () => {
    h = await segmentHarness({ start: START, consentDefaults: { personalization: false } })
    await h.items(ITEMS)
    await h.store.setCategorySensitivity([{ path: 'Health', sensitive: true }])
    for (const [key, definition] of Object.entries(TRAITS)) await h.define('trait', key, definition)
    for (const [key, definition] of Object.entries(SEGMENTS)) await h.define('segment', key, definition)

    const rnd = prng(20260105)
    const people = Array.from({ length: 80 }, (_, i) => ({ userId: `u${i}`, anon: `a${i}`, known: rnd.chance(0.5), active: 0.2 + rnd.next() * 0.8 }))
    const end = START + 60 * DAY
    let nextTick = START + HOUR
    let orders = 0
    for (let t = START; t < end; t += 10 * 60_000 + rnd.int(50 * 60_000)) {
      while (nextTick <= t) {
        h.now = nextTick
        await h.engine.tick()
        nextTick += HOUR
      }
      h.now = t
      const p = rnd.pick(people)
      if (!rnd.chance(p.active)) continue
      const who = p.known ? { userId: p.userId } : { anonymousId: p.anon }
      // A few events arrive late (offline queue), up to two hours old.
      const at = rnd.chance(0.05) ? t - rnd.int(2 * HOUR) : t
      const timestamp = new Date(at).toISOString()
      const item = rnd.pick(ITEMS)
      const roll = rnd.next()
      const calls: Record<string, unknown>[] = []
      if (!p.known && rnd.chance(0.08)) {
        p.known = true
        calls.push({ type: 'identify', userId: p.userId, anonymousId: p.anon, timestamp })
      } else if (roll < 0.08) {
        const consent = { personalization: rnd.chance(0.75), ...(rnd.chance(0.3) ? { sensitive: rnd.chance(0.5) } : {}) }
        calls.push({ type: 'identify', ...who, timestamp, traits: { consent } })
      } else if (roll < 0.6) {
        calls.push({ type: 'track', event: 'Product Viewed', ...who, timestamp, properties: { product_id: item.id, price: item.price } })
      } else if (roll < 0.8) {
        calls.push({ type: 'track', event: 'Product Added', ...who, timestamp, properties: { product_id: item.id, price: item.price, quantity: 1 } })
      } else {
        orders += 1
        const lines = [item, ...(rnd.chance(0.3) ? [rnd.pick(ITEMS)] : [])]
        const revenue = lines.reduce((s, l) => s + l.price, 0)
        calls.push({ type: 'track', event: 'Order Completed', ...who, timestamp, properties: { order_id: `o${orders}`, revenue, products: lines.map((l) => ({ product_id: l.id, price: l.price, quantity: 1 })) } })
      }
      await h.send(calls)
      sent += calls.length
    }
    h.now = end
    await h.engine.tick()
  })
  after(() => h.close())

  async function snapshot() {
    const out: string[] = []
    for (const [id] of await h.store.segmentMembers.counts()) {
      for (let cursor: string | undefined, page; (page = await h.store.segmentMembers.members(id, { limit: 500, cursor })); cursor = page.next) {
        out.push(...page.items.map((m) => `${id} ${m.personId}`))
        if (!page.next) break
      }
    }
    const people = await h.store.readPeople((tx) => tx.profilesAfter('', 100_000))
    const traits = await h.store.segmentMembers.traitsOfPeople(people.map((p) => p.personId))
    out.push(...traits.map((t) => `${t.traitId} ${t.personId} ${JSON.stringify(t.value)}`))
    return out.sort()
  }

  it('the history exercised the segments (entries, exits by time, merges)', async () => {
    assert.ok(sent > 800, `sent ${sent}`)
    const counts = await h.store.segmentMembers.counts()
    for (const key of ['recent_buyers', 'big_spenders', 'lapsed', 'runners', 'cart_abandoners', 'heavy_viewers', 'january_buyers', 'active_week']) {
      assert.ok((counts.get(`seg_${key}`) ?? 0) > 0, `${key} has members at the end`)
    }
    const exits = h.audience.filter((e) => e.kind === 'audience_exited').length
    assert.ok(exits > 50, `exits ${exits}`)
    const merges = await h.store.readPeople((tx) => tx.profilesAfter('', 100_000))
    assert.ok(merges.length < 160, 'some anonymous visitors merged into their accounts')
  })

  it('recompute at the same moment changes nothing', async () => {
    const live = await snapshot()
    assert.ok(live.length > 100)
    const result = await h.engine.recompute({ now: h.now })
    assert.equal(result.changes, 0)
    assert.deepEqual(await snapshot(), live)
  })

  it('and from nothing, recompute rebuilds exactly the same memberships and traits', async () => {
    const live = await snapshot()
    await h.store.segmentMembers.clear()
    const result = await h.engine.recompute({ now: h.now })
    assert.ok(result.changes > 0)
    assert.deepEqual(await snapshot(), live)
  })
})
