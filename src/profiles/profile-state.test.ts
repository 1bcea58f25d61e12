/**
 * The profile fold and the views over it, on hand-built events: no store, so each rule is checked on
 * the smallest input that shows it.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { EventKind, EventRecord, NormalizedData, ProductLine } from '../core/index.ts'
import { DEFAULT_WEIGHTS, decayedValue, emptyState, type FoldContext, foldAll, foldEvent, type ProfileState } from './profile-state.ts'
import { profileView, rankAffinities } from './profile-view.ts'
import { rfmScale, rfmScore } from './rfm.ts'

const H = 7 * 864e5 // half-life
const T0 = Date.UTC(2025, 0, 1)
const MIN = 60_000

let seq = 0
function ev(kind: EventKind, o: { at?: number; props?: Record<string, unknown>; data?: NormalizedData; message?: Record<string, unknown>; type?: EventRecord['type'] } = {}): EventRecord {
  const type = o.type ?? (kind === 'identify' ? 'identify' : kind === 'page_viewed' ? 'page' : 'track')
  const at = o.at ?? T0
  return {
    messageId: `m${++seq}`,
    type,
    event: kind,
    kind,
    userId: 'u1',
    anonymousId: null,
    itemId: o.data?.products?.[0]?.itemId ?? null,
    timestamp: at,
    receivedAt: at,
    message: { type, properties: o.props ?? {}, ...o.message },
    data: o.data ?? {},
  }
}

const line = (itemId: string, more: Partial<ProductLine> = {}): ProductLine => ({ itemId, quantity: 1, price: 10, category: 'Misc', name: itemId, ...more })
const withLines = (kind: EventKind, lines: ProductLine[], o: Parameters<typeof ev>[1] = {}) => ev(kind, { ...o, data: { ...o.data, products: lines } })
const identify = (traits: Record<string, unknown>, at = T0, context: Record<string, unknown> = {}) => ev('identify', { at, message: { traits, context } })

const CATALOGUE = new Map([
  ['shoe', { categories: ['Shoes > Running > Trail'], brand: 'Fleet' }],
  ['pill', { categories: ['Health > Vitamins'], brand: 'Vita' }],
  ['book', { categories: ['Books', 'Shoes'], brand: null }], // only the primary category counts
])

function ctx(more: Partial<FoldContext> = {}): FoldContext {
  return { halfLifeMs: H, weights: DEFAULT_WEIGHTS, consentDefaults: { personalization: true }, items: CATALOGUE, isSensitive: (p) => p === 'Health', ...more }
}

function fold(events: EventRecord[], c = ctx()): ProfileState {
  const s = emptyState(events[0]?.timestamp ?? 0)
  for (const e of events) foldEvent(s, e, c)
  return s
}

describe('affinity weights', () => {
  it('ranks view < click < add to cart < purchase', () => {
    const score = (kind: EventKind) => fold([withLines(kind, [line('shoe')])]).categories.Shoes?.s ?? 0
    const [view, click, cart, purchase] = (['product_viewed', 'product_clicked', 'product_added', 'order_completed'] as const).map(score)
    assert.ok(view! > 0 && view! < click! && click! < cart! && cart! < purchase!, `${view} ${click} ${cart} ${purchase}`)
  })

  it('raises a view with its dwell time, up to the cap', () => {
    const score = (dwell: number) => fold([withLines('product_viewed', [line('shoe')], { props: { dwell_time: dwell } })]).categories.Shoes!.s
    assert.equal(score(0), DEFAULT_WEIGHTS.view)
    assert.equal(score(30), DEFAULT_WEIGHTS.view + 30 * DEFAULT_WEIGHTS.dwellPerSecond)
    assert.ok(score(30) > score(0))
    assert.equal(score(3600), DEFAULT_WEIGHTS.view + DEFAULT_WEIGHTS.dwellCap)
  })
})

describe('time decay', () => {
  it('halves a score one half-life old', () => {
    const s = fold([withLines('product_viewed', [line('shoe')])])
    assert.equal(decayedValue(s.categories.Shoes!, T0 + H, H), 0.5)
    const [top] = rankAffinities(s.categories, [], [], T0 + H, H)
    assert.equal(top!.score, 0.5)
  })

  it('adds a later event to the decayed score, and an earlier one decayed, in either order', () => {
    const early = withLines('product_viewed', [line('shoe')], { at: T0 })
    const late = withLines('product_viewed', [line('shoe')], { at: T0 + H })
    assert.deepEqual(fold([early, late]).categories.Shoes, { s: 1.5, t: T0 + H })
    assert.deepEqual(fold([late, early]).categories.Shoes, { s: 1.5, t: T0 + H })
  })
})

describe('categories and brands', () => {
  it('takes the catalogue over the event, and credits every ancestor of the primary category', () => {
    const s = fold([withLines('product_viewed', [line('shoe', { category: 'Toys', brand: 'Acme' })])])
    assert.deepEqual(Object.keys(s.categories).sort(), ['Shoes', 'Shoes > Running', 'Shoes > Running > Trail'])
    assert.deepEqual(Object.keys(s.brands), ['Fleet'])
    const b = fold([withLines('product_viewed', [line('book')])])
    assert.deepEqual(Object.keys(b.categories), ['Books'])
  })

  it("falls back to the event's category and brand for items not in the catalogue", () => {
    const s = fold([withLines('product_viewed', [line('new', { category: 'Toys > Lego', brand: 'Acme' })])])
    assert.deepEqual(Object.keys(s.categories).sort(), ['Toys', 'Toys > Lego'])
    assert.deepEqual(Object.keys(s.brands), ['Acme'])
  })
})

describe('sensitive categories', () => {
  it('are never inferred without consent, but their purchases are counted', () => {
    const s = fold([
      withLines('product_viewed', [line('pill')]),
      withLines('order_completed', [line('pill')], { data: { orderId: 'o1', revenue: 12 } }),
      ev('product_list_viewed', { props: { category: 'Health' } }),
    ])
    assert.deepEqual({ ...s.categories }, {})
    assert.deepEqual({ ...s.brands }, {})
    assert.deepEqual(s.recent, [])
    assert.equal(s.orders.count, 1)
    assert.equal(s.orders.revenue, 12)
  })

  it("are inferred once the person granted 'sensitive' in identify traits", () => {
    const s = fold([identify({ consent: { sensitive: true } }), withLines('product_viewed', [line('pill')], { at: T0 + 1 })])
    assert.ok(s.categories['Health > Vitamins'])
    assert.ok(s.brands.Vita)
    assert.deepEqual(s.recent, [['pill', T0 + 1]])
    assert.equal('consent' in s.traits, false)
  })
})

describe('personalization consent', () => {
  const behaviour = (at: number) => [
    withLines('product_viewed', [line('shoe')], { at }),
    withLines('product_added', [line('shoe', { quantity: 2 })], { at: at + 1 }),
    withLines('order_completed', [line('book')], { at: at + 2, data: { orderId: `o${at}`, revenue: 20 } }),
    ev('email_opened', { at: at + 3 }),
  ]

  for (const [how, refusal] of [
    ['identify traits', identify({ consent: { personalization: false }, email: 'a@b.co' })],
    ['Segment consent context', identify({}, T0, { consent: { categoryPreferences: { Personalization: false } } })],
  ] as const) {
    it(`refused through ${how}: no inference, facts still counted`, () => {
      const s = fold([refusal, ...behaviour(T0 + 10)])
      assert.equal(s.consent.personalization?.granted, false)
      assert.deepEqual({ ...s.categories }, {})
      assert.deepEqual({ ...s.brands }, {})
      assert.deepEqual(s.recent, [])
      assert.equal(s.cart.shoe?.quantity, 2)
      assert.equal(s.orders.count, 1)
      assert.equal(s.email.opens, 1)
    })
  }

  it('keeps events from a refusal out even after consent is granted again', () => {
    const s = fold([identify({ consent: { personalization: false } }), ...behaviour(T0 + 10), identify({ consent: { personalization: true } }, T0 + 20), withLines('product_viewed', [line('book')], { at: T0 + 30 })])
    assert.deepEqual(Object.keys(s.categories), ['Books'])
    assert.deepEqual(s.recent, [['book', T0 + 30]])
  })

  it("follows the shop's default when the person never said, and a consent_updated command", () => {
    const off = ctx({ consentDefaults: { personalization: false } })
    assert.deepEqual({ ...fold(behaviour(T0), off).categories }, {})
    const s = fold([ev('consent_updated', { props: { consent: { personalization: true } } }), ...behaviour(T0 + 10)], off)
    assert.equal(s.consent.personalization?.source, 'api')
    assert.ok(s.categories.Shoes)
  })
})

describe('gifts', () => {
  it('leaves gift lines and gift orders out of affinities, but counts their revenue', () => {
    const s = fold([
      withLines('order_completed', [line('shoe', { gift: true }), line('book')], { data: { orderId: 'o1', revenue: 30 } }),
      withLines('order_completed', [line('pill', { category: 'x' }), line('new', { category: 'Toys' })], { at: T0 + 1, data: { orderId: 'o2', revenue: 5, gift: true } }),
    ])
    assert.deepEqual(Object.keys(s.categories), ['Books'])
    assert.equal(s.orders.revenue, 35)
    assert.deepEqual(s.gifts, ['o2'])
  })

  it("marked later by 'preferences_updated': retroactive, and foldAll leaves the order out", () => {
    const events = [
      withLines('order_completed', [line('shoe'), line('book')], { data: { orderId: 'o1', revenue: 30 } }),
      withLines('product_viewed', [line('book')], { at: T0 + 1 }),
      ev('preferences_updated', { at: T0 + 2, props: { personId: 'p', gifts: [{ orderId: 'o1', itemId: 'shoe' }] } }),
    ]
    const live = fold(events.slice(0, 2))
    assert.ok(live.categories.Shoes)
    assert.equal(foldEvent(live, events[2]!, ctx()), 'retroactive')
    assert.equal(foldEvent(live, ev('preferences_updated', { at: T0 + 3, props: { gifts: [{ orderId: 'o1', itemId: 'shoe' }] } }), ctx()), 'applied')
    const rebuilt = foldAll(events, ctx())
    assert.deepEqual(rebuilt.gifts, ['o1|shoe'])
    assert.deepEqual(Object.keys(rebuilt.categories), ['Books'])
    assert.equal(rebuilt.categories.Books!.s, 8 * 2 ** (-1 / H) + 1)
    assert.equal(rebuilt.orders.revenue, 30)
    // A whole order marked as a gift.
    const whole = foldAll([...events.slice(0, 2), ev('preferences_updated', { at: T0 + 2, props: { gifts: [{ orderId: 'o1' }] } })], ctx())
    assert.deepEqual({ ...whole.categories }, { Books: { s: 1, t: T0 + 1 } })
  })
})

describe('facts', () => {
  it('keeps the cart from added, removed, cart viewed and order completed', () => {
    const s = emptyState(T0)
    const step = (e: EventRecord) => (foldEvent(s, e, ctx()), JSON.parse(JSON.stringify(s.cart)) as ProfileState['cart'])
    step(withLines('product_added', [line('shoe', { quantity: 2, price: 50 })]))
    assert.deepEqual(step(withLines('product_added', [line('shoe', { price: null })], { at: T0 + 1 })), { shoe: { quantity: 3, price: 50, at: T0 + 1 } })
    step(withLines('product_added', [line('book')]))
    step(withLines('product_removed', [line('shoe')]))
    assert.deepEqual(Object.keys(step(withLines('product_removed', [line('book', { quantity: 5 })]))), ['shoe'])
    assert.equal(s.cart.shoe!.quantity, 2)
    // Without a products list a cart view says nothing; with one it replaces the cart.
    assert.deepEqual(Object.keys(step(ev('cart_viewed'))), ['shoe'])
    assert.deepEqual(Object.keys(step(withLines('cart_viewed', [line('pill'), line('book')], { props: { products: [{}, {}] } }))), ['pill', 'book'])
    assert.deepEqual(Object.keys(step(withLines('order_completed', [line('pill')], { data: { orderId: 'o1' } }))), ['book'])
  })

  it('counts an order reported twice once, and refunds apart', () => {
    const order = (id: string | undefined, at: number) => withLines('order_completed', [line('book')], { at, data: { ...(id ? { orderId: id } : {}), revenue: 40 } })
    const s = fold([order('o1', T0), order('o1', T0 + 5), order(undefined, T0 + 9), ev('order_refunded', { at: T0 + 10, data: { orderId: 'o1', revenue: 15 } })])
    assert.equal(s.orders.count, 2)
    assert.equal(s.orders.revenue, 80)
    assert.deepEqual([s.orders.first, s.orders.last], [T0, T0 + 9])
    assert.deepEqual(s.refunds, { count: 1, amount: 15 })
  })

  it('counts email opens and clicks without opening sessions', () => {
    const s = fold([ev('email_opened', { at: T0 }), ev('email_opened', { at: T0 + 5 * MIN }), ev('email_link_clicked', { at: T0 + 2 * MIN })])
    assert.deepEqual(s.email, { opens: 2, clicks: 1, lastOpen: T0 + 5 * MIN, lastClick: T0 + 2 * MIN })
    assert.deepEqual(s.sessions, { count: 0, lastAt: null })
    assert.deepEqual({ ...s.channels }, { email: 3 })
  })

  it('splits sessions after 30 minutes without events', () => {
    const at = [0, 10, 40, 70, 101, 102].map((m) => T0 + m * MIN) // gaps 10, 30 (same session), 30, 31
    const s = fold([...at.map((t) => ev('page_viewed', { at: t })), ev('email_opened', { at: T0 + 200 * MIN })])
    assert.deepEqual(s.sessions, { count: 2, lastAt: T0 + 102 * MIN })
    assert.equal(fold([ev('page_viewed', { at: T0 }), ev('page_viewed', { at: T0 + 31 * MIN })]).sessions.count, 2)
  })

  it('reads devices from context.device.type or the user agent, and channels', () => {
    const c = (context: Record<string, unknown>, more: Partial<Parameters<typeof ev>[1]> = {}) => ev('custom', { ...more, message: { context, ...more.message } })
    const s = fold([
      c({ userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0)' }),
      c({ userAgent: 'Mozilla/5.0 (iPad; CPU OS 17_0)' }),
      c({ userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' }),
      c({ device: { type: 'ios' }, library: { name: 'analytics-ios' } }),
      c({ library: { name: 'analytics-node' } }),
      ev('screen_viewed', { type: 'screen' }),
      c({ device: { type: 'TV' } }, { message: { channel: 'POS' } }),
    ])
    assert.deepEqual({ ...s.devices }, { mobile: 2, tablet: 1, desktop: 1, tv: 1 })
    assert.deepEqual({ ...s.channels }, { web: 3, app: 2, server: 1, pos: 1 })
    assert.equal(s.lastDevice, 'tv')
    assert.equal(s.lastChannel, 'pos')
  })
})

describe('rankAffinities', () => {
  const map = { Shoes: { s: 5, t: T0 }, 'Shoes > Running': { s: 4, t: T0 }, Shoestring: { s: 3, t: T0 }, Toys: { s: 2, t: T0 }, Books: { s: 1, t: T0 }, Gone: { s: 0, t: T0 } }

  it('never shows disliked categories or their children; liked come first, explicit', () => {
    const ranked = rankAffinities(map, ['Books', 'Garden', 'Shoes > Running'], ['Shoes'], T0, H)
    assert.deepEqual(
      ranked.map((a) => [a.name, a.source]),
      [['Books', 'explicit'], ['Garden', 'explicit'], ['Shoestring', 'inferred'], ['Toys', 'inferred']],
    )
    assert.deepEqual(ranked[0], { name: 'Books', score: 4, share: 1, source: 'explicit' }) // above the best inferred
    assert.deepEqual(ranked[2], { name: 'Shoestring', score: 3, share: 0.6, source: 'inferred' })
    assert.equal(rankAffinities(map, [], [], T0, H, 2).length, 2)
  })
})

describe('profileView', () => {
  const base = (state: ProfileState) => ({ personId: 'p1', state, identities: [], log: [], rfm: null, now: T0 + MIN, halfLifeMs: H, consentDefaults: { personalization: true } })
  const browsed = () => [withLines('product_viewed', [line('shoe')]), withLines('product_viewed', [line('book')], { at: T0 + 1 })]

  it('hides affinities and recently viewed when personalization consent is refused', () => {
    const s = fold([...browsed(), identify({ consent: { personalization: false } }, T0 + 2)])
    assert.ok(Object.keys(s.categories).length > 0) // kept in the state, not shown
    const v = profileView(base(s))
    assert.equal(v.personalization, false)
    assert.deepEqual(v.affinities, { categories: [], brands: [] })
    assert.deepEqual(v.recentlyViewed, [])
    assert.deepEqual(v.consent.personalization, { granted: false, source: 'identify', at: new Date(T0 + 2).toISOString() })
  })

  it('shows recently viewed without "not for me" items, and affinities without dislikes', () => {
    const s = fold([...browsed(), ev('preferences_updated', { at: T0 + 2, props: { notForMe: ['book'], categories: { disliked: ['Shoes'] } } })])
    const v = profileView(base(s))
    assert.equal(v.personalization, true)
    assert.deepEqual(v.recentlyViewed, [{ itemId: 'shoe', at: new Date(T0).toISOString() }])
    assert.deepEqual(v.affinities.categories.map((a) => a.name), ['Books'])
    assert.deepEqual(v.affinities.brands.map((a) => a.name), ['Fleet'])
  })
})

describe('RFM', () => {
  const DAY = 864e5
  const now = T0 + 100 * DAY

  it("scores a shop's only buyer 3/3/3", () => {
    const me = { orders: 2, revenue: 50, lastOrder: now - 3 * DAY }
    assert.deepEqual(rfmScore(me, rfmScale([me], now), now), { recency: 3, frequency: 3, monetary: 3, code: '333' })
    assert.equal(rfmScore({ orders: 0, revenue: 0, lastOrder: null }, rfmScale([me], now), now), null)
  })

  it('scores the best of 10 buyers 5 on frequency and monetary, the most recent 5 on recency', () => {
    const buyers = Array.from({ length: 10 }, (_, i) => ({ orders: i + 1, revenue: 10 * (i + 1), lastOrder: now - (i + 1) * DAY }))
    const scale = rfmScale(buyers, now)
    const best = rfmScore(buyers[9]!, scale, now)!
    assert.deepEqual([best.frequency, best.monetary, best.recency], [5, 5, 1])
    const recent = rfmScore(buyers[0]!, scale, now)!
    assert.deepEqual([recent.recency, recent.frequency, recent.monetary], [5, 1, 1])
    assert.equal(recent.code, '511')
  })
})
