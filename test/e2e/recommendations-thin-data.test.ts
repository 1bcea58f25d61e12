/**
 * Relevance when data is thin, on the synthetic shop trained on its first 80% of time: complete the look
 * from complementary categories (measured on the later orders next to bestsellers), item strategies for
 * an item added after training, a category page with no sales of its own, and a shopper newer than the
 * model. Every fallback says so in the placement's note.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ItemInput } from '../../src/core/index.ts'
import { generateShop, type SegmentMessage, type SyntheticShop } from '../../src/evaluation/index.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { uniqueId } from '../builders/events.ts'
import { waitFor } from '../support/child-server.ts'

type View = { id: string; reason: string; categories: string[]; brand: string | null }
type Line = { product_id: string }

/** Binary NDCG@k of one ranked list. */
function ndcg(ranked: readonly string[], relevant: ReadonlySet<string>, k = 10): number {
  let dcg = 0
  ranked.slice(0, k).forEach((id, r) => (dcg += relevant.has(id) ? 1 / Math.log2(r + 2) : 0))
  let ideal = 0
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2)
  return ideal > 0 ? dcg / ideal : 0
}

describe('recommendations when data is thin', () => {
  let server: TestServer
  let shop: SyntheticShop
  const write = () => basicAuth(server.writeKey)
  const recommend = async (body: unknown) => {
    const reply = await request(`${server.url}/v1/recommendations`, { auth: write(), json: body })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body.placements[0] as { items: View[]; servedBy: string[]; note: string | null }
  }
  const leafOf = (id: string) => shop.items.find((it) => it.id === id)?.categories?.[0] ?? newItems.find((it) => it.id === id)?.categories?.[0]
  const artifact = () => server.engine.models.current!.artifact
  const bestSelling = (category: string) => Array.from(artifact().bestsellers, (i) => artifact().items[i]!).find((id) => leafOf(id) === category)!
  const template = (category: string) => shop.items.find((it) => it.categories?.[0] === category && it.available !== false)!
  // Upserted after training: the model does not know them; the live catalogue does.
  const newItems: ItemInput[] = []
  const later = (category: string, id: string, title: string): ItemInput => {
    const t = template(category)
    return { ...t, id, title, description: `${title}. ${t.description}`, categories: [category], imageUrl: null, url: null }
  }

  before(async () => {
    server = await startServer()
    shop = generateShop({ seed: 5, people: 600, items: 160, days: 60 })
    const trainPart = shop.events.filter((e) => Date.parse(e.timestamp) < shop.truth.splitAt)
    await loadShop(server, { ...shop, events: trainPart })
    await trainActiveModel(server)
    const runner = template('Shoes > Running')
    newItems.push(
      later('Shoes > Running', 'late-runner-1', `${runner.brand} Comet Cushioned Running Shoe`),
      later('Shoes > Running', 'late-runner-2', `${runner.brand} Comet Lightweight Racing Flat`),
      { id: 'late-spikes', title: 'Stride Sprint Spikes', categories: ['Shoes > Running > Spikes'], brand: 'Stride', price: 90, available: true },
      { id: 'late-rake', title: 'Greenthumb Steel Rake', categories: ['Garden > Tools'], brand: 'Greenthumb', price: 25, available: true },
    )
    const posted = await request(`${server.url}/v1/items`, { auth: bearer(server.secretKey), method: 'POST', json: { items: newItems } })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
  })
  after(async () => server?.close())

  it('completes the look of a running shoe with socks and shorts, and names what caused each item', async () => {
    const shoe = bestSelling('Shoes > Running')
    const p = await recommend({ strategy: 'complete-the-look', itemId: shoe, count: 6 })
    assert.equal(p.servedBy[0], 'complete-the-look', JSON.stringify(p))
    const complements = p.items.filter((i) => ['Apparel > Socks', 'Apparel > Shorts'].includes(i.categories[0]!))
    assert.ok(complements.length >= 4, `socks and shorts: ${p.items.map((i) => i.categories[0]).join(', ')}`)
    const title = shop.items.find((it) => it.id === shoe)!.title!
    for (const i of p.items) assert.ok(i.reason === `Goes with ${title}` || /^Popular in .+, often bought with Running$/.test(i.reason), i.reason)
    assert.ok(!p.items.some((i) => /Bestseller|Trending/.test(i.reason)))
    // A tent and a sleeping mat share the top level (Outdoor): complements are told apart by leaf.
    const tent = await recommend({ strategy: 'complete-the-look', itemId: bestSelling('Outdoor > Tents'), count: 4 })
    const sleep = tent.items.filter((i) => ['Outdoor > Sleeping mats', 'Outdoor > Sleeping bags'].includes(i.categories[0]!))
    assert.ok(sleep.length >= 3, `with a tent: ${tent.items.map((i) => i.categories[0]).join(', ')}`)
  })

  it('beats bestsellers clearly at predicting what later orders put next to an item', async (t) => {
    // Each later order with lines from two or more categories: given one line, the lines of the other categories.
    const cases: { itemId: string; relevant: Set<string> }[] = []
    const known = new Set(artifact().items)
    for (const e of shop.events.filter((m: SegmentMessage) => m.event === 'Order Completed' && Date.parse(m.timestamp) >= shop.truth.splitAt)) {
      const props = e.properties as { gift?: boolean; products: Line[] }
      if (props.gift) continue
      const ids = [...new Set(props.products.map((l) => l.product_id))]
      for (const id of ids) {
        const relevant = new Set(ids.filter((other) => leafOf(other) !== leafOf(id)))
        if (known.has(id) && relevant.size > 0) cases.push({ itemId: id, relevant })
      }
    }
    assert.ok(cases.length >= 50, `${cases.length} cases`)
    const score = { look: 0, bestsellers: 0 }
    for (const c of cases) {
      const look = await recommend({ strategy: 'complete-the-look', itemId: c.itemId, count: 10 })
      const best = await recommend({ strategy: 'bestsellers', count: 10, filters: { exclude: [c.itemId] } })
      score.look += ndcg(look.items.map((i) => i.id), c.relevant) / cases.length
      score.bestsellers += ndcg(best.items.map((i) => i.id), c.relevant) / cases.length
    }
    t.diagnostic(`NDCG@10 over ${cases.length} later basket lines: complete the look ${score.look.toFixed(3)}, bestsellers ${score.bestsellers.toFixed(3)}`)
    assert.ok(score.look > 2 * score.bestsellers && score.look > 0.1, JSON.stringify(score))
  })

  it("completes the look of a running shoe added after training from its category's complements", async () => {
    const p = await recommend({ strategy: 'complete-the-look', itemId: 'late-runner-1', count: 5 })
    assert.deepEqual(p.servedBy, ['complementary-categories'])
    assert.equal(p.items.length, 5)
    assert.ok(p.items.every((i) => ['Apparel > Socks', 'Apparel > Shorts'].includes(i.categories[0]!) && /^Popular in (Socks|Shorts), often bought with Running$/.test(i.reason)), JSON.stringify(p.items.map((i) => [i.categories[0], i.reason])))
    assert.match(p.note!, /"late-runner-1" is not in the model .*: answered from its details in the live catalogue; fallback: popular items of complementary categories/)
  })

  it('says there is no evidence of complements instead of showing bestsellers as complements', async () => {
    const p = await recommend({ strategy: 'complete-the-look', itemId: 'late-rake', count: 5 })
    assert.deepEqual(p.items, [])
    assert.deepEqual(p.servedBy, [])
    assert.match(p.note!, /no evidence of complements for Garden > Tools/)
  })

  it('answers similar and also-bought for an item added after training from its category and brand, with a note', async () => {
    const item = newItems[0]!
    for (const strategy of ['similar', 'also-bought']) {
      const p = await recommend({ strategy, itemId: item.id, count: 6 })
      assert.equal(p.items.length, 6)
      assert.equal(p.servedBy[0], 'similar', `${strategy}: ${p.servedBy.join()}`)
      const near = p.items.filter((i) => i.categories[0] === 'Shoes > Running' || i.brand === item.brand)
      assert.ok(near.length >= 5, `${strategy}: ${p.items.map((i) => `${i.categories[0]} / ${i.brand}`).join(', ')}`)
      assert.ok(p.items.every((i) => i.reason !== 'Bestseller'), p.items.map((i) => i.reason).join())
      assert.match(p.note!, /"late-runner-1" is not in the model \(new, or without interactions\): answered from its details in the live catalogue/)
      // Content similarity is the similar strategy's own level; for also-bought it is a fallback.
      if (strategy === 'also-bought') assert.match(p.note!, /fallback: content similarity/)
    }
    // Nothing is known of an id in neither the model nor the catalogue: bestsellers, labelled as such.
    const nothing = await recommend({ strategy: 'similar', itemId: 'no-such-item', count: 3 })
    assert.deepEqual(nothing.servedBy, ['bestsellers'])
    assert.match(nothing.note!, /fallback: global bestsellers, as nothing nearer to the page or the person was known/)
  })

  it('widens a category page with no sales to its parent category, and says so', async () => {
    const p = await recommend({ strategy: 'bestsellers', category: 'Shoes > Running > Spikes', count: 5 })
    assert.equal(p.items.length, 5)
    assert.deepEqual(p.servedBy, ['parent-category'])
    assert.ok(p.items.every((i) => i.categories[0] === 'Shoes > Running'), p.items.map((i) => i.categories[0]).join())
    assert.match(p.note!, /few sales in "Shoes > Running > Spikes": widened \(fallback: the parent category "Shoes > Running"\)/)
  })

  it("gives a shopper newer than the model their favourite category, not what is trending", async () => {
    const anon = uniqueId('newcomer')
    const batch = [
      { type: 'page', name: 'Category', anonymousId: anon, properties: { category: 'Shoes > Running', path: '/c/shoes/running' } },
      ...['late-runner-1', 'late-runner-2', 'late-runner-1'].map((id) => ({ type: 'track', event: 'Product Viewed', anonymousId: anon, properties: { product_id: id } })),
    ]
    assert.equal((await request(`${server.url}/v1/batch`, { auth: write(), json: { batch } })).status, 200)
    await waitFor(async () => (await request(`${server.url}/v1/people/${anon}`, { auth: bearer(server.secretKey) })).body?.recentlyViewed?.length === 2, 5000)
    const p = await recommend({ anonymousId: anon, strategy: 'for-you', count: 6 })
    assert.equal(p.items.length, 6)
    assert.ok(!p.servedBy.includes('trending'), p.servedBy.join())
    const running = p.items.filter((i) => i.categories[0] === 'Shoes > Running')
    assert.ok(running.length >= 5, p.items.map((i) => i.categories[0]).join(', '))
    assert.ok(p.items.every((i) => i.reason !== 'Trending now'))

    // Only category pages seen (no product yet): the profile's favourite category answers, and says why.
    const browser = uniqueId('browser')
    const pages = [1, 2, 3].map(() => ({ type: 'page', name: 'Category', anonymousId: browser, properties: { category: 'Outdoor > Tents', path: '/c/outdoor/tents' } }))
    assert.equal((await request(`${server.url}/v1/batch`, { auth: write(), json: { batch: pages } })).status, 200)
    await waitFor(async () => ((await request(`${server.url}/v1/people/${browser}`, { auth: bearer(server.secretKey) })).body?.affinities?.categories ?? []).some((a: { name: string }) => a.name === 'Outdoor > Tents'), 5000)
    const tents = await recommend({ anonymousId: browser, strategy: 'for-you', count: 4 })
    assert.equal(tents.servedBy[0], 'favourite-categories', tents.servedBy.join())
    assert.ok(tents.items.every((i) => i.categories[0] === 'Outdoor > Tents' && i.reason === 'Popular in Tents, one of your interests'), JSON.stringify(tents.items.map((i) => [i.categories[0], i.reason])))
    assert.match(tents.note!, /fallback: the person's favourite categories/)
  })
})
