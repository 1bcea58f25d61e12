/**
 * The live-events debugger over real HTTP: events go in through the tracking routes with the write key,
 * the projector runs in process, and GET /v1/events and GET /v1/events/rejected are read with the secret
 * key. Each describe uses its own ids on one server.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Json, uniqueId } from '../builders/events.ts'
import { Api, assertError, basicAuth, request } from '../builders/http.ts'
import { waitForValue } from '../builders/people.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import Database from 'better-sqlite3'
import type { EventsFeedReply, RejectedReply } from '../../src/server/api-types.ts'

let server: TestServer
let api: Api
let writeKeyId: string

before(async () => {
  server = await startServer()
  server.engine.startWorkers()
  api = new Api(server)
  writeKeyId = (await server.engine.store.listApiKeys()).find((k) => k.scope === 'write' && k.label === 'ATTUNE_WRITE_KEY')!.id
})
after(() => server?.close())

const viewed = (who: Json, itemId = 'sku-1'): Json => ({ type: 'track', messageId: uniqueId('msg'), event: 'Product Viewed', ...who, properties: { product_id: itemId } })

async function feed(query = ''): Promise<EventsFeedReply> {
  const res = await api.secret<EventsFeedReply>('GET', `/v1/events${query}`)
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300))
  return res.body
}

async function rejected(query = ''): Promise<RejectedReply> {
  const res = await api.secret<RejectedReply>('GET', `/v1/events/rejected${query}`)
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300))
  return res.body
}

describe('GET /v1/events', () => {
  const user = uniqueId('user')
  const anon = uniqueId('anon')
  const sent: Json[] = []

  before(async () => {
    // The anonymous visitor views, then signs in (identify links anon → user), then views again as the user.
    sent.push(viewed({ anonymousId: anon }, 'sku-a'))
    sent.push({ type: 'identify', messageId: uniqueId('msg'), anonymousId: anon, userId: user, traits: { plan: 'gold' } })
    sent.push(viewed({ userId: user }, 'sku-b'))
    sent.push({ type: 'track', messageId: uniqueId('msg'), event: 'Order Completed', userId: user, properties: { order_id: 'o-1', revenue: 12, products: [{ product_id: 'sku-b', price: 12, quantity: 1 }] } })
    const res = await api.batch(sent)
    assert.equal(res.status, 200, JSON.stringify(res.body))
  })

  it('lists the events newest first with their normalised kind, and the canonical person once stitched', async () => {
    const page = await waitForValue('the four events stitched', async () => {
      const p = await feed(`?id=${encodeURIComponent(user)}`)
      const q = await feed(`?id=${encodeURIComponent(anon)}`)
      const all = [...p.data, ...q.data.filter((e) => !p.data.some((x) => x.seq === e.seq))].sort((a, b) => b.seq - a.seq)
      return all.length === 4 && all.every((e) => e.personId !== null) ? all : undefined
    })
    assert.deepEqual(
      page.map((e) => [e.messageId, e.type, e.event, e.kind, e.itemId]),
      [
        [sent[3]!.messageId, 'track', 'Order Completed', 'order_completed', 'sku-b'],
        [sent[2]!.messageId, 'track', 'Product Viewed', 'product_viewed', 'sku-b'],
        [sent[1]!.messageId, 'identify', null, 'identify', null],
        [sent[0]!.messageId, 'track', 'Product Viewed', 'product_viewed', 'sku-a'],
      ],
    )
    // One person: the anonymous views and the signed-in ones were stitched together.
    assert.equal(new Set(page.map((e) => e.personId)).size, 1)
    const profile = await api.secret('GET', `/v1/people/${encodeURIComponent(user)}`)
    assert.equal(page[0]!.personId, profile.body.id)
    const first = page.at(-1)!
    assert.equal(first.anonymousId, anon)
    assert.equal(first.userId, null)
    assert.deepEqual(first.message.properties, { product_id: 'sku-a' })
    assert.ok(Date.parse(first.receivedAt!) <= Date.now())
    assert.ok(Date.parse(first.timestamp!) <= Date.now())
  })

  it('polls with after=<seq>, filters by kind, and pages with a cursor that neither skips nor repeats', async () => {
    const newest = (await feed('?limit=1')).data[0]!
    assert.deepEqual((await feed(`?after=${newest.seq}`)).data, [])
    const next = [viewed({ userId: user }, 'sku-c'), viewed({ userId: user }, 'sku-d')]
    assert.equal((await api.batch(next)).status, 200)
    const polled = await feed(`?after=${newest.seq}`)
    assert.deepEqual(polled.data.map((e) => e.messageId), [next[1]!.messageId, next[0]!.messageId])
    assert.equal(polled.nextCursor, null)

    const orders = await feed(`?kind=order_completed&id=${encodeURIComponent(user)}`)
    assert.deepEqual(orders.data.map((e) => e.messageId), [sent[3]!.messageId])

    const seen: number[] = []
    let cursor: string | null = null
    do {
      const page: EventsFeedReply = await feed(`?limit=2&id=${encodeURIComponent(user)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      assert.ok(page.data.length <= 2)
      seen.push(...page.data.map((e) => e.seq))
      cursor = page.nextCursor
    } while (cursor)
    assert.equal(seen.length, 5, 'identify, two views and the order carry the user id, plus one more view')
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a))
    assert.equal(new Set(seen).size, seen.length)
  })

  it('refuses bad parameters with the field named, and a write key', async () => {
    assertError(await api.secret('GET', '/v1/events?kind=no_such_kind'), 400, 'invalid_field', 'kind')
    assertError(await api.secret('GET', '/v1/events?after=-1'), 400, 'invalid_field', 'after')
    assertError(await api.secret('GET', '/v1/events?limit=0'), 400, 'invalid_field', 'limit')
    assertError(await api.secret('GET', '/v1/events?cursor=garbage'), 400, 'invalid_field', 'cursor')
    assertError(await api.secret('GET', `/v1/events?id=${'x'.repeat(256)}`), 400, 'invalid_field', 'id')
    assert.equal((await request(`${server.url}/v1/events`, { auth: basicAuth(server.writeKey) })).status, 403)
    assert.equal((await request(`${server.url}/v1/events/rejected`, { auth: basicAuth(server.writeKey) })).status, 403)
  })
})

describe('GET /v1/events/rejected', () => {
  it('records each refused batch member with the key, code, field, message and a copy, while the good ones are stored', async () => {
    const marker = uniqueId('bad')
    const good = viewed({ userId: uniqueId('user') })
    const noId = { type: 'track', messageId: `${marker}-1`, event: 'Product Viewed', properties: { note: '<img src=x onerror=alert(1)>' } }
    const badTime = { type: 'track', messageId: `${marker}-2`, event: 'X', userId: 'u', timestamp: 'yesterday-ish' }
    const res = await api.batch([noId, good, badTime])
    assert.equal(res.status, 400)
    assert.equal(res.body.accepted, 1)
    const rows = (await rejected('?limit=10')).data.filter((r) => r.messageId?.startsWith(marker))
    assert.deepEqual(
      rows.map((r) => [r.endpoint, r.index, r.code, r.field, r.messageId, r.type, r.keyId, r.truncated]),
      [
        ['batch', 2, 'invalid_field', 'batch[2].timestamp', `${marker}-2`, 'track', writeKeyId, false],
        ['batch', 0, 'missing_field', 'batch[0].userId', `${marker}-1`, 'track', writeKeyId, false],
      ],
    )
    // What the sender was told, and the message exactly as sent.
    assert.equal(rows[1]!.message, res.body.rejected[0].message)
    assert.deepEqual(JSON.parse(rows[1]!.raw), noId)
    assert.ok(Math.abs(Date.parse(rows[0]!.receivedAt!) - Date.now()) < 60_000)
    // The good one is in the feed; the bad ones are not.
    const feedIds = (await feed('?limit=20')).data.map((e) => e.messageId)
    assert.ok(feedIds.includes(good.messageId as string))
    assert.ok(!feedIds.some((id) => id.startsWith(marker)))
  })

  it('records a refused single call and a refused batch body, and pages newest first by code', async () => {
    const marker = uniqueId('single')
    assertError(await api.send('/v1/track', { messageId: marker, userId: 'u' }), 400, 'missing_field', 'event')
    assertError(await api.send('/v1/batch', { batch: { not: 'an array' }, marker }), 400, 'missing_field', 'batch')
    const [body, single] = (await rejected('?limit=2')).data
    assert.deepEqual([single!.endpoint, single!.index, single!.code, single!.field, single!.messageId, single!.type], ['track', null, 'missing_field', 'event', marker, null])
    assert.deepEqual(JSON.parse(single!.raw), { messageId: marker, userId: 'u' })
    assert.deepEqual([body!.endpoint, body!.index, body!.code, body!.field], ['batch', null, 'missing_field', 'batch'])
    assert.deepEqual(JSON.parse(body!.raw), { batch: { not: 'an array' }, marker })

    const missing = await rejected('?code=missing_field&limit=1')
    assert.equal(missing.data[0]!.id, body!.id)
    assert.ok(missing.nextCursor)
    const more = await rejected(`?code=missing_field&limit=1&cursor=${encodeURIComponent(missing.nextCursor!)}`)
    assert.equal(more.data[0]!.id, single!.id)
    assert.deepEqual((await rejected(`?after=${body!.id}`)).data, [])
    assert.deepEqual((await rejected(`?after=${single!.id}`)).data.map((r) => r.id), [body!.id])
    assertError(await api.secret('GET', '/v1/events/rejected?code=not_a_code'), 400, 'invalid_field', 'code')
  })

  it('keeps a size-capped copy of a huge or deeply nested message, marked truncated, and never the body key', async () => {
    const marker = uniqueId('big')
    const huge = { type: 'track', messageId: marker, event: 'Big', userId: 'u', properties: { blob: 'é'.repeat(40_000) } }
    let deep: unknown = 'bottom'
    for (let i = 0; i < 3000; i++) deep = [deep]
    const nested = { type: 'track', messageId: `${marker}-deep`, event: 'Deep', userId: 'u', properties: { deep } }
    const res = await api.batch([huge, nested])
    assert.equal(res.status, 400)
    assert.deepEqual(res.body.rejected.map((r: { code: string }) => r.code), ['payload_too_large', 'invalid_field'])
    const rows = (await rejected('?limit=5')).data.filter((r) => r.messageId?.startsWith(marker))
    assert.equal(rows.length, 2)
    for (const r of rows) {
      assert.equal(r.truncated, true)
      assert.ok(r.raw.length <= 4096 && r.raw.length > 4000, `raw is ${r.raw.length} characters`)
    }
    assert.ok(rows[1]!.raw.startsWith(`{"type":"track","messageId":"${marker}","event":"Big"`))

    // A write key in the body authorizes the call but is not kept with the copy.
    const beacon = await request(`${server.url}/v1/track`, { json: { writeKey: server.writeKey, messageId: `${marker}-beacon`, userId: 'u' } })
    assertError(beacon, 400, 'missing_field', 'event')
    const [kept] = (await rejected('?limit=1')).data
    assert.equal(kept!.messageId, `${marker}-beacon`)
    assert.ok(!kept!.raw.includes(server.writeKey))
    assert.deepEqual(JSON.parse(kept!.raw), { messageId: `${marker}-beacon`, userId: 'u' })
  })

  it('records a body that is not JSON, or is refused for a prototype key, with the start of its text', async () => {
    const start = (await rejected('?limit=1')).data[0]?.id ?? 0
    const auth = basicAuth(server.writeKey)
    const broken = `{"userId": "u", "event": "Half" ${'x'.repeat(5000)}`
    assertError(await request(`${server.url}/v1/t`, { body: broken, auth }), 400, 'invalid_json')
    const poisoned = '{"userId":"u","event":"P","__proto__":{"polluted":1}}'
    assertError(await request(`${server.url}/v1/batch`, { body: poisoned, auth, contentType: 'text/plain' }), 400, 'invalid_json')
    // Without a key in a header the body had to carry it: nothing is kept of a body that cannot.
    assert.equal((await request(`${server.url}/v1/track`, { body: 'not json' })).status, 401)
    const rows = (await rejected(`?after=${start}`)).data
    assert.deepEqual(rows.map((r) => [r.endpoint, r.code, r.index, r.truncated, r.keyId]), [
      ['batch', 'invalid_json', null, false, writeKeyId],
      ['track', 'invalid_json', null, true, writeKeyId],
    ])
    assert.equal(rows[0]!.raw, poisoned)
    assert.equal(rows[1]!.raw, broken.slice(0, 4096))
    assert.match(rows[1]!.message, /not valid JSON/)
  })

  it('records nothing for requests refused before their body is read, or without a valid key', async () => {
    const before = (await rejected('?limit=1')).data[0]?.id ?? 0
    const bad = { messageId: uniqueId('nokey'), userId: 'u' }
    assert.equal((await request(`${server.url}/v1/track`, { json: bad, auth: basicAuth('wk_not_a_key') })).status, 401)
    assert.equal((await request(`${server.url}/v1/track`, { json: bad })).status, 401)
    assert.equal((await request(`${server.url}/v1/track`, { json: { ...bad, writeKey: 'wk_wrong' } })).status, 401)
    assert.deepEqual((await rejected(`?after=${before}`)).data, [])
  })

  it('keeps at most 100 rows of one request (the rest are counted only), and good events are stored meanwhile', async () => {
    const start = (await rejected('?limit=1')).data[0]?.id ?? 0
    const bad = Array.from({ length: 150 }, (_, i) => ({ type: 'track', messageId: uniqueId(`flood-${i}`), event: 'X' }))
    const good = viewed({ userId: uniqueId('user') })
    const res = await api.batch([...bad, good])
    assert.equal(res.status, 400)
    assert.equal(res.body.accepted, 1)
    assert.equal(res.body.rejected.length, 150)
    const rows: number[] = []
    let cursor: string | null = null
    do {
      const page: RejectedReply = await rejected(`?after=${start}&limit=60${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      rows.push(...page.data.map((r) => r.index!))
      cursor = page.nextCursor
    } while (cursor)
    assert.deepEqual(rows, Array.from({ length: 100 }, (_, i) => 99 - i), 'the first 100 of the request, newest first')
  })
})

describe('when the refusals cannot be stored', () => {
  it('still answers and stores the good events of the same request (run last: it drops the table)', async () => {
    const file = new URL(server.engine.config.databaseUrl).pathname
    const other = new Database(file)
    other.exec('drop table rejected_events')
    other.close()
    const good = viewed({ userId: uniqueId('user') })
    const warnings: string[] = []
    const onWarning = (w: Error) => warnings.push(w.message)
    process.on('warning', onWarning)
    try {
      const res = await api.batch([{ type: 'track', messageId: uniqueId('lost'), event: 'X' }, good])
      assert.equal(res.status, 400)
      assert.equal(res.body.accepted, 1)
      await server.engine.rejected.flush()
      assert.equal((await server.engine.store.getEventsByMessageId([good.messageId as string])).length, 1)
      assertError(await api.secret('GET', '/v1/events/rejected'), 500, 'internal')
      assert.ok((await feed('?limit=5')).data.some((e) => e.messageId === good.messageId))
      await new Promise((resolve) => setImmediate(resolve))
      assert.ok(warnings.some((w) => w.startsWith('rejected events not recorded')), warnings.join('; '))
    } finally {
      process.off('warning', onWarning)
    }
  })
})
