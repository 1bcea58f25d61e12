/**
 * Hostile input over real HTTP (issue 12): event times no date can hold, nesting deep enough to
 * overflow a recursive walk, prototype names as data, ids at and past the limits, and numbers that are
 * not numbers. Each bad record gets a 400 naming its field while the good ones beside it are stored,
 * and rows stored before the checks existed never make a person unreadable.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { EventRecord } from '../../src/core/index.ts'
import { type Json, uniqueId } from '../builders/events.ts'
import { Api, assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { personPath, profileWithEvents as profileWithEventsOf, waitForValue as waitFor } from '../builders/people.ts'

let server: TestServer
let api: Api

before(async () => {
  server = await startServer()
  server.engine.startWorkers()
  api = new Api(server)
})
after(() => server?.close())

const track = (m: Json): Json => ({ type: 'track', event: 'Product Viewed', messageId: uniqueId('msg'), properties: { product_id: uniqueId('sku') }, ...m })

const profileWithEvents = (id: string, n: number) => profileWithEventsOf(api, id, n)

describe('event times', () => {
  const DAY = 24 * 60 * 60 * 1000

  it('rejects times no date can hold or far ahead of the server clock, naming the field; the rest of the batch is stored', async () => {
    const userId = uniqueId('user')
    const now = Date.now()
    const batch = [
      track({ userId, timestamp: 1e300 }),
      track({ userId, timestamp: new Date(now + 3 * DAY).toISOString() }),
      track({ userId, timestamp: new Date(now).toISOString(), sentAt: '9999-12-31T00:00:00Z' }),
      track({ userId, originalTimestamp: '9999-12-31T00:00:00Z' }),
      track({ userId, timestamp: 'next tuesday' }),
      track({ userId, timestamp: new Date(now - 60_000).toISOString() }),
    ]
    const res = await api.batch(batch)
    const body = assertError(res, 400, 'invalid_events', 'batch[0].timestamp')
    assert.equal(body.accepted, 1)
    assert.deepEqual(
      body.rejected!.map((r) => [r.index, r.code, r.field]),
      [
        [0, 'invalid_field', 'batch[0].timestamp'],
        [1, 'invalid_field', 'batch[1].timestamp'],
        [2, 'invalid_field', 'batch[2].sentAt'],
        [3, 'invalid_field', 'batch[3].originalTimestamp'],
        [4, 'invalid_field', 'batch[4].timestamp'],
      ],
    )
    assertError(await api.send('/v1/track', track({ userId, timestamp: 1e300 })), 400, 'invalid_field', 'timestamp')
    // A batch-level sentAt far ahead drags each event's corrected time with it: each is refused by index.
    const skewed = await api.batch([track({ userId, timestamp: new Date(now).toISOString() })], { sentAt: '9999-12-31T00:00:00Z' })
    assertError(skewed, 400, 'invalid_events', 'batch[0].timestamp')
    assert.equal(skewed.body.accepted, 0)
  })

  it('still corrects a device clock that is years off when sentAt comes from the same clock', async () => {
    const userId = uniqueId('user')
    const res = await api.batch([track({ userId, timestamp: '2099-06-01T12:00:00.000Z' })], { sentAt: '2099-06-01T12:01:00.000Z' })
    assert.equal(res.status, 200, JSON.stringify(res.body))
    const [event] = (await api.eventsPage(userId)).data
    const corrected = Date.parse(event!.timestamp)
    assert.ok(Math.abs(corrected - (Date.now() - 60_000)) < 30_000, `corrected to about a minute ago: ${event!.timestamp}`)
    // Old history is fine: imports of 1997 ratings keep their time.
    const old = await api.batch([track({ userId, timestamp: '1997-09-20T10:00:00.000Z' })])
    assert.equal(old.status, 200, JSON.stringify(old.body))
  })

  it('a person with an event stored before times were checked stays readable and changeable', async () => {
    const userId = uniqueId('user')
    const now = Date.now()
    const row = (timestamp: number, itemId: string): EventRecord => {
      const messageId = uniqueId('msg')
      const message = { type: 'track', event: 'Product Viewed', userId, messageId, properties: { product_id: itemId, category: 'Shoes' }, timestamp }
      return { messageId, type: 'track', event: 'Product Viewed', kind: 'product_viewed', userId, anonymousId: null, itemId, timestamp, receivedAt: now, message, data: { products: [{ itemId, quantity: 1, price: null, category: 'Shoes', name: null }] } }
    }
    // Straight into the log, as a server before the fix would have stored them.
    await server.engine.writer.append([row(1e300, 'far-future'), row(Date.parse('9999-01-01T00:00:00Z'), 'year-9999'), row(now, 'fine')])
    const profile = await profileWithEvents(userId, 3)
    assert.equal(profile.activity.lastSeen, new Date(now).toISOString(), 'bad times fold at their receive time')
    assert.deepEqual(profile.affinities.categories.map((a: { name: string }) => a.name), ['Shoes'])
    assert.ok(profile.affinities.categories.every((a: { score: number }) => Number.isFinite(a.score)))

    const events = await api.secret('GET', personPath(userId, '/events'))
    assert.equal(events.status, 200, JSON.stringify(events.body).slice(0, 300))
    assert.deepEqual(events.body.data.map((e: { timestamp: string | null }) => e.timestamp).sort(), [new Date(now).toISOString(), '9999-01-01T00:00:00.000Z', null].sort())
    for (const [path, json] of [
      ['/consent', { personalization: true }],
      ['/preferences', { brands: { liked: ['Fleet'] } }],
    ] as const) {
      const res = await api.secret('PUT', personPath(userId, path), json)
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`)
    }

    // The profile document an older server folded from such rows: times no date can show, a score
    // that decays to Infinity. Written to the store and the hot state, where readers look.
    const personId = profile.id as string
    const [stored] = await server.engine.store.readPeople((tx) => tx.getProfiles([personId]))
    const old = JSON.parse(stored!.state)
    Object.assign(old, { lastSeen: 1e300, sessions: { count: 1, lastAt: 1e300 }, recent: [['far-future', 1e300]], categories: { Shoes: { s: 1, t: 1e300 }, Socks: { s: 1, t: now } } })
    old.orders = { ...old.orders, count: 1, revenue: 10, first: 1e300, last: 1e300 }
    await server.engine.store.writePeople((tx) => tx.putProfiles([{ ...stored!, state: JSON.stringify(old) }]))
    await server.engine.hot.putProfile(personId, JSON.stringify(old))
    const read = await api.secret('GET', personPath(userId))
    assert.equal(read.status, 200, JSON.stringify(read.body).slice(0, 300))
    assert.equal(read.body.activity.lastSeen, null)
    assert.equal(read.body.purchases.lastOrderAt, null)
    assert.deepEqual(read.body.affinities.categories.map((a: { name: string }) => a.name), ['Socks'], 'a score decayed to Infinity is left out')
    const consent = await api.secret('PUT', personPath(userId, '/consent'), { email: true })
    assert.equal(consent.status, 200, JSON.stringify(consent.body).slice(0, 300))
  })
})

/** `{"a":{"a":…1…}}` nested `levels` deep, as text: building it as an object and serialising it would overflow here too. */
const nestedJson = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`

describe('nesting depth', () => {
  it('refuses an event nested 5,000 levels deep by index and stores the rest of its batch', async () => {
    const userId = uniqueId('user')
    const good = [track({ userId }), track({ userId })]
    const body = `{"batch":[${JSON.stringify(good[0])},{"type":"track","event":"Deep","userId":"${userId}","properties":{"deep":${nestedJson(5000)}}},${JSON.stringify(good[1])}]}`
    assert.ok(body.length < 32 * 1024)
    const res = await request(`${server.url}/v1/batch`, { auth: basicAuth(server.writeKey), body })
    const reply = assertError(res, 400, 'invalid_events', 'batch[1].properties')
    assert.equal(reply.accepted, 2)
    assert.match(reply.rejected![0]!.message, /deeper than 32 levels/)
    assert.equal((await api.eventsPage(userId)).data.length, 2)
    // 32 levels are fine (the event is level 1, properties level 2).
    const fine = await request(`${server.url}/v1/track`, { auth: basicAuth(server.writeKey), body: `{"event":"Deep","userId":"${userId}","properties":${nestedJson(31)}}` })
    assert.equal(fine.status, 200, JSON.stringify(fine.body))
    const single = await request(`${server.url}/v1/track`, { auth: basicAuth(server.writeKey), body: `{"event":"Deep","userId":"${userId}","properties":${nestedJson(32)}}` })
    assertError(single, 400, 'invalid_field', 'properties')
  })

  it('refuses an item nested too deep by index, writes the others, and refuses it on PUT', async () => {
    const id = uniqueId('sku')
    const body = `{"items":[{"id":"${id}-deep","attributes":{"x":${nestedJson(5000)}}},{"id":"${id}","title":"Fine"}]}`
    const res = await request(`${server.url}/v1/items`, { auth: bearer(server.secretKey), body })
    const reply = assertError(res, 400, 'invalid_items', 'items[0].attributes')
    assert.equal(reply.upserted, 1)
    assert.equal((await api.secret('GET', `/v1/items/${id}`)).status, 200)
    const put = await request(`${server.url}/v1/items/${id}-deep`, { method: 'PUT', auth: bearer(server.secretKey), body: `{"attributes":${nestedJson(5000)}}` })
    assertError(put, 400, 'invalid_field', 'attributes')
  })
})

describe('item URLs', () => {
  it('accepts only http(s) and relative URLs for url and imageUrl, naming the field', async () => {
    const id = uniqueId('sku')
    const items = [
      { id: `${id}-1`, url: 'javascript:alert(1)' },
      { id: `${id}-2`, imageUrl: 'data:image/svg+xml,<svg onload=alert(1)>' },
      { id: `${id}-3`, url: ' JaVa\tScRiPt:alert(1)' },
      { id: `${id}-4`, url: 'vbscript:msgbox' },
      { id: `${id}-ok`, url: '/products/ok', imageUrl: 'https://img.example/ok.png' },
      { id: `${id}-rel`, url: 'products/ok?x=1', imageUrl: '//cdn.example/ok.png' },
    ]
    const res = await api.secret('POST', '/v1/items', { items })
    const reply = assertError(res, 400, 'invalid_items', 'items[0].url')
    assert.deepEqual(reply.rejected!.map((r) => r.field), ['items[0].url', 'items[1].imageUrl', 'items[2].url', 'items[3].url'])
    assert.equal(reply.upserted, 2)
    assertError(await api.secret('PUT', `/v1/items/${id}-1`, { url: 'javascript:alert(1)' }), 400, 'invalid_field', 'url')
    assert.equal((await api.secret('GET', `/v1/items/${id}-1`)).status, 404)
  })
})

describe('ids', () => {
  it('stores and reaches ids of up to 255 characters; a longer path segment gets the documented error body', async () => {
    const userId = `${uniqueId('long')}-`.padEnd(255, 'x')
    assert.equal((await api.batch([track({ userId })])).status, 200)
    const profile = await profileWithEvents(userId, 1)
    assert.deepEqual(profile.identities.userIds, [userId])
    assert.equal((await api.eventsPage(userId)).data.length, 1)
    const itemId = `${uniqueId('sku')}-`.padEnd(255, 'y')
    assert.equal((await api.secret('PUT', `/v1/items/${itemId}`, { title: 'Long id' })).status, 200)
    assert.equal((await api.secret('GET', `/v1/items/${itemId}`)).body.id, itemId)
    assert.equal((await api.secret('DELETE', `/v1/items/${itemId}`)).status, 204)

    for (const path of [`/v1/items/${itemId}z`, personPath(`${userId}z`), personPath(`${userId}z`, '/events')]) {
      assertError(await api.secret('GET', path), 400, 'invalid_field', 'path')
    }
    assertError(await api.secret('GET', '/v1/people/%ED%A0%80'), 400, 'invalid_field', 'path')
    assertError(await api.batch([track({ userId: `${userId}z` })]), 400, 'invalid_events', 'batch[0].userId')
    // An external id is found as "type:id", one path segment: together they fit 255 characters.
    const external = { id: 'e'.repeat(252), type: 'crm', collection: 'users' }
    assertError(await api.batch([track({ userId, context: { externalIds: [external] } })]), 400, 'invalid_events', 'batch[0].context.externalIds[0].id')
  })

  it('drops spaces around a user id when storing it, as lookups do', async () => {
    const bare = uniqueId('spaced')
    assert.equal((await api.batch([track({ userId: `  ${bare}\t`, anonymousId: ` ${bare}-anon ` })])).status, 200)
    const profile = await profileWithEvents(bare, 1)
    assert.deepEqual(profile.identities.userIds, [bare])
    assert.deepEqual(profile.identities.anonymousIds, [`${bare}-anon`])
    assert.equal((await api.secret('GET', personPath(` ${bare} `))).status, 200)
    const [event] = (await api.eventsPage(bare)).data
    assert.equal(event!.userId, bare)
    assertError(await api.batch([track({ userId: '   ', anonymousId: null })]), 400, 'invalid_events', 'batch[0].userId')
  })

  it('refuses ids holding a lone surrogate, naming the field, and stores the rest', async () => {
    const userId = uniqueId('user')
    const res = await api.batch([
      track({ userId: `${userId}\ud800` }),
      track({ userId, anonymousId: 'anon\udc00' }),
      track({ userId, properties: { product_id: '\ud800sku' } }),
      track({ userId, messageId: 'msg\udfff' }),
      { type: 'alias', userId, previousId: 'old\ud83d' },
      { type: 'identify', userId, traits: { email: 'ann\ud800@example.com' } },
      track({ userId, context: { externalIds: [{ id: 'x\udc00', type: 'crm', collection: 'users' }] } }),
      track({ userId, context: { device: { id: '\ud800' } } }),
      track({ userId }),
    ])
    const body = assertError(res, 400, 'invalid_events', 'batch[0].userId')
    assert.deepEqual(body.rejected!.map((r) => r.field), [
      'batch[0].userId',
      'batch[1].anonymousId',
      'batch[2].properties.product_id',
      'batch[3].messageId',
      'batch[4].previousId',
      'batch[5].traits.email',
      'batch[6].context.externalIds[0].id',
      'batch[7].context.device.id',
    ])
    assert.equal(body.accepted, 1)
    // A well-formed pair (an emoji) is fine.
    assert.equal((await api.batch([track({ userId: `${userId}-😀` })])).status, 200)
    await profileWithEvents(`${userId}-😀`, 1)

    const items = await api.secret('POST', '/v1/items', { items: [{ id: 'sku\ud800' }, { id: uniqueId('sku'), categories: ['Shoes', 'Bad\udc00'] }, { id: uniqueId('sku') }] })
    assertError(items, 400, 'invalid_items', 'items[0].id')
    assert.deepEqual(items.body.rejected.map((r: { field: string }) => r.field), ['items[0].id', 'items[1].categories[1]'])
    assert.equal(items.body.upserted, 1)
    await profileWithEvents(userId, 1)
    assertError(await api.secret('POST', personPath(userId, '/merge'), { otherId: 'x\ud800' }), 400, 'invalid_field', 'otherId')
  })
})

describe('numbers', () => {
  it('answers 400 naming the field for limit=Infinity and other non-finite numbers in a query string', async () => {
    for (const value of ['Infinity', '-Infinity', '1e400']) {
      for (const path of ['/v1/items', personPath('nobody', '/events'), '/v1/models']) {
        assertError(await api.secret('GET', `${path}?limit=${value}`), 400, 'invalid_field', 'limit')
      }
    }
  })

  it('refuses negative prices, quantities and order revenue, and a line total beyond any number; a refund may be negative', async () => {
    const userId = uniqueId('user')
    const order = (properties: Json) => track({ userId, event: 'Order Completed', properties: { order_id: uniqueId('order'), ...properties } })
    const res = await api.batch([
      order({ revenue: -5 }),
      track({ userId, event: 'Product Added', properties: { product_id: 'p1', price: -1 } }),
      order({ products: [{ product_id: 'p1', price: 1e308, quantity: 10 }] }),
      order({ products: [{ product_id: 'p1', price: 3, quantity: -2 }] }),
      order({ total: '-0.5' }),
      order({ products: [{ product_id: 'p1', price: 12.5, quantity: 2 }] }),
      track({ userId, event: 'Order Refunded', properties: { order_id: 'r1', revenue: -7 } }),
    ])
    const body = assertError(res, 400, 'invalid_events', 'batch[0].properties.revenue')
    assert.deepEqual(body.rejected!.map((r) => r.field), [
      'batch[0].properties.revenue',
      'batch[1].properties.price',
      'batch[2].properties.products[0].price',
      'batch[3].properties.products[0].quantity',
      'batch[4].properties.total',
    ])
    assert.equal(body.accepted, 2)
    const profile = await profileWithEvents(userId, 2)
    assert.equal(profile.purchases.orders, 1)
    assert.equal(profile.purchases.revenue, 25)
    assertError(await api.secret('PUT', `/v1/items/${uniqueId('sku')}`, { price: -1 }), 400, 'invalid_field', 'price')
  })
})
