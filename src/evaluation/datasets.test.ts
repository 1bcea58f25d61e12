/** Dataset readers and shop files, on small files written here in the formats of the real ones. */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { loadDataset, readMovielens100k, readMovielensCsv, readOnlineRetail, readOtto } from './datasets.ts'
import { readShopFile } from './shop-data.ts'

describe('dataset readers', () => {
  let dir: string
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
    return file
  }
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-eval-datasets-'))
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('MovieLens 100K: u.data (tabs, Unix seconds) and genres from u.item flags', async () => {
    write('ml100k/u.data', '196\t242\t3\t881250949\n186\t302\t4\t891717742\n')
    const flags = (on: number[]) => Array.from({ length: 19 }, (_, i) => (on.includes(i) ? '1' : '0')).join('|')
    write('ml100k/u.item', Buffer.from(`242|Kolya (1996)|24-Jan-1997||http://x|${flags([5])}\n302|L.A. Confidential (1997)|01-Jan-1997||http://y|${flags([6, 16])}\n`, 'latin1'))
    const d = await readMovielens100k(path.join(dir, 'ml100k'))
    assert.deepEqual(d.interactions[0], { user: '196', item: '242', rating: 3, time: 881250949000, kind: 'product_rated' })
    assert.equal(d.interactions.length, 2)
    assert.deepEqual(d.items.get('302'), { title: 'L.A. Confidential (1997)', categories: ['Crime', 'Thriller'] })
    // --data may also name the file itself.
    assert.equal((await readMovielens100k(path.join(dir, 'ml100k', 'u.data'))).interactions.length, 2)
  })

  it('MovieLens CSV: ratings.csv and movies.csv with quoted titles and pipe-separated genres', async () => {
    write('mls/ratings.csv', 'userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,3.5,964981247\n')
    write('mls/movies.csv', 'movieId,title,genres\n1,"American President, The (1995)",Comedy|Drama|Romance\n3,Nothing (2000),(no genres listed)\n')
    const d = await readMovielensCsv(path.join(dir, 'mls'))
    assert.deepEqual(d.interactions[1], { user: '1', item: '3', rating: 3.5, time: 964981247000, kind: 'product_rated' })
    assert.deepEqual(d.items.get('1'), { title: 'American President, The (1995)', categories: ['Comedy', 'Drama', 'Romance'] })
    assert.deepEqual(d.items.get('3')?.categories, [])
  })

  it('Online Retail (gzip): keeps purchase lines of known customers with a product code, dates as UTC', async () => {
    const csv = [
      'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
      '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom',
      '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,,United Kingdom', // no customer
      'C536379,22633,HAND WARMER UNION JACK,-1,2010-12-01 09:41:00,1.85,14527,United Kingdom', // cancellation
      '536380,POST,POSTAGE,1,2010-12-01 09:45:00,18,12583,France', // not a product
      '536381,22139,"RETROSPOT TEA SET, CERAMIC",0,2010-12-01 09:45:00,4.95,12583,France', // zero quantity
      '536382,22140,FREE GIFT,1,2010-12-01 09:45:00,0,12583,France', // zero price
      '536383,22139,"RETROSPOT TEA SET, CERAMIC",2,2010-12-01 10:00:00,4.95,12583,France',
    ].join('\n')
    write('retail/online_retail.csv.gz', gzipSync(csv))
    const d = await readOnlineRetail(path.join(dir, 'retail'))
    assert.deepEqual(
      d.interactions.map((x) => [x.user, x.item, new Date(x.time).toISOString()]),
      [
        ['17850', '85123A', '2010-12-01T08:26:00.000Z'],
        ['12583', '22139', '2010-12-01T10:00:00.000Z'],
      ],
    )
    assert.deepEqual(d.items.get('22139'), { title: 'RETROSPOT TEA SET, CERAMIC', price: 4.95 })
    assert.equal((await loadDataset('online-retail-repurchase', path.join(dir, 'retail'))).name, 'online-retail-repurchase')
  })

  it('OTTO sessions: clicks, carts and orders of one session-person', async () => {
    write('otto/train.jsonl', '{"session":0,"events":[{"aid":1,"ts":1659304800025,"type":"clicks"},{"aid":2,"ts":1659304800026,"type":"carts"}]}\n{"session":1,"events":[{"aid":2,"ts":1659304900000,"type":"orders"}]}\n')
    const d = await readOtto(path.join(dir, 'otto'))
    assert.deepEqual(
      d.interactions.map((x) => [x.user, x.item, x.kind]),
      [
        ['0', '1', 'product_clicked'],
        ['0', '2', 'product_added'],
        ['1', '2', 'order_completed'],
      ],
    )
  })

  it('a missing folder or file is a usage error naming --data', async () => {
    await assert.rejects(readMovielens100k(path.join(dir, 'nowhere')), (e: Error & { field?: string }) => e.field === '--data')
    await assert.rejects(readMovielensCsv(path.join(dir, 'ml100k')), /holds no ratings.csv/)
  })
})

describe('shop files through the importer', () => {
  let dir: string
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-eval-shop-'))
  })
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('--orders: one purchase per order line, refunds and lines without a customer left out', async () => {
    const file = path.join(dir, 'lines.csv')
    fs.writeFileSync(
      file,
      [
        'order_id,customer_id,timestamp,product_id,quantity,unit_price',
        'o1,c1,2024-01-01 10:00:00,p1,1,5',
        'o1,c1,2024-01-01 10:00:00,p2,2,3',
        'o2,,2024-01-02 10:00:00,p1,1,5',
        'C3,c1,2024-01-03 10:00:00,p1,-1,5',
        'o4,c2,2024-01-04 10:00:00,p3,1,7',
      ].join('\n'),
    )
    const d = await readShopFile('orders', file, { importOptions: {} })
    assert.deepEqual(
      d.interactions.map((x) => [x.user, x.item, x.kind, x.weight]).sort(),
      [
        ['c1', 'p1', 'order_completed', 8],
        ['c1', 'p2', 'order_completed', 8],
        ['c2', 'p3', 'order_completed', 8],
      ],
    )
    assert.equal(d.summary.rowsSkipped, 1)
    assert.equal(d.items.get('p3')?.price, 7) // items created by the importer come back as metadata
  })

  it('--events with a column map and an event type', async () => {
    const file = path.join(dir, 'views.tsv')
    fs.writeFileSync(file, 'visitor\tsku\tts\nv1\ts1\t1700000000\nv2\ts1\t1700000100\n')
    const d = await readShopFile('events', file, { importOptions: { eventType: 'view', map: { person: 'visitor', item: 'sku', time: 'ts' } } })
    assert.deepEqual(d.interactions.map((x) => [x.user, x.item, x.kind, x.time]), [
      ['v1', 's1', 'product_viewed', 1700000000000],
      ['v2', 's1', 'product_viewed', 1700000100000],
    ])
  })
})
