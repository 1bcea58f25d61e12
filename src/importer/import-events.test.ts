import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { type Store, openStore } from '../storage/index.ts'
import { importEvents } from './import-events.ts'
import { withPreset } from './presets.ts'

describe('importEvents', () => {
  let dir: string
  let store: Store
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-events-'))
    store = await openStore(`sqlite://${path.join(dir, 'attune.db')}`)
  })
  after(async () => {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  const write = (name: string, text: string | Buffer) => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, text)
    return file
  }

  it('maps ratings with epoch-second times to Product Rated events with deterministic ids', async () => {
    const file = write('ratings.csv', 'userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n1,1029,3.0,1260759179\n7,31,4,1260759200\n')
    const options = withPreset('events', 'movielens', file, {})
    const s = await importEvents(store, file, options)
    assert.equal(s.rowsRead, 3)
    assert.equal(s.eventsStored, 3)
    assert.equal(s.preset, 'movielens')
    const [e] = await store.getEventsByMessageId(['import:ratings.csv:2'])
    assert.ok(e)
    assert.equal(e.event, 'Product Rated')
    assert.equal(e.kind, 'product_rated')
    assert.equal(e.userId, '1')
    assert.equal(e.itemId, '31')
    assert.equal(e.data.rating, 2.5)
    assert.equal(e.timestamp, 1260759144 * 1000)
    assert.deepEqual(e.message.properties, { product_id: '31', rating: 2.5 })

    const again = await importEvents(store, file, options)
    assert.equal(again.eventsStored, 0)
    assert.equal(again.duplicatesSkipped, 3)
  })

  it('reads gzip TSV without a header, with --map onto given column names, and other event types', async () => {
    const lines = ['u1\tsku-1\t1700000000000', 'u2\tsku-2\t2024-01-02T03:04:05+01:00', 'u3\tsku-3\t2024-01-02 03:04:05']
    const file = write('clicks.tsv.gz', gzipSync(`${lines.join('\n')}\n`))
    const s = await importEvents(store, file, {
      columns: ['visitor', 'product', 'at'],
      map: { person: 'visitor', item: 'product', time: 'at' },
      eventType: 'view',
    })
    assert.equal(s.eventsStored, 3)
    const events = await store.getEventsByMessageId(['import:clicks.tsv:1', 'import:clicks.tsv:2', 'import:clicks.tsv:3'])
    assert.deepEqual(
      events.map((e) => [e.event, e.userId, e.itemId, e.timestamp]),
      [
        ['Product Viewed', 'u1', 'sku-1', 1700000000000],
        ['Product Viewed', 'u2', 'sku-2', Date.parse('2024-01-02T02:04:05Z')],
        ['Product Viewed', 'u3', 'sku-3', Date.parse('2024-01-02T03:04:05Z')],
      ],
    )
  })

  it('hands every appended chunk to the event stream when there is one', async () => {
    const file = write('views.csv', 'person,item\na,1\nb,2\nc,3\n')
    const published: string[][] = []
    const s = await importEvents(store, file, { eventType: 'view', chunkSize: 2, publisher: { publish: async (r) => void published.push(r.map((e) => e.messageId)) } })
    assert.equal(s.eventsStored, 3)
    assert.deepEqual(published, [['import:views.csv:2', 'import:views.csv:3'], ['import:views.csv:4']])
  })

  it('makes purchases Order Completed events with an order id', async () => {
    const file = write('buys.csv', 'person,item,time,quantity,price\np9,x1,1700000000,2,3.5\n')
    const s = await importEvents(store, file, { eventType: 'purchase' })
    assert.equal(s.eventsStored, 1)
    const [e] = await store.getEventsByMessageId(['import:buys.csv:2'])
    assert.equal(e?.kind, 'order_completed')
    assert.equal(e?.data.orderId, 'buys.csv:2')
    assert.equal(e?.data.revenue, 7)
  })

  it('reports bad rows by line and column and stores the good ones', async () => {
    const file = write('bad.csv', 'userId,movieId,rating,timestamp\n1,10,4,1260759144\n2,11,great,1260759144\n,12,3,1260759144\n3,13,5,soon\n4,14,1,1260759144\n')
    const s = await importEvents(store, file, withPreset('events', 'movielens', file, {}))
    assert.equal(s.rowsRead, 5)
    assert.equal(s.eventsStored, 2)
    assert.equal(s.rowsRejected, 3)
    assert.deepEqual(
      s.problems.map((p) => [p.line, p.field]),
      [
        [3, 'rating'],
        [4, 'userId'],
        [5, 'timestamp'],
      ],
    )
  })

  it('imports Segment messages as they are, keeping their time and ignoring sentAt', async () => {
    const lines = [
      { type: 'track', event: 'Product Added', userId: 's1', messageId: 'seg-1', timestamp: '2023-05-01T10:00:00Z', sentAt: '2023-05-01T10:00:05Z', properties: { product_id: 'p1' } },
      { type: 'identify', anonymousId: 'anon-1', originalTimestamp: '2023-05-02T10:00:00Z', traits: { plan: 'gold' } },
      { type: 'track', userId: 's1' },
    ]
    const file = write('export.jsonl', `${lines.map((l) => JSON.stringify(l)).join('\n')}\nnot json\n`)
    const s = await importEvents(store, file)
    assert.equal(s.rowsRead, 4)
    assert.equal(s.eventsStored, 2)
    assert.deepEqual(
      s.problems.map((p) => [p.line, p.field]),
      [
        [3, 'event'],
        [4, 'row'],
      ],
    )
    const [added, identify] = await store.getEventsByMessageId(['seg-1', 'import:export.jsonl:2'])
    assert.equal(added?.timestamp, Date.parse('2023-05-01T10:00:00Z'))
    assert.equal(added?.kind, 'product_added')
    assert.equal(identify?.type, 'identify')
    assert.equal(identify?.timestamp, Date.parse('2023-05-02T10:00:00Z'))
  })

  it('turns OTTO sessions into clicks, cart additions and orders of one person', async () => {
    const session = {
      session: 42,
      events: [
        { aid: 100, ts: 1659304800025, type: 'clicks' },
        { aid: 100, ts: 1659304900000, type: 'carts' },
        { aid: 100, ts: 1659305000000, type: 'orders' },
      ],
    }
    const file = write('train.jsonl', `${JSON.stringify(session)}\n${JSON.stringify({ session: 43, events: [{ aid: 1, ts: 1, type: 'views' }] })}\n`)
    const s = await importEvents(store, file, withPreset('events', 'otto', file, {}))
    assert.equal(s.rowsRead, 2)
    assert.equal(s.eventsStored, 3)
    assert.deepEqual(s.problems, [{ line: 2, field: 'events[0].type', message: 'type must be clicks, carts or orders' }])
    const events = (await store.listPersonEvents({ personId: 'otto-42', limit: 10 })).data.reverse()
    assert.deepEqual(
      events.map((e) => [e.kind, e.itemId, e.timestamp]),
      [
        ['product_clicked', '100', 1659304800025],
        ['product_added', '100', 1659304900000],
        ['order_completed', '100', 1659305000000],
      ],
    )
  })
})
