import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { type Store, openStore } from '../storage/index.ts'
import { importOrders } from './import-orders.ts'

const HEADER = 'order_id,customer_id,timestamp,product_id,quantity,unit_price,description,category'
const LINES = [
  'o-1,c-1,2024-03-01 10:00:00,p1,2,10.50,Red mug,Kitchen', // line 2
  'o-1,c-1,2024-03-01 10:00:00,p2,1,4.25,"Tea, green",Food', // line 3
  'o-2,,2024-03-01 11:00:00,p1,1,10.50,Red mug,Kitchen', // guest: skipped
  'o-3,c-2,2024-03-02T09:30:00Z,p3,3,1.10,Spoon,', // line 5
  'C-9,c-1,1709400000,p1,-1,10.50,Red mug,Kitchen', // cancellation (prefix and negative quantity)
  'o-4,c-2,1709500000000,p2,-2,4.25,Tea,Food', // negative quantity alone: a refund
]

describe('importOrders', () => {
  let dir: string
  let store: Store
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-orders-'))
    store = await openStore(`sqlite://${path.join(dir, 'attune.db')}`)
  })
  after(async () => {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const write = (name: string, lines: string[], header = HEADER) => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, `${[header, ...lines].join('\n')}\n`)
    return file
  }

  it('makes one Order Completed per order with its products and revenue, refunds for returns', async () => {
    await store.upsertItems([{ id: 'p2', title: 'Sencha from the catalogue', price: 5 }], new Date())
    const file = write('orders.csv', LINES)
    const s = await importOrders(store, file, { refundPrefix: 'C-', currency: 'eur' })
    assert.equal(s.rowsRead, 6)
    assert.equal(s.eventsStored, 4)
    assert.equal(s.rowsSkipped, 1)
    assert.deepEqual(s.skipReasons, { 'no customer id': 1 })
    assert.equal(s.rowsRejected, 0)

    const [order] = await store.getEventsByMessageId(['import:order:o-1'])
    assert.ok(order)
    assert.equal(order.event, 'Order Completed')
    assert.equal(order.kind, 'order_completed')
    assert.equal(order.userId, 'c-1')
    assert.equal(order.timestamp, Date.parse('2024-03-01T10:00:00Z'))
    assert.equal(order.data.orderId, 'o-1')
    assert.equal(order.data.revenue, 25.25)
    assert.equal(order.data.currency, 'EUR')
    assert.deepEqual(order.data.products, [
      { itemId: 'p1', quantity: 2, price: 10.5, category: 'Kitchen', name: 'Red mug' },
      { itemId: 'p2', quantity: 1, price: 4.25, category: 'Food', name: 'Tea, green' },
    ])
    assert.ok(order.receivedAt > order.timestamp, 'receivedAt is the import time, timestamp the order time')

    const [refund, refund2] = await store.getEventsByMessageId(['import:refund:C-9', 'import:refund:o-4'])
    assert.equal(refund?.event, 'Order Refunded')
    assert.equal(refund?.timestamp, 1709400000 * 1000)
    assert.deepEqual(refund?.data.products?.[0], { itemId: 'p1', quantity: 1, price: 10.5, category: 'Kitchen', name: 'Red mug' })
    assert.equal(refund?.data.revenue, 10.5)
    assert.equal(refund2?.kind, 'order_refunded')
    assert.equal(refund2?.timestamp, 1709500000000)

    // Items are created for new products only; p2 existed and keeps its catalogue data.
    assert.equal(s.itemsCreated, 2)
    assert.equal((await store.getItem('p1'))?.title, 'Red mug')
    assert.equal((await store.getItem('p1'))?.price, 10.5)
    assert.equal((await store.getItem('p1'))?.currency, 'EUR')
    assert.deepEqual((await store.getItem('p3'))?.categories, [])
    assert.equal((await store.getItem('p2'))?.title, 'Sencha from the catalogue')
  })

  it('stores nothing twice when the same file is imported again', async () => {
    const before = await store.countEvents()
    const s = await importOrders(store, path.join(dir, 'orders.csv'), { refundPrefix: 'C-' })
    assert.equal(s.eventsStored, 0)
    assert.equal(s.duplicatesSkipped, 4)
    assert.equal(s.itemsCreated, 0)
    assert.equal(await store.countEvents(), before)
  })

  it('reports bad rows with their line and column and stores the good ones', async () => {
    const file = write('bad.csv', [
      'b-1,c-5,2024-04-01 08:00:00,p1,two,1.00,,', // line 2: quantity
      'b-2,c-5,2024-04-01 08:00:00,p1,1,1.00,,', // line 3: good
      'b-3,c-5,yesterday,p1,1,1.00,,', // line 4: timestamp
      'b-4,c-5,2024-04-01 08:00:00,p1,1,1.00', // line 5: a field short
      'b-5,c-5,2024-04-01 08:00:00,,1,1.00,,', // line 6: product id
      'b-6,c-5,2024-04-01 08:00:00,p1,1,cheap,,', // line 7: unit price
    ])
    const s = await importOrders(store, file)
    assert.equal(s.rowsRead, 6)
    assert.equal(s.eventsStored, 1)
    assert.equal(s.rowsRejected, 5)
    assert.deepEqual(
      s.problems.map((p) => [p.line, p.field]),
      [
        [2, 'quantity'],
        [4, 'timestamp'],
        [5, 'row'],
        [6, 'product_id'],
        [7, 'unit_price'],
      ],
    )
    assert.match(s.problems[0]!.message, /"two" is not a number/)
    assert.equal((await store.getEventsByMessageId(['import:order:b-2'])).length, 1)
  })

  it('reads gzip, remapped columns, and the shop time zone', async () => {
    const file = path.join(dir, 'export.csv.gz')
    const text = 'Invoice;Client;When;Sku;Qty;Price\nz-1;k-1;2024-05-01 12:00:00;s1;1;3.5\nz-1;k-1;2024-05-01 12:00:00;s2;2;1\n'
    fs.writeFileSync(file, gzipSync(text))
    const s = await importOrders(store, file, {
      delimiter: ';',
      timezoneOffsetMinutes: 120,
      map: { order_id: 'Invoice', customer_id: 'Client', timestamp: 'When', product_id: 'Sku', quantity: 'Qty', unit_price: 'Price' },
    })
    assert.equal(s.eventsStored, 1)
    const [e] = await store.getEventsByMessageId(['import:order:z-1'])
    assert.equal(e?.timestamp, Date.parse('2024-05-01T10:00:00Z'))
    assert.equal(e?.data.revenue, 5.5)
  })

  it('splits an order too large for one event into pieces that add up', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `big,c-7,2024-06-01 09:00:00,sku-${i},1,2.5,A fairly long product description ${i},`)
    const s = await importOrders(store, write('big.csv', lines), { maxEventBytes: 2048, createItems: false })
    assert.equal(s.ordersSplit, 1)
    assert.ok(s.eventsStored > 1)
    assert.equal(s.rowsRejected, 0)
    const events = (await store.listPersonEvents({ personId: 'c-7', limit: 100 })).data
    assert.equal(events.length, s.eventsStored)
    assert.equal(events.reduce((n, e) => n + (e.data.products?.length ?? 0), 0), 40)
    assert.equal(events.reduce((sum, e) => sum + (e.data.revenue ?? 0), 0), 100)
    assert.ok(events.every((e) => e.data.orderId === 'big'))
  })

  it('keeps an order together when its lines are interleaved with another order', async () => {
    const s = await importOrders(store, write('mixed.csv', [
      'm-1,c-8,2024-07-01 09:00:00,a,1,1,,',
      'm-2,c-9,2024-07-01 09:00:00,b,1,1,,',
      'm-1,c-8,2024-07-01 09:00:00,c,1,1,,',
    ]))
    assert.equal(s.eventsStored, 2)
    const [m1] = await store.getEventsByMessageId(['import:order:m-1'])
    assert.deepEqual(m1?.data.products?.map((p) => p.itemId), ['a', 'c'])
  })

  it('names the missing column when the header does not fit', async () => {
    const file = write('nohead.csv', ['x,y'], 'order,customer')
    await assert.rejects(importOrders(store, file), /no column "order_id".*--map order_id=COLUMN/)
  })
})
