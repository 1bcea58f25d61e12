/**
 * POST /v1/recommendations on the synthetic shop with a trained model: the fallback chain for new
 * visitors, personal answers that follow the session on the next request, item strategies, several
 * placements without repeats, filters, consent, and bad input.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateShop, type SyntheticShop } from '../../src/evaluation/index.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { uniqueId } from '../builders/events.ts'
import { waitFor } from '../support/child-server.ts'

describe('recommendations API', () => {
  let server: TestServer
  let shop: SyntheticShop
  const write = () => basicAuth(server.writeKey)
  const recommend = (body: unknown) => request(`${server.url}/v1/recommendations`, { auth: write(), json: body })
  const track = (batch: unknown[]) => request(`${server.url}/v1/batch`, { auth: write(), json: { batch } })
  const itemById = (id: string) => shop.items.find((it) => it.id === id)!

  before(async () => {
    server = await startServer()
    shop = generateShop({ seed: 5, people: 500, items: 160, days: 60 })
    // The shop's "Health" tree is sensitive.
    const marked = await request(`${server.url}/v1/categories`, { auth: bearer(server.secretKey), json: { categories: shop.categories } })
    assert.equal(marked.status, 200, JSON.stringify(marked.body))
    await loadShop(server, shop)
    await trainActiveModel(server)
  })
  after(async () => server?.close())

  it('answers a new visitor from the fallback chain and says it is not personalized', async () => {
    const reply = await recommend({ strategy: 'for-you', count: 8 })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.equal(reply.body.personalized, false)
    assert.match(reply.body.note, /anonymous/)
    const [p] = reply.body.placements
    assert.equal(p.items.length, 8)
    assert.ok(!p.servedBy.includes('personal'))
    assert.ok(['trending', 'bestsellers'].includes(p.servedBy[0]), p.servedBy.join())
    assert.ok(p.items.every((i: { reason: string; title: string }) => i.reason && i.title))
    assert.ok(reply.body.recommId && reply.body.modelVersion)
  })

  it("re-ranks for-you on the very next request after a session's views, with reasons", async () => {
    const anon = uniqueId('anon')
    const category = 'Shoes > Running'
    const running = shop.items.filter((it) => it.categories?.[0] === category && it.available !== false).slice(0, 3)
    assert.equal(running.length, 3)
    assert.equal((await track(running.map((it) => ({ type: 'track', event: 'Product Viewed', anonymousId: anon, properties: { product_id: it.id } })))).status, 200)
    await waitFor(async () => (await request(`${server.url}/v1/people/${anon}`, { auth: bearer(server.secretKey) })).body?.recentlyViewed?.length === 3, 2000)
    const reply = await recommend({ anonymousId: anon, strategy: 'for-you', count: 6 })
    const [p] = reply.body.placements
    assert.equal(reply.body.personalized, true)
    assert.equal(p.servedBy[0], 'personal')
    const inTaste = p.items.filter((i: { categories: string[] }) => i.categories[0]?.startsWith('Shoes')).length
    assert.ok(inTaste >= 3, `shoes among for-you: ${inTaste} of ${p.items.length}`)
    assert.ok(p.items.some((i: { reason: string }) => /^Because you viewed /.test(i.reason)))
  })

  it('serves item strategies, several placements without repeats, and filters', async () => {
    const bestseller = server.engine.models.current!.artifact
    const itemId = bestseller.items[bestseller.bestsellers[0]!]!
    // Complete the look for the best-selling running shoe: the shop plants socks and shorts next to them.
    const shoe = Array.from(bestseller.bestsellers, (i) => bestseller.items[i]!).find((id) => itemById(id).categories![0] === 'Shoes > Running')!
    const reply = await recommend({
      placements: [
        { id: 'also', strategy: 'also-bought', itemId, count: 5 },
        { id: 'similar', strategy: 'similar', itemId, count: 5 },
        { id: 'look', strategy: 'complete-the-look', itemId: shoe, count: 5 },
        { id: 'cheap', strategy: 'bestsellers', count: 5, filters: { maxPrice: 30 } },
      ],
    })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    const ids = reply.body.placements.flatMap((p: { items: { id: string }[] }) => p.items.map((i) => i.id))
    assert.equal(new Set(ids).size, ids.length, 'no item twice on one page')
    assert.ok(!ids.includes(itemId), 'not the product itself')
    const [also, similar, look, cheap] = reply.body.placements
    assert.equal(also.servedBy[0], 'also-bought')
    assert.match(also.items[0].reason, /also bought/)
    assert.equal(similar.servedBy[0], 'similar')
    // Complements come from other categories (a tent and a mat share the top level, so leaves differ).
    const leafOf = (id: string) => itemById(id).categories![0]!
    assert.equal(look.servedBy[0], 'complete-the-look')
    const goesWith = look.items.filter((i: { reason: string }) => /^Goes with/.test(i.reason))
    assert.ok(goesWith.length > 0 && look.items.every((i: { id: string }) => leafOf(i.id) !== leafOf(shoe)), JSON.stringify(look))
    assert.ok(cheap.items.every((i: { price: number }) => i.price <= 30))
    const none = await recommend({ strategy: 'trending', count: 3, filters: { brands: ['No Such Brand'] } })
    assert.deepEqual(none.body.placements[0].items, [])
    assert.equal(none.body.placements[0].partial, true)
    assert.match(none.body.placements[0].note, /only 0 of 3 items passed the filters/)
    const unknownItem = await recommend({ strategy: 'also-bought', itemId: 'no-such-item', count: 3 })
    assert.equal(unknownItem.status, 200)
    assert.equal(unknownItem.body.placements[0].items.length, 3)
    assert.match(unknownItem.body.placements[0].note, /"no-such-item" is not in the model/)
    assert.ok(!unknownItem.body.placements[0].servedBy.includes('also-bought'))
  })

  it('reuses a non-personalized answer for an identical request, each time with its own recommId', async () => {
    const body = { anonymousId: uniqueId('anon'), placements: [{ strategy: 'trending', count: 4 }, { strategy: 'bestsellers', count: 3 }] }
    const [a, b] = [await recommend(body), await recommend({ ...body, anonymousId: uniqueId('anon') })]
    assert.equal(a.status, 200, JSON.stringify(a.body))
    assert.deepEqual(b.body.placements, a.body.placements)
    assert.notEqual(b.body.recommId, a.body.recommId)
    const hits = server.engine.recommender.answerCacheStats.hits
    const other = await recommend({ ...body, placements: [{ strategy: 'trending', count: 5 }] })
    assert.equal(other.body.placements[0].items.length, 5, 'a different request is computed')
    assert.equal(server.engine.recommender.answerCacheStats.hits, hits)
  })

  it('refuses a request with neither a strategy nor placements with 400 missing_field, not 500', async () => {
    for (const body of [{}, { anonymousId: 'no-strategy', count: 3 }, { category: 'Toys' }]) {
      const reply = await recommend(body)
      assert.equal(reply.status, 400, JSON.stringify(reply.body))
      assert.equal(reply.body.error.code, 'missing_field')
      assert.equal(reply.body.error.field, 'strategy')
      assert.match(reply.body.error.message, /trending/, 'the message lists the strategies')
    }
  })

  it('adds public item fields for the write key and refuses it the secret-only ones and explain', async () => {
    const open = await recommend({ strategy: 'bestsellers', count: 3, fields: ['tags', 'description', 'available'] })
    assert.equal(open.status, 200, JSON.stringify(open.body))
    for (const i of open.body.placements[0].items) {
      const item = itemById(i.id)
      assert.deepEqual(i.tags, item.tags ?? [])
      assert.equal(i.description, item.description ?? null)
      assert.equal(i.available, true)
      assert.ok(!('inventory' in i) && !('attributes' in i), 'only the fields asked for')
    }
    const inventory = await recommend({ strategy: 'bestsellers', fields: ['tags', 'inventory'] })
    assert.equal(inventory.status, 403)
    assert.equal(inventory.body.error.code, 'insufficient_scope')
    assert.equal(inventory.body.error.field, 'fields[1]')
    const explain = await recommend({ strategy: 'bestsellers', explain: true })
    assert.equal(explain.status, 403)
    assert.equal(explain.body.error.field, 'explain')
  })

  it('gives the secret key attributes, stock and an explanation of each level of the chain', async () => {
    // The brand of the best-selling item: enough of its items sold to fill the answer from bestsellers.
    const artifact = server.engine.models.current!.artifact
    const brand = itemById(artifact.items[artifact.bestsellers[0]!]!).brand!
    const reply = await request(`${server.url}/v1/recommendations`, {
      auth: bearer(server.secretKey),
      json: { strategy: 'bestsellers', count: 5, fields: ['attributes', 'inventory'], explain: true, filters: { brands: [brand] } },
    })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    const [p] = reply.body.placements
    assert.ok(p.items.length > 0)
    for (const i of p.items) {
      const item = itemById(i.id)
      assert.equal(i.brand, brand)
      assert.deepEqual(i.attributes, item.attributes ?? {})
      assert.equal(i.inventory, item.inventory ?? null)
    }
    // No category given: the chain's category levels have nothing to offer, the global bestsellers answer.
    assert.deepEqual(p.explain.map((l: { source: string }) => l.source), ['category-bestsellers', 'parent-category', 'bestsellers'])
    const first = p.explain[2]
    assert.ok(first.examined > 0 && first.examined <= first.candidates)
    assert.equal(first.taken, p.items.length)
    const rejected = Object.values(first.rejected as Record<string, number>).reduce((a, b) => a + b, 0)
    assert.equal(first.taken + rejected, first.examined, 'every examined candidate was taken or rejected for a reason')
    assert.ok(first.rejected.brand > 0, JSON.stringify(first.rejected))
    assert.deepEqual(p.servedBy, p.explain.filter((l: { taken: number }) => l.taken > 0).map((l: { source: string }) => l.source))
  })

  it('gives a person without personalization consent the non-personalized answer, and says so', async () => {
    const user = shop.people.find((p) => p.userId)!.userId!
    assert.equal((await request(`${server.url}/v1/people/${user}/consent`, { method: 'PUT', auth: bearer(server.secretKey), json: { personalization: false } })).status, 200)
    const reply = await recommend({ userId: user, userToken: server.engine.keys.signUserToken(user), strategy: 'for-you', count: 4 })
    assert.equal(reply.body.personalized, false)
    assert.match(reply.body.note, /consent/)
    assert.ok(!reply.body.placements[0].servedBy.includes('personal'))
  })

  it("never shows sensitive categories without the person's consent to their use", async () => {
    const sensitive = shop.categories.filter((c) => c.sensitive).map((c) => c.path)
    const health = shop.items.filter((it) => it.categories?.some((c) => sensitive.some((s) => c === s || c.startsWith(`${s} > `))))
    assert.ok(health.length > 0)
    const leaf = health[0]!.categories![0]!
    const isHealth = (id: string) => health.some((it) => it.id === id)
    const ask = (body: object) => request(`${server.url}/v1/recommendations`, { auth: bearer(server.secretKey), json: { strategy: 'bestsellers', category: leaf, count: 5, explain: true, ...body } })
    const anonymous = await ask({})
    assert.equal(anonymous.status, 200, JSON.stringify(anonymous.body))
    const [p] = anonymous.body.placements
    assert.equal(p.items.length, 5)
    assert.ok(p.items.every((i: { id: string }) => !isHealth(i.id)), 'no sensitive item for an anonymous visitor')
    assert.ok(p.explain[0].rejected.sensitive > 0, JSON.stringify(p.explain))

    const user = shop.people.filter((x) => x.userId).at(-1)!.userId!
    const consent = await request(`${server.url}/v1/people/${user}/consent`, { method: 'PUT', auth: bearer(server.secretKey), json: { sensitive: true } })
    assert.equal(consent.status, 200, JSON.stringify(consent.body))
    const consented = await ask({ userId: user, filters: { excludeBought: false } })
    assert.equal(consented.status, 200, JSON.stringify(consented.body))
    assert.ok(consented.body.placements[0].items.some((i: { id: string }) => isHealth(i.id)), JSON.stringify(consented.body.placements[0].explain))
  })

  it('refuses bad input with a 4xx that names the field', async () => {
    const unknown = await recommend({ strategy: 'mind-reading' })
    assert.equal(unknown.status, 400)
    assert.match(unknown.body.error.field, /strategy/)
    const count = await recommend({ strategy: 'trending', count: 0 })
    assert.equal(count.status, 400)
    assert.equal(count.body.error.field, 'count')
    const noKey = await request(`${server.url}/v1/recommendations`, { json: { strategy: 'trending' } })
    assert.equal(noKey.status, 401)
  })
})
