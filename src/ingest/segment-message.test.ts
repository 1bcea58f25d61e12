import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { correctedTimestamp, parseTime } from './clock-skew.ts'
import { kindOfTrack } from './ecommerce.ts'
import { toEventRecord } from './segment-message.ts'

const ctx = { receivedAt: Date.parse('2026-03-01T12:00:00Z'), batchSentAt: null, maxEventBytes: 32 * 1024 }

describe('clock-skew correction', () => {
  it('moves the event by the client clock error measured between timestamp and sentAt', () => {
    // The client clock is one hour fast: it says the event happened 10 s before sending.
    const t = Date.parse('2026-03-01T13:00:00Z')
    assert.equal(correctedTimestamp(t, t + 10_000, ctx.receivedAt), ctx.receivedAt - 10_000)
  })
  it('trusts the timestamp without sentAt, and uses the receive time without a timestamp', () => {
    assert.equal(correctedTimestamp(123, null, 999), 123)
    assert.equal(correctedTimestamp(null, 500, 999), 999)
  })
  it('parses ISO 8601 and refuses other strings', () => {
    assert.equal(parseTime('2026-03-01T12:00:00.000Z'), ctx.receivedAt)
    assert.equal(parseTime('2026-03-01T14:00:00+02:00'), ctx.receivedAt)
    assert.equal(parseTime('yesterday'), null)
    assert.equal(parseTime('1'), null)
    assert.equal(parseTime({}), null)
  })
})

describe('event names', () => {
  it('maps Segment e-commerce and email names in any spelling', () => {
    assert.equal(kindOfTrack('Product Viewed'), 'product_viewed')
    assert.equal(kindOfTrack('product_added'), 'product_added')
    assert.equal(kindOfTrack('ORDER COMPLETED'), 'order_completed')
    assert.equal(kindOfTrack('Email Link Clicked'), 'email_link_clicked')
    assert.equal(kindOfTrack('Promotion Viewed'), 'promotion_viewed')
    assert.equal(kindOfTrack('Wishlist Shared'), 'custom')
  })
})

describe('toEventRecord', () => {
  it('normalises an Order Completed with products, revenue and the first item', () => {
    const r = toEventRecord(
      {
        type: 'track',
        event: 'Order Completed',
        userId: 42,
        messageId: 'm-1',
        properties: {
          order_id: 'o-9',
          currency: 'eur',
          products: [
            { product_id: 'p1', price: '10.00', quantity: 2, category: 'Shoes' },
            { sku: 'p2', price: 5 },
          ],
        },
      },
      null,
      ctx,
    )
    assert.ok(r.ok)
    assert.equal(r.value.userId, '42')
    assert.equal(r.value.kind, 'order_completed')
    assert.equal(r.value.itemId, 'p1')
    assert.equal(r.value.data.orderId, 'o-9')
    assert.equal(r.value.data.revenue, 25)
    assert.equal(r.value.data.currency, 'EUR')
    assert.deepEqual(
      r.value.data.products?.map((p) => [p.itemId, p.quantity, p.price]),
      [
        ['p1', 2, 10],
        ['p2', 1, 5],
      ],
    )
  })

  it('prefers the stated revenue over the sum of lines', () => {
    const r = toEventRecord(
      { event: 'Order Completed', userId: 'u', properties: { order_id: 1, revenue: 99, products: [{ product_id: 'a', price: 1 }] } },
      'track',
      ctx,
    )
    assert.ok(r.ok)
    assert.equal(r.value.data.revenue, 99)
  })

  it('names the field of each problem', () => {
    const cases: [unknown, string, string][] = [
      [{ type: 'track', event: 'X' }, 'missing_field', 'userId'],
      [{ type: 'track', userId: { a: 1 }, event: 'X' }, 'invalid_field', 'userId'],
      [{ type: 'track', userId: 'u' }, 'missing_field', 'event'],
      [{ type: 'track', userId: 'u', event: 'X', properties: [] }, 'invalid_field', 'properties'],
      [{ type: 'track', userId: 'u', event: 'X', timestamp: 'yesterday' }, 'invalid_field', 'timestamp'],
      [{ type: 'nope', userId: 'u' }, 'unknown_call_type', 'type'],
      [{ userId: 'u' }, 'missing_field', 'type'],
      [{ type: 'alias', userId: 'u' }, 'missing_field', 'previousId'],
      [{ type: 'group', userId: 'u' }, 'missing_field', 'groupId'],
      [{ type: 'track', userId: 'u', event: 'Product Viewed', properties: {} }, 'missing_field', 'properties.product_id'],
      [
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { order_id: 'o', products: [{ product_id: 'a' }, { product_id: 'b', price: 'abc' }] } },
        'invalid_field',
        'properties.products[1].price',
      ],
      [{ type: 'track', userId: 'u', event: 'Order Completed', properties: {} }, 'missing_field', 'properties.order_id'],
      [{ type: 'track', userId: 'u', event: 'X', properties: { blob: 'x'.repeat(40_000) } }, 'payload_too_large', ''],
    ]
    for (const [raw, code, field] of cases) {
      const r = toEventRecord(raw, null, ctx)
      assert.equal(r.ok, false, JSON.stringify(raw).slice(0, 80))
      if (!r.ok) {
        assert.equal(r.code, code, JSON.stringify(raw).slice(0, 80))
        assert.equal(r.field, field, JSON.stringify(raw).slice(0, 80))
      }
    }
  })

  it('drops the write key from the stored message and assigns a messageId when none is sent', () => {
    const r = toEventRecord({ userId: 'u', traits: { plan: 'pro' }, writeKey: 'wk_secretish' }, 'identify', ctx)
    assert.ok(r.ok)
    assert.equal('writeKey' in r.value.message, false)
    assert.match(r.value.messageId, /^[0-9a-f-]{36}$/)
    assert.equal(r.value.kind, 'identify')
    assert.equal(r.value.timestamp, ctx.receivedAt)
  })
})

describe('IngestService batch context', () => {
  it('merges the batch-level context into each call, the call winning key by key', async () => {
    const { IngestService } = await import('./ingest-service.ts')
    const { EventWriter } = await import('./event-writer.ts')
    const { SqliteStore } = await import('../storage/index.ts')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-ingest-'))
    const store = new SqliteStore(path.join(dir, 'a.db'))
    await store.migrate()
    const service = new IngestService(new EventWriter(store), { maxEventBytes: 32 * 1024 })
    await service.ingest('batch', {
      context: { library: { name: 'shared' }, locale: 'en-GB' },
      batch: [
        { type: 'track', userId: 'ctx', event: 'A', messageId: 'ctx-a' },
        { type: 'track', userId: 'ctx', event: 'B', messageId: 'ctx-b', context: { locale: 'de-DE' } },
      ],
    })
    const stored = await store.getEventsByMessageId(['ctx-a', 'ctx-b'])
    assert.deepEqual(
      stored.map((e) => e.message.context),
      [
        { library: { name: 'shared' }, locale: 'en-GB' },
        { library: { name: 'shared' }, locale: 'de-DE' },
      ],
    )
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
