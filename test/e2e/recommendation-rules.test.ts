/**
 * Business rules of POST /v1/recommendations on the synthetic shop with a trained model: pins, boost and
 * bury by attribute, diversity, the new-item boost, bought consumables kept by `rebuyCategories`, and bad
 * rules refused with the field named.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ItemInput } from '../../src/core/index.ts'
import { generateShop, type SyntheticShop } from '../../src/evaluation/index.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { uniqueId } from '../builders/events.ts'
import { waitFor } from '../support/child-server.ts'

interface ItemView {
  id: string
  score: number
  reason: string
  brand: string | null
  categories: string[]
}

describe('recommendation rules', () => {
  let server: TestServer
  let shop: SyntheticShop
  /** Items created now; every other item was created 90 days ago. */
  let newIds: Set<string>
  const write = () => basicAuth(server.writeKey)
  const recommend = (body: unknown) => request(`${server.url}/v1/recommendations`, { auth: write(), json: body })
  const track = (batch: unknown[]) => request(`${server.url}/v1/batch`, { auth: write(), json: { batch } })
  const shown = (it: ItemInput) => it.available !== false && it.inventory !== 0
  const itemsOf = async (body: unknown): Promise<ItemView[]> => {
    const reply = await recommend(body)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body.placements[0].items
  }

  before(async () => {
    server = await startServer()
    shop = generateShop({ seed: 7, people: 500, items: 160, days: 60 })
    const fresh = shop.items.filter((it, i) => i % 12 === 5 && shown(it))
    newIds = new Set(fresh.map((it) => it.id))
    await server.engine.store.upsertItems(shop.items.filter((it) => !newIds.has(it.id)), new Date(Date.now() - 90 * 86_400_000))
    // Only the fresh items go through the API, so they are the new arrivals.
    await loadShop(server, shop, fresh)
    await trainActiveModel(server)
  })
  after(async () => server?.close())

  it('places pinned items first, in order, when they pass the filters', async () => {
    const baseline = await itemsOf({ strategy: 'bestsellers', count: 40 })
    const [p1, p2] = [baseline[30]!.id, baseline[20]!.id]
    const soldOut = shop.items.find((it) => !shown(it))!.id
    const reply = await recommend({ strategy: 'bestsellers', count: 5, rules: { pin: [p1, soldOut, 'no-such-item', p2] } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    const [p] = reply.body.placements
    assert.deepEqual(p.items.slice(0, 2).map((i: ItemView) => [i.id, i.reason]), [[p1, 'Featured'], [p2, 'Featured']])
    assert.equal(p.items.length, 5)
    assert.ok(!p.items.some((i: ItemView) => i.id === soldOut), 'a pinned item still has to pass the filters')
    assert.deepEqual(p.servedBy, ['pinned', 'bestsellers'])
  })

  it('buries a brand down and out, and boosts a brand up', async () => {
    const baseline = await itemsOf({ strategy: 'bestsellers', count: 10 })
    const top = baseline[0]!.brand!
    const buried = await itemsOf({ strategy: 'bestsellers', count: 10, rules: { bury: [{ attribute: 'brand', value: top, factor: 0.001 }] } })
    assert.equal(buried.length, 10)
    assert.ok(!buried.some((i) => i.brand === top), `no ${top} left in the top 10: ${buried.map((i) => i.brand).join()}`)

    const shownBrands = new Set(baseline.map((i) => i.brand))
    const absent = shop.items.find((it) => shown(it) && it.brand && !shownBrands.has(it.brand))!.brand!
    const boosted = await itemsOf({ strategy: 'bestsellers', count: 10, rules: { boost: [{ attribute: 'brand', value: absent, factor: 1000 }] } })
    assert.equal(boosted[0]!.brand, absent, boosted.map((i) => i.brand).join())
    const firstOther = boosted.findIndex((i) => i.brand !== absent)
    assert.ok(firstOther === -1 || boosted.slice(firstOther).every((i) => i.brand !== absent), 'the boosted brand comes before every other')
  })

  it('boosts by category and attributes.<name>', async () => {
    const boosted = await itemsOf({ strategy: 'bestsellers', count: 4, rules: { boost: [{ attribute: 'attributes.priceBand', value: 'premium', factor: 1000 }, { attribute: 'category', value: 'Outdoor', factor: 1000 }] } })
    const byId = new Map(shop.items.map((it) => [it.id, it]))
    const both = (id: string) => byId.get(id)!.attributes!.priceBand === 'premium' && byId.get(id)!.categories![0]!.startsWith('Outdoor')
    // Items matching both rules come first, as many as the bestsellers hold that can be shown.
    const artifact = server.engine.models.current!.artifact
    const eligible = Array.from(artifact.bestsellers, (i) => artifact.items[i]!).filter((id) => both(id) && shown(byId.get(id)!))
    assert.ok(eligible.length >= 2, `premium outdoor bestsellers: ${eligible.length}`)
    const k = Math.min(4, eligible.length)
    for (const i of boosted.slice(0, k)) assert.ok(both(i.id), i.id)
  })

  it('holds maxPerCategory and maxPerBrand', async () => {
    const perCategory = await itemsOf({ strategy: 'bestsellers', count: 20, rules: { maxPerCategory: 2 } })
    assert.equal(perCategory.length, 20)
    const categories = new Map<string, number>()
    for (const i of perCategory) categories.set(i.categories[0]!, (categories.get(i.categories[0]!) ?? 0) + 1)
    assert.ok([...categories.values()].every((n) => n <= 2), [...categories].map(([c, n]) => `${c}: ${n}`).join())
    const perBrand = await itemsOf({ strategy: 'for-you', count: 12, rules: { maxPerBrand: 1 } })
    assert.equal(perBrand.length, 12)
    assert.equal(new Set(perBrand.map((i) => i.brand)).size, 12)
  })

  it('boosts items created within the last days', async () => {
    const baseline = await itemsOf({ strategy: 'bestsellers', count: 100 })
    const eligible = baseline.filter((i) => i.reason === 'Bestseller' && newIds.has(i.id)).map((i) => i.id)
    assert.ok(eligible.length >= 2, `new bestsellers: ${eligible.length}`)
    assert.ok(baseline.slice(0, 5).filter((i) => newIds.has(i.id)).length < Math.min(5, eligible.length), 'new items are not already on top')
    const boosted = await itemsOf({ strategy: 'bestsellers', count: 5, rules: { newItemBoost: { days: 7, factor: 1000 } } })
    const k = Math.min(5, eligible.length)
    assert.deepEqual(boosted.slice(0, k).map((i) => i.id), eligible.slice(0, k))
    const none = await itemsOf({ strategy: 'bestsellers', count: 5, rules: { newItemBoost: { days: 7, factor: 1 } } })
    assert.deepEqual(none.map((i) => i.id), baseline.slice(0, 5).map((i) => i.id))
  })

  it('keeps a bought consumable under rebuyCategories while other bought items stay excluded', async () => {
    const user = uniqueId('rebuyer')
    const shampoo = shop.items.find((it) => it.categories?.[0] === 'Beauty > Hair care' && shown(it))!
    const vase = shop.items.find((it) => it.categories?.[0] === 'Home > Decor' && shown(it))!
    const order = { type: 'track', event: 'Order Completed', userId: user, properties: { order_id: uniqueId('o'), products: [shampoo, vase].map((it) => ({ product_id: it.id, price: it.price, quantity: 1 })) } }
    assert.equal((await track([order])).status, 200)
    await waitFor(async () => (await request(`${server.url}/v1/people/${user}`, { auth: bearer(server.secretKey) })).body?.purchases?.orders === 1, 5000)
    const filters = { categories: ['Beauty > Hair care', 'Home > Decor'] }
    const ids = async (extra: object) => (await itemsOf({ userId: user, userToken: server.engine.keys.signUserToken(user), strategy: 'bestsellers', count: 100, filters: { ...filters, ...extra } })).map((i) => i.id)
    const plain = await ids({})
    assert.ok(!plain.includes(shampoo.id) && !plain.includes(vase.id), 'both bought items are excluded by default')
    const rebuy = await ids({ rebuyCategories: ['Beauty > Hair care'] })
    assert.ok(rebuy.includes(shampoo.id), 'the consumable is back')
    assert.ok(!rebuy.includes(vase.id), 'the other bought item stays excluded')
    assert.ok((await ids({ rebuyCategories: ['Beauty'], excludeBought: false })).includes(vase.id))
  })

  it('keeps only items that meet every filters.where condition, in the order they had', async () => {
    const byId = new Map(shop.items.map((it) => [it.id, it]))
    const where = [
      { attribute: 'attributes.priceBand', op: 'in', value: ['mid', 'premium'] },
      { attribute: 'price', op: 'gte', value: 20 },
      { attribute: 'category', op: 'ne', value: 'Outdoor' },
      { attribute: 'attributes.colour', op: 'exists' },
    ]
    // The same conditions written out by hand, on the generated catalogue.
    const meets = (id: string) => {
      const it = byId.get(id)!
      const band = it.attributes?.priceBand
      return (band === 'mid' || band === 'premium') && it.price! >= 20 && !it.categories!.some((c) => c === 'Outdoor' || c.startsWith('Outdoor > ')) && it.attributes?.colour != null
    }
    const baseline = await itemsOf({ strategy: 'bestsellers', count: 100 })
    assert.ok(baseline.slice(0, 10).some((i) => !meets(i.id)), 'without the conditions, the top 10 has items they leave out')
    const kept = await itemsOf({ strategy: 'bestsellers', count: 10, filters: { where } })
    assert.equal(kept.length, 10)
    for (const i of kept) assert.ok(meets(i.id), `${i.id} meets every condition`)
    assert.deepEqual(kept.map((i) => i.id), baseline.filter((i) => meets(i.id)).slice(0, 10).map((i) => i.id))
  })

  it('refuses a bad filters.where condition with a 400 that names the field', async () => {
    const ok = { attribute: 'price', op: 'gt', value: 10 }
    const cases: [unknown, string, string][] = [
      [[{ attribute: 'price', op: 'gt' }], 'filters.where[0].value', 'missing_field'],
      [[ok, { attribute: 'brand', op: 'in', value: 'Stride' }], 'filters.where[1].value', 'invalid_field'],
      [[ok, { attribute: 'brand', op: 'exists', value: 'Stride' }], 'filters.where[1].value', 'invalid_field'],
      [[{ attribute: 'price', op: 'lt', value: false }], 'filters.where[0].value', 'invalid_field'],
      [[{ attribute: 'tag', op: 'in', value: Array.from({ length: 101 }, (_, i) => `t${i}`) }], 'filters.where[0].value', 'invalid_field'],
      [[{ attribute: 'colour', op: 'eq', value: 'red' }], 'filters.where[0].attribute', 'invalid_field'],
      [[{ attribute: 'brand', op: 'like', value: 'S' }], 'filters.where[0].op', 'invalid_field'],
      [[{ attribute: 'brand', op: 'eq', value: 'S', weight: 2 }], 'filters.where[0].weight', 'invalid_field'],
      [Array.from({ length: 21 }, () => ok), 'filters.where', 'invalid_field'],
    ]
    for (const [where, field, code] of cases) {
      const reply = await recommend({ strategy: 'trending', filters: { where } })
      assert.equal(reply.status, 400, JSON.stringify(where))
      assert.deepEqual([reply.body.error.field, reply.body.error.code], [field, code], JSON.stringify(reply.body))
    }
    const nested = await recommend({ placements: [{ strategy: 'trending' }, { strategy: 'trending', filters: { where: [ok, { attribute: 'price', op: 'lte' }] } }] })
    assert.equal(nested.status, 400)
    assert.equal(nested.body.error.field, 'placements[1].filters.where[1].value')
  })

  it('refuses a bad rule with a 400 that names the field', async () => {
    const cases: [unknown, string | RegExp][] = [
      [{ boost: [{ attribute: 'colour', value: 'red', factor: 2 }] }, 'rules.boost[0].attribute'],
      [{ bury: [{ attribute: 'brand', value: 'X', factor: 2 }] }, 'rules.bury[0].factor'],
      [{ boost: [{ attribute: 'brand', value: 'X', factor: 0.5 }] }, 'rules.boost[0].factor'],
      [{ shuffle: true }, 'rules.shuffle'],
      [{ maxPerCategory: 0 }, 'rules.maxPerCategory'],
      [{ newItemBoost: { days: 7 } }, 'rules.newItemBoost.factor'],
    ]
    for (const [rules, field] of cases) {
      const reply = await recommend({ strategy: 'trending', rules })
      assert.equal(reply.status, 400, JSON.stringify(rules))
      assert.equal(reply.body.error.field, field, JSON.stringify(reply.body))
    }
    const nested = await recommend({ placements: [{ strategy: 'trending', rules: { pin: [''] } }] })
    assert.equal(nested.status, 400)
    assert.equal(nested.body.error.field, 'placements[0].rules.pin[0]')
  })
})
