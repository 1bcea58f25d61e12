/**
 * The Segment-compatible Tracking API over real HTTP: a real server on a loopback port and a fresh SQLite
 * file, driven with fetch. What is stored is read back through GET /v1/people/{id}/events.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { anEvent, anOrder, events, oneOfEachCallType, uniqueId } from '../builders/events.ts'
import { Api, assertError, basicAuth, bearer, type EventView, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'

let server: TestServer
let api: Api

before(async () => {
  server = await startServer()
  api = new Api(server)
})
after(() => server?.close())

const ids = (list: EventView[]) => list.map((e) => e.messageId)

/** Asserts a person has exactly these messageIds stored (each once). */
async function assertStored(personId: string, expected: string[]): Promise<EventView[]> {
  const { events: stored } = await api.allEvents(personId)
  assert.deepEqual(ids(stored).sort(), [...expected].sort(), `events of ${personId}`)
  return stored
}

describe('call types', () => {
  it('accepts track, identify, page, screen, alias and group on their own routes and lists them newest first', async () => {
    const userId = uniqueId('user')
    const calls = oneOfEachCallType(userId)
    const base = Date.parse('2026-01-10T10:00:00.000Z')
    for (const [i, call] of calls.entries()) {
      const { type, ...body } = call
      const res = await api.send(`/v1/${String(type)}`, { ...body, timestamp: new Date(base + i * 1000).toISOString() })
      assert.equal(res.status, 200, JSON.stringify(res.body))
      assert.deepEqual(res.body, { success: true, accepted: 1, duplicates: 0 })
    }
    const stored = await api.allEvents(userId)
    assert.deepEqual(
      stored.events.map((e) => [e.messageId, e.type, e.kind, e.userId]),
      calls.map((c, i) => [c.messageId, c.type, ['product_viewed', 'identify', 'page_viewed', 'screen_viewed', 'alias', 'group'][i], userId]).reverse(),
    )
    const byType = Object.fromEntries(stored.events.map((e) => [e.type, e]))
    assert.equal(byType.track!.event, 'Product Viewed')
    assert.equal(byType.track!.itemId, 'sku-1')
    assert.deepEqual(byType.identify!.traits, { email: `${userId}@example.com`, plan: 'pro' })
    assert.equal(byType.page!.event, 'Home')
    assert.deepEqual(byType.page!.properties, { path: '/' })
    assert.equal(byType.screen!.event, 'Basket')
    assert.deepEqual(byType.group!.traits, { name: 'Acme' })
    assert.equal(byType.track!.timestamp, new Date(base).toISOString())
  })

  it('accepts every call type inside one batch, each by its own type field', async () => {
    const userId = uniqueId('user')
    const calls = oneOfEachCallType(userId)
    const res = await api.batch(calls)
    assert.equal(res.status, 200, JSON.stringify(res.body))
    assert.deepEqual(res.body, { success: true, accepted: 6, duplicates: 0 })
    const stored = await assertStored(userId, calls.map((c) => String(c.messageId)))
    assert.deepEqual(new Set(stored.map((e) => e.type)), new Set(['track', 'identify', 'page', 'screen', 'alias', 'group']))
  })
})

describe("listing a person's events", () => {
  it('pages newest first with nextCursor, without overlap or gap, also across equal timestamps', async () => {
    const person = uniqueId('pager')
    const base = Date.parse('2026-02-01T00:00:00.000Z')
    // 23 events, three per timestamp (so the cursor must break ties), two of them by anonymousId only.
    const sent = events(23, (i) => ({
      ...(i === 7 || i === 15 ? { userId: undefined, anonymousId: person } : { userId: person }),
      timestamp: new Date(base + Math.floor(i / 3) * 1000).toISOString(),
    }))
    const noise = events(3, () => ({ userId: uniqueId('someone-else') }))
    assert.equal((await api.batch([...sent, ...noise])).status, 200)

    const { events: listed, pages } = await api.allEvents(person, 4)
    assert.deepEqual(pages.map((p) => p.length), [4, 4, 4, 4, 4, 3])
    const listedIds = ids(listed)
    assert.equal(new Set(listedIds).size, listedIds.length, 'no event on two pages')
    // Newest first: by event time, then by arrival (later index in the batch = later in the log).
    const expected = sent
      .map((e, index) => ({ id: String(e.messageId), t: Date.parse(String(e.timestamp)), index }))
      .sort((a, b) => b.t - a.t || b.index - a.index)
      .map((e) => e.id)
    assert.deepEqual(listedIds, expected, 'every event once, in order, none missing')
    assert.equal(listed.filter((e) => e.anonymousId === person).length, 2)
  })

  it('answers an empty page with a null cursor for someone never seen, and rejects limit=0 naming limit', async () => {
    assert.deepEqual(await api.eventsPage(uniqueId('nobody')), { data: [], nextCursor: null })
    assertError(await api.secret('GET', `/v1/people/${uniqueId('p')}/events?limit=0`), 400, 'invalid_field', 'limit')
  })
})

describe('write key', () => {
  it('is accepted as HTTP Basic user name with an empty password, as a Bearer token and as writeKey in the body', async () => {
    const userId = uniqueId('auth')
    const basic = anEvent({ userId })
    const viaBearer = anEvent({ userId })
    const inBody = anEvent({ userId, writeKey: server.writeKey })
    assert.equal((await api.send('/v1/track', basic, basicAuth(server.writeKey))).status, 200)
    assert.equal((await api.send('/v1/track', viaBearer, bearer(server.writeKey))).status, 200)
    assert.equal((await api.send('/v1/track', inBody, null)).status, 200)
    const stored = await assertStored(userId, [basic, viaBearer, inBody].map((e) => String(e.messageId)))
    assert.ok(!JSON.stringify(stored).includes(server.writeKey), 'the write key is not kept with the event')
  })

  it('accepts a JSON body sent as text/plain, as navigator.sendBeacon does, and rejects a text/plain body that is not JSON', async () => {
    const userId = uniqueId('beacon')
    const event = anEvent({ userId, writeKey: server.writeKey })
    const ok = await request(`${server.url}/v1/track`, { body: JSON.stringify(event), contentType: 'text/plain;charset=UTF-8' })
    assert.equal(ok.status, 200, JSON.stringify(ok.body))
    await assertStored(userId, [String(event.messageId)])
    const bad = await request(`${server.url}/v1/track`, { body: '{"userId": "x", ', contentType: 'text/plain', auth: basicAuth(server.writeKey) })
    assertError(bad, 400, 'invalid_json')
  })

  it("answers on analytics.js 2.0's one-letter paths (/v1/t, /v1/i, /v1/p, /v1/b), text/plain with the key in the body", async () => {
    const userId = uniqueId('ajs')
    const sent: string[] = []
    for (const [path, call] of [
      ['/v1/t', anEvent({ userId, writeKey: server.writeKey })],
      ['/v1/i', { type: 'identify', userId, messageId: uniqueId('m'), traits: { plan: 'pro' }, writeKey: server.writeKey }],
      ['/v1/p', { type: 'page', userId, messageId: uniqueId('m'), name: 'Home', writeKey: server.writeKey }],
    ] as const) {
      const reply = await request(`${server.url}${path}`, { body: JSON.stringify(call), contentType: 'text/plain' })
      assert.equal(reply.status, 200, `${path}: ${JSON.stringify(reply.body)}`)
      sent.push(String(call.messageId))
    }
    const batched = anEvent({ userId })
    const reply = await request(`${server.url}/v1/b`, { body: JSON.stringify({ batch: [batched], writeKey: server.writeKey }), contentType: 'text/plain' })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    await assertStored(userId, [...sent, String(batched.messageId)])
  })
})

describe('clock-skew correction', () => {
  it('stores receivedAt − (sentAt − timestamp) for a client whose clock is an hour fast', async () => {
    const userId = uniqueId('skew')
    const clientNow = Date.now() + 3_600_000
    const event = anEvent({ userId, timestamp: new Date(clientNow).toISOString(), sentAt: new Date(clientNow + 10_000).toISOString() })
    const before = Date.now()
    assert.equal((await api.send('/v1/track', event)).status, 200)
    const afterSend = Date.now()
    const [stored] = await assertStored(userId, [String(event.messageId)])
    const receivedAt = Date.parse(stored!.receivedAt)
    assert.ok(receivedAt >= before - 1 && receivedAt <= afterSend + 1, 'receivedAt is the server clock at receipt')
    assert.equal(Date.parse(stored!.timestamp), receivedAt - 10_000)
    assert.ok(Math.abs(Date.parse(stored!.timestamp) - (before - 10_000)) < 5_000, 'the event sits ~10 s before now, not an hour ahead')
    assert.equal(stored!.originalTimestamp, event.timestamp, 'the client timestamp is kept as sent')
  })

  it("applies a batch's sentAt to events without their own, an event's own sentAt first, and the receive time without a timestamp", async () => {
    const userId = uniqueId('skew-batch')
    const clientNow = Date.now() - 7_200_000 // this client's clock is two hours slow
    const t = new Date(clientNow).toISOString()
    const usesBatch = anEvent({ userId, timestamp: t })
    const ownSentAt = anEvent({ userId, timestamp: t, sentAt: new Date(clientNow + 4_000).toISOString() })
    const noTimestamp = anEvent({ userId })
    const res = await api.batch([usesBatch, ownSentAt, noTimestamp], { sentAt: new Date(clientNow + 10_000).toISOString() })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const stored = await assertStored(userId, [usesBatch, ownSentAt, noTimestamp].map((e) => String(e.messageId)))
    const by = new Map(stored.map((e) => [e.messageId, e]))
    const offset = (e: Record<string, unknown>) => {
      const s = by.get(String(e.messageId))!
      return Date.parse(s.receivedAt) - Date.parse(s.timestamp)
    }
    assert.equal(offset(usesBatch), 10_000)
    assert.equal(offset(ownSentAt), 4_000)
    assert.equal(offset(noTimestamp), 0)

    // Without any sentAt the client's timestamp is kept as is.
    const trusted = anEvent({ userId, timestamp: '2025-12-24T18:00:00.000Z' })
    assert.equal((await api.send('/v1/track', trusted)).status, 200)
    assert.equal((await api.allEvents(userId)).events.find((e) => e.messageId === trusted.messageId)?.timestamp, '2025-12-24T18:00:00.000Z')
  })
})

describe('e-commerce normalisation', () => {
  it('maps spec names to kinds and pulls out item, products, revenue and order id; keeps other names as custom', async () => {
    const userId = uniqueId('shopper')
    const viewed = anEvent({ userId, event: 'Product Viewed', properties: { product_id: 'sku-42', price: '19.90', name: 'Sock' } })
    const added = anEvent({ userId, event: 'product_added', properties: { sku: 'sku-43', quantity: 3 } })
    const order = anOrder({ userId })
    const stated = anOrder({ userId, properties: { order_id: 7001, revenue: '99.5', products: [{ product_id: 'sku-9', price: 1 }] } })
    const custom = anEvent({ userId, event: 'Wishlist Shared', properties: { list: 'summer' } })
    const res = await api.batch([viewed, added, order, stated, custom])
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const by = new Map((await api.allEvents(userId)).events.map((e) => [e.messageId, e]))
    const get = (e: Record<string, unknown>) => by.get(String(e.messageId))!

    assert.equal(get(viewed).kind, 'product_viewed')
    assert.equal(get(viewed).itemId, 'sku-42')
    assert.deepEqual(get(viewed).data.products, [{ itemId: 'sku-42', quantity: 1, price: 19.9, category: null, name: 'Sock' }])
    assert.equal(get(added).kind, 'product_added')
    assert.equal(get(added).itemId, 'sku-43')
    assert.equal(get(added).data.products[0].quantity, 3)

    const o = get(order)
    assert.equal(o.kind, 'order_completed')
    assert.equal(o.itemId, 'sku-1')
    assert.equal(o.data.orderId, (order.properties as { order_id: string }).order_id)
    assert.deepEqual(
      o.data.products.map((p: { itemId: string; quantity: number; price: number }) => [p.itemId, p.quantity, p.price]),
      [
        ['sku-1', 2, 10],
        ['sku-2', 1, 5.5],
      ],
    )
    assert.equal(o.data.revenue, 25.5, 'without a stated revenue, the sum of price × quantity')
    assert.equal(o.data.currency, 'EUR')
    assert.equal(get(stated).data.revenue, 99.5, 'a stated revenue wins')
    assert.equal(get(stated).data.orderId, '7001')

    assert.equal(get(custom).kind, 'custom')
    assert.equal(get(custom).event, 'Wishlist Shared')
    assert.deepEqual(get(custom).properties, { list: 'summer' })
    assert.equal(get(custom).itemId, null)
  })
})

describe('idempotency by messageId', () => {
  it('stores a call sent twice with the same messageId once, and says the second was a duplicate', async () => {
    const userId = uniqueId('retry')
    const event = anEvent({ userId })
    assert.deepEqual((await api.send('/v1/track', event)).body, { success: true, accepted: 1, duplicates: 0 })
    const again = await api.send('/v1/track', { ...event, properties: { product_id: 'changed' } })
    assert.equal(again.status, 200)
    assert.deepEqual(again.body, { success: true, accepted: 0, duplicates: 1 })
    const [stored] = await assertStored(userId, [String(event.messageId)])
    assert.equal(stored!.itemId, 'sku-1', 'the first version is kept')
  })

  it('stores a whole retried batch once, and a messageId repeated inside one batch once', async () => {
    const userId = uniqueId('retry-batch')
    const batch = events(20, () => ({ userId }))
    assert.deepEqual((await api.batch(batch)).body, { success: true, accepted: 20, duplicates: 0 })
    assert.deepEqual((await api.batch(batch)).body, { success: true, accepted: 0, duplicates: 20 })
    const fresh = anEvent({ userId })
    assert.deepEqual((await api.batch([batch[0]!, fresh, { ...fresh }])).body, { success: true, accepted: 1, duplicates: 2 })
    await assertStored(userId, [...batch, fresh].map((e) => String(e.messageId)))
  })

  it('reports a call retried concurrently as accepted exactly once, the other copies as duplicates', async () => {
    const userId = uniqueId('race')
    const event = anEvent({ userId })
    // Sent at once, the copies usually share one group commit; either way the totals must hold.
    const replies = await Promise.all(Array.from({ length: 6 }, () => api.send('/v1/track', event)))
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200, 200])
    const sum = (key: 'accepted' | 'duplicates') => replies.reduce((n, r) => n + (r.body as Record<string, number>)[key]!, 0)
    assert.equal(sum('accepted'), 1)
    assert.equal(sum('duplicates'), 5)
    await assertStored(userId, [String(event.messageId)])
  })
})

describe('bad input', () => {
  it('answers each bad single call with its 4xx status, code and field, and stores nothing', async () => {
    const userId = uniqueId('bad')
    const cases: [string, unknown, number, string, string | undefined][] = [
      ['body not an object', [anEvent({ userId })], 400, 'invalid_json', undefined],
      ['missing userId and anonymousId', anEvent({ userId: undefined }), 400, 'missing_field', 'userId'],
      ['userId an object', anEvent({ userId: { id: userId } }), 400, 'invalid_field', 'userId'],
      ['properties an array', anEvent({ userId, properties: ['sku-1'] }), 400, 'invalid_field', 'properties'],
      ['timestamp "yesterday"', anEvent({ userId, timestamp: 'yesterday' }), 400, 'invalid_field', 'timestamp'],
      [
        'products[1].price "abc"',
        anOrder({ userId, properties: { order_id: 'o-1', products: [{ product_id: 'a', price: 1 }, { product_id: 'b', price: 'abc' }] } }),
        400,
        'invalid_field',
        'properties.products[1].price',
      ],
      ['track without event', anEvent({ userId, event: undefined }), 400, 'missing_field', 'event'],
      ['Product Viewed without a product id', anEvent({ userId, properties: { price: 3 } }), 400, 'missing_field', 'properties.product_id'],
      ['event over 32 KB (checked by the service)', anEvent({ userId, properties: { product_id: 'p', blob: 'x'.repeat(32_900) } }), 413, 'payload_too_large', undefined],
      ['body over the route limit', anEvent({ userId, properties: { product_id: 'p', blob: 'x'.repeat(40_000) } }), 413, 'payload_too_large', undefined],
    ]
    for (const [name, body, status, code, field] of cases) {
      const reply = await api.send('/v1/track', body)
      const error = assertError(reply, status, code, field)
      if (field === undefined) assert.equal(error.error.field, undefined, name)
    }
    assertError(await api.send('/v1/alias', { userId }), 400, 'missing_field', 'previousId')
    assertError(await api.send('/v1/group', { userId }), 400, 'missing_field', 'groupId')
    await assertStored(userId, [])
  })

  it('rejects malformed JSON with invalid_json', async () => {
    const reply = await request(`${server.url}/v1/track`, { body: '{"userId": "u", "event": ', auth: basicAuth(server.writeKey) })
    assertError(reply, 400, 'invalid_json')
    assertError(await request(`${server.url}/v1/batch`, { body: '', auth: basicAuth(server.writeKey) }), 400, 'invalid_json')
  })

  it('rejects a batch request that is not {batch: [...]}, or whose sentAt is not a date, naming the field', async () => {
    assertError(await api.send('/v1/batch', { events: [anEvent()] }), 400, 'missing_field', 'batch')
    assertError(await api.send('/v1/batch', { batch: {} }), 400, 'missing_field', 'batch')
    assertError(await api.batch([anEvent()], { sentAt: 'soon' }), 400, 'invalid_field', 'sentAt')
  })

  it('rejects a batch body over 500 KB with 413 and stores none of it', async () => {
    const userId = uniqueId('huge')
    const big = events(40, () => ({ userId, properties: { product_id: 'p', blob: 'y'.repeat(14_000) } }))
    assert.ok(JSON.stringify({ batch: big }).length > 500 * 1024)
    assertError(await api.batch(big), 413, 'payload_too_large')
    await assertStored(userId, [])
  })

  it('asks for a key: 401 missing_key without one, 401 invalid_key for an unknown one, 403 insufficient_scope for a write key on a secret route', async () => {
    const userId = uniqueId('keyless')
    assertError(await api.send('/v1/track', anEvent({ userId }), null), 401, 'missing_key', 'authorization')
    assertError(await api.send('/v1/batch', { batch: [anEvent({ userId })] }, null), 401, 'missing_key', 'authorization')
    assertError(await api.send('/v1/track', anEvent({ userId }), basicAuth('wk_not_a_key_of_this_server')), 401, 'invalid_key', 'authorization')
    assertError(await api.send('/v1/track', anEvent({ userId, writeKey: 'wk_not_a_key_of_this_server' }), null), 401, 'invalid_key', 'authorization')
    assertError(await api.send('/v1/track', anEvent({ userId }), 'Bearer '), 401, 'missing_key', 'authorization')
    const eventsRoute = `${server.url}/v1/people/${userId}/events`
    assertError(await request(eventsRoute), 401, 'missing_key', 'authorization')
    assertError(await request(eventsRoute, { auth: bearer('sk_not_a_key_of_this_server') }), 401, 'invalid_key', 'authorization')
    assertError(await request(eventsRoute, { auth: bearer(server.writeKey) }), 403, 'insufficient_scope', 'authorization')
    assertError(await request(eventsRoute, { auth: basicAuth(server.writeKey) }), 403, 'insufficient_scope', 'authorization')
    await assertStored(userId, [])
  })

  it('stores the good events of a mixed batch and lists each bad one by index and field, storing none of them', async () => {
    const userId = uniqueId('mixed')
    const good = () => anEvent({ userId })
    const batch = [
      good(), //                                                         0
      anEvent({ userId: undefined }), //                                   1 missing_field userId
      good(), //                                                         2
      anEvent({ userId: { nested: true }, anonymousId: userId }), //      3 invalid_field userId
      anEvent({ userId, properties: [1, 2] }), //                          4 invalid_field properties
      anEvent({ userId, timestamp: 'yesterday' }), //                      5 invalid_field timestamp
      anOrder({ userId, properties: { order_id: 'o', products: [{ product_id: 'a' }, { product_id: 'b', price: 'abc' }] } }), // 6
      anEvent({ userId, event: undefined }), //                            7 missing_field event
      anEvent({ userId, type: 'purchase' }), //                            8 unknown_call_type type
      anEvent({ userId, properties: { product_id: 'p', blob: 'z'.repeat(33_000) } }), // 9 payload_too_large
      good(), //                                                         10
      'not an object', //                                                 11 invalid_field
      anEvent({ userId, type: undefined }), //                             12 missing_field type
      anOrder({ userId }), //                                             13 good
    ]
    const reply = await api.batch(batch)
    const body = assertError(reply, 400, 'invalid_events', 'batch[1].userId')
    assert.deepEqual(
      body.rejected!.map((r) => [r.index, r.code, r.field]),
      [
        [1, 'missing_field', 'batch[1].userId'],
        [3, 'invalid_field', 'batch[3].userId'],
        [4, 'invalid_field', 'batch[4].properties'],
        [5, 'invalid_field', 'batch[5].timestamp'],
        [6, 'invalid_field', 'batch[6].properties.products[1].price'],
        [7, 'missing_field', 'batch[7].event'],
        [8, 'unknown_call_type', 'batch[8].type'],
        [9, 'payload_too_large', 'batch[9]'],
        [11, 'invalid_field', 'batch[11]'],
        [12, 'missing_field', 'batch[12].type'],
      ],
    )
    for (const r of body.rejected!) assert.match(r.message, new RegExp(`^batch\\[${r.index}\\]: `))
    assert.equal(body.accepted, 4)
    assert.equal(body.duplicates, 0)
    const goodIds = [0, 2, 10, 13].map((i) => String((batch[i] as { messageId: string }).messageId))
    await assertStored(userId, goodIds)

    // Sent again, the good ones are duplicates and the bad ones are still rejected the same way.
    const retry = await api.batch(batch)
    const retried = assertError(retry, 400, 'invalid_events')
    assert.equal(retried.accepted, 0)
    assert.equal(retried.duplicates, 4)
    assert.equal(retried.rejected!.length, 10)
    await assertStored(userId, goodIds)
  })
})
