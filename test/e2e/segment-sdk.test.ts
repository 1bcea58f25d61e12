/**
 * Segment's own Node SDK (@segment/analytics-node) pointed at a real Attune server: what it sends is
 * stored with the right kinds, properties and people, and replaying its exact requests stores nothing twice.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Analytics } from '@segment/analytics-node'
import { uniqueId } from '../builders/events.ts'
import { Api, type EventView, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'

interface SentRequest {
  url: string
  headers: Record<string, string>
  body: string
}

/** An SDK client that records each HTTP request it makes, each status it gets and each delivery error. */
function recordingClient(server: TestServer, settings: { flushAt?: number; flushInterval?: number } = {}) {
  const analytics = new Analytics({
    writeKey: server.writeKey,
    host: server.url,
    flushAt: settings.flushAt ?? 4,
    flushInterval: settings.flushInterval ?? 50,
    maxRetries: 2,
    httpRequestTimeout: 30_000,
  })
  const requests: SentRequest[] = []
  const statuses: number[] = []
  const errors: unknown[] = []
  analytics.on('http_request', (r) => requests.push({ url: r.url, headers: r.headers, body: r.body }))
  analytics.on('http_response', (r) => statuses.push(r.status))
  analytics.on('error', (e) => errors.push(e))
  return { analytics, requests, statuses, errors }
}

const sentMessages = (requests: SentRequest[]) =>
  requests.flatMap((r) => (JSON.parse(r.body) as { batch: Record<string, unknown>[] }).batch)

let server: TestServer
let api: Api

before(async () => {
  server = await startServer()
  api = new Api(server)
})
after(() => server?.close())

describe('@segment/analytics-node against Attune', () => {
  const userId = uniqueId('sdk-user')
  const anonymousId = uniqueId('sdk-anon')
  const orderId = uniqueId('order')
  let requests: SentRequest[] = []

  it('delivers e-commerce track, identify and page calls to /v1/batch, stored with their kinds, properties and people', async () => {
    const client = recordingClient(server)
    const { analytics } = client
    analytics.identify({ userId, traits: { email: 'ada@example.com', plan: 'pro' } })
    analytics.page({ userId, name: 'Home', category: 'Landing', properties: { path: '/', referrer: 'news' } })
    analytics.page({ anonymousId, name: 'Pricing' })
    analytics.track({ userId, event: 'Product Viewed', properties: { product_id: 'sku-7', price: 12.5, category: 'Socks' } })
    analytics.track({ userId, event: 'Product Added', properties: { product_id: 'sku-7', quantity: 2, price: 12.5 } })
    analytics.track({
      userId,
      event: 'Order Completed',
      properties: {
        order_id: orderId,
        total: 30,
        currency: 'usd',
        products: [
          { product_id: 'sku-7', price: 12.5, quantity: 2 },
          { sku: 'sku-8', price: '5', quantity: 1, name: 'Laces' },
        ],
      },
    })
    analytics.track({ userId, event: 'Newsletter Signup', properties: { list: 'weekly' } })
    await analytics.closeAndFlush({ timeout: 60_000 })

    assert.deepEqual(client.errors, [])
    requests = client.requests
    assert.ok(requests.length >= 2, `several batches were sent (${requests.length})`)
    assert.ok(requests.every((r) => new URL(r.url).pathname === '/v1/batch'))
    assert.ok(requests.every((r) => r.headers.Authorization?.startsWith('Basic ')), 'the write key goes as HTTP Basic user name')
    assert.deepEqual(client.statuses, requests.map(() => 200))

    const sent = sentMessages(requests)
    assert.equal(sent.length, 7)
    const ofUser = (await api.allEvents(userId)).events
    const ofAnon = (await api.allEvents(anonymousId)).events
    assert.deepEqual(
      [...ofUser, ...ofAnon].map((e) => e.messageId).sort(),
      sent.map((m) => String(m.messageId)).sort(),
      'every call the SDK sent is stored, once',
    )

    const byEvent = new Map<string | null, EventView>(ofUser.map((e) => [e.type === 'identify' ? 'identify' : e.event, e]))
    const identify = byEvent.get('identify')!
    assert.equal(identify.kind, 'identify')
    assert.deepEqual(identify.traits, { email: 'ada@example.com', plan: 'pro' })
    assert.equal(identify.context.library?.name, '@segment/analytics-node')

    const home = byEvent.get('Home')!
    assert.equal(home.type, 'page')
    assert.equal(home.kind, 'page_viewed')
    assert.deepEqual(home.properties, { path: '/', referrer: 'news', category: 'Landing' }, 'the SDK puts the page category among the properties')
    assert.deepEqual(
      ofAnon.map((e) => [e.kind, e.event, e.userId, e.anonymousId]),
      [['page_viewed', 'Pricing', null, anonymousId]],
    )

    const viewed = byEvent.get('Product Viewed')!
    assert.equal(viewed.kind, 'product_viewed')
    assert.equal(viewed.itemId, 'sku-7')
    assert.deepEqual(viewed.data.products, [{ itemId: 'sku-7', quantity: 1, price: 12.5, category: 'Socks', name: null }])
    assert.equal(byEvent.get('Product Added')!.kind, 'product_added')
    assert.equal(byEvent.get('Product Added')!.data.products[0].quantity, 2)

    const order = byEvent.get('Order Completed')!
    assert.equal(order.kind, 'order_completed')
    assert.equal(order.data.orderId, orderId)
    assert.equal(order.data.revenue, 30)
    assert.equal(order.data.currency, 'USD')
    assert.deepEqual(
      order.data.products.map((p: { itemId: string; quantity: number; price: number }) => [p.itemId, p.quantity, p.price]),
      [
        ['sku-7', 2, 12.5],
        ['sku-8', 1, 5],
      ],
    )
    assert.deepEqual(order.properties.products[1], { sku: 'sku-8', price: '5', quantity: 1, name: 'Laces' }, 'properties are kept as sent')

    const custom = byEvent.get('Newsletter Signup')!
    assert.equal(custom.kind, 'custom')
    assert.deepEqual(custom.properties, { list: 'weekly' })

    // The SDK stamps timestamp and sentAt with the same clock; the corrected time is just before receipt.
    for (const e of [...ofUser, ...ofAnon]) {
      const lag = Date.parse(e.receivedAt) - Date.parse(e.timestamp)
      assert.ok(lag >= 0 && lag < 60_000, `event time is at most a minute before receipt (${lag} ms)`)
    }
  })

  it("stores nothing twice when the SDK's exact requests are replayed", async () => {
    assert.ok(requests.length > 0, 'the previous test captured the SDK requests')
    for (let round = 0; round < 2; round++) {
      for (const r of requests) {
        const reply = await request(r.url, { body: r.body, headers: { authorization: r.headers.Authorization! } })
        const size = (JSON.parse(r.body) as { batch: unknown[] }).batch.length
        assert.equal(reply.status, 200, JSON.stringify(reply.body))
        assert.deepEqual(reply.body, { success: true, accepted: 0, duplicates: size })
      }
    }
    const stored = [...(await api.allEvents(userId)).events, ...(await api.allEvents(anonymousId)).events].map((e) => e.messageId)
    assert.equal(new Set(stored).size, stored.length)
    assert.deepEqual(stored.sort(), sentMessages(requests).map((m) => String(m.messageId)).sort())
  })

  it('stores a call once when the SDK sends it twice with the same explicit messageId', async () => {
    const person = uniqueId('sdk-dedupe')
    const messageId = uniqueId('fixed')
    const first = recordingClient(server, { flushAt: 1, flushInterval: 5_000 })
    first.analytics.track({ userId: person, event: 'Product Viewed', messageId, properties: { product_id: 'first' } })
    await first.analytics.closeAndFlush({ timeout: 60_000 })
    const second = recordingClient(server, { flushAt: 10, flushInterval: 5_000 })
    second.analytics.track({ userId: person, event: 'Product Viewed', messageId, properties: { product_id: 'second' } })
    second.analytics.track({ userId: person, event: 'Product Viewed', messageId, properties: { product_id: 'third' } })
    await second.analytics.closeAndFlush({ timeout: 60_000 })
    assert.deepEqual([...first.errors, ...second.errors], [])
    const statuses = [...first.statuses, ...second.statuses]
    assert.ok(statuses.length >= 2 && statuses.every((s) => s === 200), statuses.join(','))

    const stored = (await api.allEvents(person)).events
    assert.deepEqual(stored.map((e) => [e.messageId, e.itemId]), [[messageId, 'first']])
  })
})
