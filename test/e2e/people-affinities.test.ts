/**
 * What the person page reads besides the profile: GET /v1/people/:id/affinities (each affinity with the
 * events that added to its score) and GET /v1/people/:id/events?kind= (e.g. a person's orders).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { aProduct, type Json, uniqueId } from '../builders/events.ts'
import { Api, assertError } from '../builders/http.ts'
import { personPath, profileWithEvents } from '../builders/people.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import type { AffinityEvidence } from '../../src/server/routes/people.ts'

let server: TestServer
let api: Api
const DAY = 86_400_000
const msg = (m: Json): Json => ({ messageId: uniqueId('msg'), ...m })
const shoe = aProduct({ id: uniqueId('shoe'), categories: ['Shoes > Running'], brand: 'Fleet', price: 80 })
const jacket = aProduct({ id: uniqueId('jacket'), categories: ['Outdoor > Jackets'], brand: 'Peak', price: 120 })
const userId = uniqueId('user')
const refuser = uniqueId('user')
const orderId = uniqueId('order')
const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString()

before(async () => {
  server = await startServer()
  server.engine.startWorkers()
  api = new Api(server)
  assert.equal((await api.secret('POST', '/v1/items', { items: [shoe, jacket] })).status, 200)
  const product = (id: string) => ({ product_id: id })
  const events = [
    msg({ type: 'track', event: 'Product Viewed', userId, properties: product(shoe.id), timestamp: at(3) }),
    msg({ type: 'track', event: 'Product Viewed', userId, properties: product(jacket.id), timestamp: at(2.5) }),
    msg({ type: 'track', event: 'Product Added', userId, properties: { ...product(shoe.id), quantity: 1, price: 80 }, timestamp: at(2) }),
    msg({ type: 'track', event: 'Order Completed', userId, properties: { order_id: orderId, revenue: 80, products: [{ ...product(shoe.id), quantity: 1, price: 80 }] }, timestamp: at(1) }),
    msg({ type: 'identify', userId: refuser, traits: { consent: { personalization: false } }, timestamp: at(2) }),
    msg({ type: 'track', event: 'Product Viewed', userId: refuser, properties: product(shoe.id), timestamp: at(1) }),
  ]
  assert.equal((await api.batch(events)).status, 200)
  await profileWithEvents(api, userId, 4)
  await profileWithEvents(api, refuser, 2)
})
after(() => server?.close())

describe('GET /v1/people/:id/affinities', () => {
  it('shows the events behind each category and brand, newest first, with their weight then and now', async () => {
    const res = await api.secret<AffinityEvidence>('GET', personPath(userId, '/affinities'))
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const { categories, brands, personalization, halfLifeDays } = res.body
    assert.equal(personalization, true)
    assert.equal(halfLifeDays, 30)
    const running = categories.find((c) => c.name === 'Shoes > Running')!
    assert.deepEqual(running.events.map((e) => e.kind), ['order_completed', 'product_added', 'product_viewed'])
    assert.deepEqual(running.events.map((e) => e.weight), [8, 4, 1])
    assert.ok(running.events.every((e) => e.itemId === shoe.id))
    // Each worth is its weight decayed over the event's age; together they make the affinity's score.
    const sum = running.events.reduce((s, e) => s + e.worth, 0)
    assert.ok(Math.abs(sum - running.score) < 0.01, `${sum} vs ${running.score}`)
    assert.ok(running.events[0]!.worth < 8 && running.events[0]!.worth > 7.7)
    // The parent category is credited by the same events.
    assert.equal(categories.find((c) => c.name === 'Shoes')!.events.length, 3)
    assert.deepEqual(brands.find((b) => b.name === 'Peak')!.events.map((e) => [e.kind, e.itemId]), [['product_viewed', jacket.id]])
    assert.equal(categories[0]!.name.startsWith('Shoes'), true, 'ranked as in the profile')
  })

  it('keeps the last few events per affinity', async () => {
    const res = await api.secret<AffinityEvidence>('GET', personPath(userId, '/affinities?events=1'))
    assert.deepEqual(res.body.brands.find((b) => b.name === 'Fleet')!.events.map((e) => e.kind), ['order_completed'])
  })

  it('shows nothing inferred without personalization consent', async () => {
    const res = await api.secret<AffinityEvidence>('GET', personPath(refuser, '/affinities'))
    assert.equal(res.status, 200)
    assert.deepEqual([res.body.personalization, res.body.categories, res.body.brands], [false, [], []])
  })

  it('refuses bad input and unknown people', async () => {
    assertError(await api.secret('GET', personPath(userId, '/affinities?events=0')), 400, 'invalid_field', 'events')
    assertError(await api.secret('GET', personPath(uniqueId('nobody'), '/affinities')), 404, 'not_found', 'userId')
  })
})

describe('GET /v1/people/:id/events?kind=', () => {
  it('reads only the kinds asked for (a person\'s orders)', async () => {
    const orders = await api.secret('GET', personPath(userId, '/events?kind=order_completed,order_refunded'))
    assert.equal(orders.status, 200)
    assert.deepEqual(orders.body.data.map((e: { kind: string; properties: { order_id: string } }) => [e.kind, e.properties.order_id]), [['order_completed', orderId]])
    const views = await api.secret('GET', personPath(userId, '/events?kind=product_viewed&limit=1'))
    assert.equal(views.body.data.length, 1)
    const rest = await api.secret('GET', personPath(userId, `/events?kind=product_viewed&limit=1&cursor=${views.body.nextCursor}`))
    assert.deepEqual([...views.body.data, ...rest.body.data].map((e: { kind: string }) => e.kind), ['product_viewed', 'product_viewed'])
    assert.equal(rest.body.nextCursor, null)
    assert.equal((await api.secret('GET', personPath(userId, '/events'))).body.data.length, 4, 'every kind without it')
  })

  it('names a kind that does not exist', async () => {
    assertError(await api.secret('GET', personPath(userId, '/events?kind=order_completed,orders')), 400, 'invalid_field', 'kind')
  })
})
