/**
 * Attribution on the synthetic shop with a trained model: recommendations are recorded as impressions,
 * clicks and orders that carry the recommId (or click a shown item soon after) are credited to the
 * strategy that showed the item, and GET /v1/reports/recommendations adds them up per strategy.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateShop, type SyntheticShop } from '../../src/evaluation/index.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { uniqueId } from '../builders/events.ts'

interface Row {
  strategy: string
  impressions: number
  clicks: number
  ctr: number
  orders: number
  conversionRate: number
  revenue: number
}

describe('recommendation attribution', () => {
  let server: TestServer
  let shop: SyntheticShop
  const write = () => basicAuth(server.writeKey)
  const recommend = (body: unknown) => request(`${server.url}/v1/recommendations`, { auth: write(), json: body })
  const track = (batch: unknown[]) => request(`${server.url}/v1/batch`, { auth: write(), json: { batch } })
  const report = (query = '') => request(`${server.url}/v1/reports/recommendations${query}`, { auth: bearer(server.secretKey) })

  before(async () => {
    server = await startServer()
    shop = generateShop({ seed: 7, people: 300, items: 120, days: 45 })
    await loadShop(server, shop)
    await trainActiveModel(server)
  })
  after(async () => server?.close())

  it('credits clicks and orders to the strategy that showed the item, and reports them per strategy', async () => {
    const anon = uniqueId('anon')
    const reply = await recommend({
      anonymousId: anon,
      placements: [
        { id: 'home', strategy: 'trending', count: 4 },
        { id: 'more', strategy: 'bestsellers', count: 4 },
      ],
    })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    const recommId: string = reply.body.recommId
    const [trending, bestsellers] = reply.body.placements.map((p: { items: { id: string }[] }) => p.items.map((i) => i.id)) as [string[], string[]]
    assert.ok(trending.length >= 2 && bestsellers.length >= 2)
    const shown = new Set([...trending, ...bestsellers])
    const neverShown = shop.items.find((it) => !shown.has(it.id))!.id

    const click = (productId: string, extra: Record<string, unknown> = {}) => ({ type: 'track', event: 'Product Clicked', anonymousId: anon, properties: { product_id: productId, ...extra } })
    assert.equal(
      (await track([
        click(trending[0]!, { recommId }), // carries the recommId
        click(trending[1]!, { recomm_id: recommId }), // the snake_case spelling
        click(bestsellers[1]!), // no recommId, but shown to this visitor minutes before
        click(neverShown), // never shown: not credited
      ])).status,
      200,
    )
    const order = (orderId: string, products: unknown[], extra: Record<string, unknown> = {}) => ({
      type: 'track',
      event: 'Order Completed',
      anonymousId: anon,
      properties: { order_id: orderId, products, ...extra },
    })
    assert.equal(
      (await track([
        // The recommId on the order credits the line it showed (2 × 20); the other line was never shown.
        order(uniqueId('o'), [{ product_id: trending[0], price: 20, quantity: 2 }, { product_id: neverShown, price: 5, quantity: 1 }], { recommId }),
        // No recommId: credited through the earlier click from the bestsellers placement.
        order(uniqueId('o'), [{ product_id: bestsellers[1], price: 10, quantity: 1 }]),
        // The never-shown item was clicked, but not from a recommendation: nothing to credit.
        order(uniqueId('o'), [{ product_id: neverShown, price: 7, quantity: 1 }]),
      ])).status,
      200,
    )

    const got = await report()
    assert.equal(got.status, 200, JSON.stringify(got.body))
    const rows = new Map((got.body.strategies as Row[]).map((r) => [r.strategy, r]))
    assert.deepEqual(rows.get('trending'), {
      strategy: 'trending',
      impressions: trending.length,
      clicks: 2,
      ctr: Math.round((2 / trending.length) * 1e4) / 1e4,
      orders: 1,
      conversionRate: Math.round((1 / trending.length) * 1e4) / 1e4,
      revenue: 40,
    })
    assert.deepEqual(rows.get('bestsellers'), {
      strategy: 'bestsellers',
      impressions: bestsellers.length,
      clicks: 1,
      ctr: Math.round((1 / bestsellers.length) * 1e4) / 1e4,
      orders: 1,
      conversionRate: Math.round((1 / bestsellers.length) * 1e4) / 1e4,
      revenue: 10,
    })
    assert.deepEqual([...rows.keys()].sort(), ['bestsellers', 'trending'], 'nothing credited elsewhere')

    // A window that ends before the request shows nothing of it.
    const earlier = await report(`?from=${new Date(Date.now() - 7 * 86_400_000).toISOString()}&to=${new Date(Date.now() - 3_600_000).toISOString()}`)
    assert.deepEqual(earlier.body.strategies, [])
  })

  it('stores one impression per placement with the canonical person of a known ref', async () => {
    const user = shop.people.find((p) => p.userId)!.userId!
    const reply = await recommend({ userId: user, userToken: server.engine.keys.signUserToken(user), placements: [{ strategy: 'for-you', count: 3 }, { strategy: 'trending', count: 2 }] })
    assert.equal(reply.status, 200)
    await server.engine.impressions.flush()
    const rows = (await server.engine.store.impressions.range(Date.now() - 60_000, Date.now() + 1)).filter((r) => r.recommId === reply.body.recommId)
    assert.deepEqual(rows.map((r) => [r.placement, r.strategy, r.ref, r.itemIds.length]), [
      [0, 'for-you', user, 3],
      [1, 'trending', user, 2],
    ])
    assert.equal(rows[0]!.personId, await server.engine.profiles.find(user, 'user_id'))
    assert.ok(rows[0]!.personId)
  })

  it('needs the secret key and valid times', async () => {
    assert.equal((await request(`${server.url}/v1/reports/recommendations`, { auth: write() })).status, 403)
    const bad = await report('?from=yesterday')
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.field, 'from')
  })
})
