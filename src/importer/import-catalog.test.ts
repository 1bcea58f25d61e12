import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type Store, openStore } from '../storage/index.ts'
import { importCatalog } from './import-catalog.ts'
import { withPreset } from './presets.ts'

describe('importCatalog', () => {
  let dir: string
  let store: Store
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-catalog-'))
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

  it('refuses rows whose link or picture is not an http(s) or relative URL, naming the column', async () => {
    const file = write(
      'urls.csv',
      ['sku,link,picture', 'u1,javascript:alert(1),', 'u2,/p/u2,file:///etc/passwd', 'u3,https://shop.example/p/u3,/img/u3.png'].join('\n'),
    )
    const s = await importCatalog(store, file, { map: { id: 'sku', url: 'link', imageUrl: 'picture' } })
    assert.deepEqual(s.problems.map((p) => [p.line, p.field]), [
      [2, 'link'],
      [3, 'picture'],
    ])
    assert.match(s.problems[0]!.message, /http\(s\) or relative URL/)
    assert.equal(await store.getItem('u1'), null)
    assert.equal((await store.getItem('u3'))?.url, 'https://shop.example/p/u3')
  })

  it('maps CSV columns, splits list cells, and reports bad rows by line and column', async () => {
    const file = write(
      'feed.csv',
      [
        'sku,name,cost,genres,stock,in_stock,colour',
        'a1,Trail shoe,89.90,Shoes>Running|Sale,12,yes,red',
        'a2,Sock,-1,Socks,3,yes,blue', // line 3: negative price
        'a3,"Cap, blue",15,Hats|,x,no,', // line 4: inventory is not a number
        'a4,Belt,20,,,,black',
      ].join('\n'),
    )
    const s = await importCatalog(store, file, {
      map: { id: 'sku', title: 'name', price: 'cost', categories: 'genres', inventory: 'stock', available: 'in_stock', 'attributes.colour': 'colour' },
      listSeparator: '|',
    })
    assert.equal(s.rowsRead, 4)
    assert.equal(s.itemsStored, 2)
    assert.equal(s.itemsCreated, 2)
    assert.equal(s.rowsRejected, 2)
    assert.deepEqual(
      s.problems.map((p) => [p.line, p.field]),
      [
        [3, 'cost'],
        [4, 'stock'],
      ],
    )
    const a1 = await store.getItem('a1')
    assert.deepEqual(a1?.categories, ['Shoes > Running', 'Sale'])
    assert.equal(a1?.price, 89.9)
    assert.equal(a1?.inventory, 12)
    assert.equal(a1?.available, true)
    assert.deepEqual(a1?.attributes, { colour: 'red' })
    assert.equal(await store.getItem('a2'), null)
    assert.deepEqual((await store.getItem('a4'))?.categories, [])
  })

  it('reads JSONL items in the API shape', async () => {
    const file = write('items.jsonl', '{"id":"j1","title":"One","tags":["x"]}\n\n{"id":"j2","price":"free"}\n{"id":"j3","categories":["A > B"]}\n')
    const s = await importCatalog(store, file)
    assert.equal(s.itemsStored, 2)
    assert.deepEqual(s.problems.map((p) => [p.line, p.field]), [[3, 'price']])
    assert.deepEqual((await store.getItem('j3'))?.categories, ['A > B'])
  })

  it('loads MovieLens movies.csv with the movielens preset: genres, year from the title', async () => {
    const file = write('movies.csv', 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children\n2,"American President, The (1995)",Comedy|Drama|Romance\n3,Babylon 5,(no genres listed)\n')
    const s = await importCatalog(store, file, withPreset('catalog', 'movielens', file, {}))
    assert.equal(s.itemsStored, 3)
    const toy = await store.getItem('1')
    assert.deepEqual(toy?.categories, ['Adventure', 'Animation', 'Children'])
    assert.deepEqual(toy?.attributes, { year: 1995 })
    assert.equal((await store.getItem('2'))?.title, 'American President, The (1995)')
    assert.deepEqual((await store.getItem('3'))?.categories, [])
  })

  it('loads MovieLens 100K u.item: Latin-1, pipe-separated, genre flags named by u.genre', async () => {
    const sub = path.join(dir, 'ml-100k')
    fs.mkdirSync(sub)
    fs.writeFileSync(path.join(sub, 'u.genre'), 'unknown|0\nAction|1\nComedy|2\n\n')
    const row = (id: number, title: string, flags: string) => `${id}|${title}|01-Jan-1995||http://us.imdb.com/x${id}|${flags}\n`
    const text = row(1, 'Misérables, Les (1995)', '0|1|1') + row(2, 'unknown', '1|0|0')
    fs.writeFileSync(path.join(sub, 'u.item'), Buffer.from(text, 'latin1'))
    const file = path.join(sub, 'u.item')
    const s = await importCatalog(store, file, withPreset('catalog', 'movielens-100k', file, {}))
    assert.equal(s.rowsRejected, 0)
    const m = await store.getItem('1')
    assert.equal(m?.title, 'Misérables, Les (1995)')
    assert.deepEqual(m?.categories, ['Action', 'Comedy'])
    assert.equal(m?.url, 'http://us.imdb.com/x1')
    assert.deepEqual(m?.attributes, { releaseDate: '01-Jan-1995', year: 1995 })
    assert.deepEqual((await store.getItem('2'))?.categories, [])
  })

  it('refuses a preset meant for another command, naming the preset', () => {
    assert.throws(() => withPreset('catalog', 'online-retail', 'x.csv', {}), /--preset online-retail is for `attune import orders`/)
    assert.throws(() => withPreset('catalog', 'nope', 'x.csv', {}), /unknown preset "nope"/)
  })
})
