import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkItem } from '../catalog/index.ts'
import { toEventRecord } from '../ingest/index.ts'
import { generateShop, type SegmentMessage, type SyntheticShop } from './synthetic-shop.ts'

type Line = { product_id: string; name: string; category: string; brand: string; price: number; quantity: number; gift?: boolean }
const props = (e: SegmentMessage) => (e.properties ?? {}) as Record<string, unknown> & { products?: Line[] }

const started = performance.now()
const shop = generateShop({ seed: 7 }) // the default size: 2,000 people, 500 items, 90 days
const generationMs = performance.now() - started
const items = new Map(shop.items.map((i) => [i.id, i]))

/** Person id by any identifier the generator gave out. */
function owners(s: SyntheticShop): Map<string, string> {
  const m = new Map<string, string>()
  for (const p of s.people) {
    for (const d of p.devices) m.set(d.anonymousId, p.id)
    if (p.userId) m.set(p.userId, p.id)
    if (p.email) m.set(p.email, p.id)
  }
  return m
}
const owner = owners(shop)
const personOf = (e: SegmentMessage) => owner.get(e.userId ?? e.anonymousId ?? String((e.context.traits as { email?: string } | undefined)?.email))!
const byPerson = new Map<string, SegmentMessage[]>()
for (const e of shop.events) {
  const id = personOf(e)
  assert.ok(id, `event ${e.messageId} belongs to nobody`)
  const list = byPerson.get(id)
  if (list) list.push(e)
  else byPerson.set(id, [e])
}
const orders = shop.events.filter((e) => e.event === 'Order Completed')

describe('synthetic shop', () => {
  it('is deterministic: the same options give the same JSON, another seed another shop', () => {
    const small = { seed: 11, people: 300, items: 120, days: 60 }
    const a = JSON.stringify(generateShop(small))
    assert.equal(JSON.stringify(generateShop(small)), a)
    assert.notEqual(JSON.stringify(generateShop({ ...small, seed: 12 })), a)
    // People draw from their own streams: a bigger shop keeps the smaller shop's people as they were.
    const bigger = generateShop({ ...small, people: 400 })
    assert.deepEqual(bigger.people.slice(0, 300), generateShop(small).people)
  })

  it('has the default size, in time order inside the period, with unique message ids', (t) => {
    t.diagnostic(`generated ${shop.events.length} events in ${generationMs.toFixed(0)} ms`)
    assert.ok(generationMs < 5000, `generation took ${generationMs.toFixed(0)} ms`)
    assert.equal(shop.people.length, 2000)
    assert.equal(shop.items.length, 500)
    assert.ok(shop.events.length > 20_000)
    const start = Date.UTC(2025, 0, 6)
    let last = start
    for (const e of shop.events) {
      const at = Date.parse(e.timestamp)
      assert.ok(at >= last && at < start + 90 * 86_400_000, `${e.messageId} at ${e.timestamp}`)
      last = at
    }
    assert.equal(new Set(shop.events.map((e) => e.messageId)).size, shop.events.length)
    assert.equal(shop.truth.splitAt, start + 72 * 86_400_000)
  })

  it("every event passes the engine's own Segment checks as a known e-commerce kind", () => {
    const kinds = new Set<string>()
    for (const e of shop.events) {
      const r = toEventRecord(e, null, { receivedAt: Date.parse(e.timestamp), batchSentAt: null, maxEventBytes: 32 * 1024 })
      assert.ok(r.ok, `${e.messageId}: ${r.ok ? '' : r.message}`)
      assert.notEqual(r.value.kind, 'custom', e.event)
      assert.equal(r.value.timestamp, Date.parse(e.timestamp))
      kinds.add(r.value.kind)
    }
    for (const k of ['product_viewed', 'product_added', 'product_removed', 'cart_viewed', 'checkout_started', 'order_completed', 'email_opened', 'email_link_clicked', 'identify', 'page_viewed']) {
      assert.ok(kinds.has(k), `no ${k} events`)
    }
  })

  it('builds a valid catalogue: a category tree, brands, price bands, words, a few items out of stock', () => {
    for (const item of shop.items) assert.ok(checkItem(item).ok, item.id)
    assert.equal(items.size, 500)
    const leaves = new Set(shop.items.map((i) => i.categories![0]!))
    const tops = new Set([...leaves].map((c) => c.split(' > ')[0]))
    assert.equal(leaves.size, 28)
    assert.equal(tops.size, 8)
    assert.deepEqual(shop.categories.filter((c) => c.sensitive).map((c) => c.path), ['Health'])
    assert.ok(leaves.has('Health > Vitamins') && leaves.has('Shoes > Running'))
    const out = shop.items.filter((i) => !i.available)
    assert.ok(out.length > 0 && out.length < 50 && out.every((i) => i.inventory === 0))
    for (const i of shop.items) {
      assert.equal(i.imageUrl, `/demo/img/${i.id}.svg`)
      assert.ok(i.title!.startsWith(i.brand!) && i.description!.includes(i.brand!) && i.tags!.length >= 2)
    }
    // Price bands are tertiles of each leaf's price range: no budget item costs more than a premium one.
    for (const leaf of leaves) {
      const inLeaf = shop.items.filter((i) => i.categories![0] === leaf)
      const band = (b: string) => inLeaf.filter((i) => i.attributes!.priceBand === b).map((i) => i.price!)
      if (band('budget').length && band('premium').length) assert.ok(Math.max(...band('budget')) < Math.min(...band('premium')), leaf)
    }
  })

  it('names products as the catalogue does, never adds items out of stock, and adds up orders', () => {
    for (const e of shop.events) {
      const p = props(e)
      const lines = p.products ?? (typeof p.product_id === 'string' ? [p as unknown as Line] : [])
      for (const l of lines) {
        const item = items.get(l.product_id)!
        assert.ok(item, l.product_id)
        assert.deepEqual([l.category, l.brand, l.price, l.name], [item.categories![0], item.brand, item.price, item.title])
        if (e.event !== 'Product Viewed') assert.ok(item.available, `${e.event} of ${item.id}, which is out of stock`)
      }
    }
    assert.ok(orders.length > 500)
    for (const e of orders) {
      const p = props(e)
      const sum = p.products!.reduce((s, l) => s + l.price * l.quantity, 0)
      assert.ok(Math.abs((p.revenue as number) - sum) < 0.005, `${p.order_id}: ${p.revenue} vs ${sum}`)
      assert.ok(e.userId, 'orders are placed logged in')
    }
    assert.equal(new Set(orders.map((e) => props(e).order_id)).size, orders.length)
  })

  it("buys gifts outside the buyer's own tastes, and keeps them out of the truth's purchases", () => {
    const gifts = orders.filter((e) => props(e).gift === true)
    assert.ok(gifts.length > 20 && gifts.length < orders.length / 5, `${gifts.length} gift orders of ${orders.length}`)
    for (const e of gifts) {
      const person = shop.people.find((p) => p.id === personOf(e))!
      const tops = person.taste.topCategories.map((c) => c.split(' > ')[0])
      for (const l of props(e).products!) {
        assert.equal(l.gift, true)
        assert.ok(!person.taste.topCategories.includes(l.category) && !tops.includes(l.category.split(' > ')[0]), `${person.id} gave ${l.category}`)
      }
      assert.ok(shop.truth.people[person.id]!.giftOrders.includes(props(e).order_id as string))
    }
    // The truth's purchases are exactly the non-gift order lines on each side of splitAt.
    for (const [id, events] of byPerson) {
      const side = (after: boolean) => [...new Set(events
        .filter((e) => e.event === 'Order Completed' && props(e).gift !== true && Date.parse(e.timestamp) >= shop.truth.splitAt === after)
        .flatMap((e) => props(e).products!.map((l) => l.product_id)))]
      assert.deepEqual(shop.truth.people[id]!.purchasedBefore, side(false))
      assert.deepEqual(shop.truth.people[id]!.purchasedAfter, side(true))
    }
    const withFuture = Object.values(shop.truth.people).filter((p) => p.purchasedBefore.length > 0 && p.purchasedAfter.length > 0)
    assert.ok(withFuture.length > 100, `${withFuture.length} people bought on both sides of splitAt`)
  })

  it('plants complements across categories in the baskets: running shoes with socks and shorts, a tent with a mat', () => {
    const categoryOf = (id: string) => items.get(id)!.categories![0]!
    const own = orders.filter((e) => props(e).gift !== true)
    const has = (e: SegmentMessage, c: string) => props(e).products!.some((l) => categoryOf(l.product_id) === c)
    const share = (list: SegmentMessage[], c: string) => list.filter((e) => has(e, c)).length / list.length
    for (const [key, complement] of [['Shoes > Running', 'Apparel > Socks'], ['Shoes > Running', 'Apparel > Shorts'], ['Outdoor > Tents', 'Outdoor > Sleeping mats']] as const) {
      const withKey = own.filter((e) => has(e, key))
      const without = own.filter((e) => !has(e, key))
      assert.ok(withKey.length > 20, `${withKey.length} orders with ${key}`)
      // Far more often in a basket with the key category than in the others.
      assert.ok(share(withKey, complement) > 3 * share(without, complement), `${complement}: ${share(withKey, complement).toFixed(3)} with ${key}, ${share(without, complement).toFixed(3)} without`)
    }
  })

  it('lets people view what their latent taste says: the top taste is the most viewed category for most', () => {
    let matches = 0
    let counted = 0
    for (const person of shop.people) {
      const shares = Object.values(person.taste.categories)
      assert.ok(Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 0.01)
      assert.equal(person.taste.categories[person.taste.topCategories[0]!], Math.max(...shares))
      const views = new Map<string, number>()
      for (const e of byPerson.get(person.id) ?? []) {
        if (e.event === 'Product Viewed') views.set(props(e).category as string, (views.get(props(e).category as string) ?? 0) + 1)
      }
      if ([...views.values()].reduce((a, b) => a + b, 0) < 8) continue
      counted++
      if ([...views].sort((a, b) => b[1] - a[1])[0]![0] === person.taste.topCategories[0]) matches++
    }
    assert.ok(counted > 500 && matches / counted > 0.6, `${matches} of ${counted}`)
  })

  it('has new users with at most two anonymous events', () => {
    const fresh = shop.people.filter((p) => p.kind === 'new')
    assert.ok(fresh.length > 50)
    for (const p of fresh) {
      const events = byPerson.get(p.id) ?? []
      assert.ok(events.length <= 2 && events.every((e) => e.userId === undefined && e.event === 'Product Viewed'), p.id)
      assert.equal(p.userId, null)
    }
    assert.ok(fresh.some((p) => (byPerson.get(p.id) ?? []).length === 0) && fresh.some((p) => (byPerson.get(p.id) ?? []).length === 2))
  })

  it('links devices by identify with an email, sends email events by address only, and repeats consumables', () => {
    const identified = new Map<string, string>() // email -> first time identified
    for (const e of shop.events) {
      if (e.type === 'identify') {
        assert.ok(e.userId && e.anonymousId && typeof e.traits?.email === 'string')
        if (!identified.has(e.traits.email as string)) identified.set(e.traits.email as string, e.timestamp)
      }
      if (e.event === 'Email Opened' || e.event === 'Email Link Clicked') {
        const email = (e.context.traits as { email: string }).email
        assert.equal(e.userId ?? e.anonymousId, undefined)
        assert.ok((identified.get(email) ?? '\uffff') < e.timestamp, `${email} got mail before signing up`)
      }
    }
    assert.ok(shop.events.filter((e) => e.event === 'Email Opened').length > 200)
    assert.ok(shop.people.some((p) => p.devices.length > 1 && p.userId !== null))
    const agents = new Set(shop.events.map((e) => String(e.context.userAgent)))
    assert.ok([...agents].some((a) => a.includes('Mobile')) && [...agents].some((a) => a.includes('Windows')))
    const pages = shop.events.filter((e) => e.type === 'page' && e.name === 'Category')
    assert.ok(pages.length > 0 && pages.every((e) => [...items.values()].some((i) => i.categories![0] === props(e).category)))
    // Skin care, hair care and vitamins run out: the same person buys the same item again; durables never.
    const bought = new Map<string, number>()
    for (const e of orders.filter((o) => props(o).gift !== true)) for (const l of props(e).products!) bought.set(`${e.userId}|${l.product_id}`, (bought.get(`${e.userId}|${l.product_id}`) ?? 0) + 1)
    const repeats = [...bought].filter(([, n]) => n > 1).map(([k]) => items.get(k.split('|')[1]!)!.categories![0]!)
    assert.ok(repeats.length > 30 && repeats.every((c) => /Skin care|Hair care|Vitamins/.test(c)), repeats.join(', '))
  })

  it('takes splitAt, startTime and shares as options', () => {
    const startTime = Date.UTC(2024, 5, 1)
    const s = generateShop({ seed: 3, people: 200, items: 60, days: 30, startTime, splitAt: startTime + 20 * 86_400_000, newUserShare: 0.5, giftShare: 0 })
    assert.equal(s.truth.splitAt, startTime + 20 * 86_400_000)
    assert.ok(s.people.filter((p) => p.kind === 'new').length > 60)
    assert.ok(s.events.every((e) => props(e).gift === undefined))
    assert.ok(Date.parse(s.events[0]!.timestamp) >= startTime)
    assert.throws(() => generateShop({ items: 10 }), RangeError)
  })
})
