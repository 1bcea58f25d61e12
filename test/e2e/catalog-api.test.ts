/**
 * The catalogue API over real HTTP (secret key): items one at a time and in batches, listing with
 * cursors and category filters, and category sensitivity. Tests that list the whole catalogue start
 * their own server so that other tests' items cannot show up in their pages.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { aProduct, uniqueId } from '../builders/events.ts'
import { Api, assertError, basicAuth, bearer, type Reply, request } from '../builders/http.ts'
import type { Item } from '../../src/core/index.ts'
import { startServer, type TestServer } from '../builders/server.ts'

interface CategoryView {
  path: string
  sensitive: boolean
  inheritedSensitive: boolean
  itemCount: number
}

let server: TestServer
let api: Api

before(async () => {
  server = await startServer()
  api = new Api(server)
})
after(() => server?.close())

const itemPath = (id: string) => `/v1/items/${encodeURIComponent(id)}`

/** Every item of a listing, following nextCursor. */
async function listAll(a: Api, limit: number, category?: string): Promise<{ ids: string[]; pages: number[] }> {
  const ids: string[] = []
  const pages: number[] = []
  let cursor: string | null = null
  do {
    const query: URLSearchParams = new URLSearchParams({ limit: String(limit), ...(cursor && { cursor }), ...(category !== undefined && { category }) })
    const reply: Reply<{ data: Item[]; nextCursor: string | null }> = await a.secret('GET', `/v1/items?${query}`)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    ids.push(...reply.body.data.map((i) => i.id))
    pages.push(reply.body.data.length)
    cursor = reply.body.nextCursor
    assert.ok(pages.length < 1000, 'paging ends')
  } while (cursor !== null)
  return { ids, pages }
}

describe('one item at a time', () => {
  it('creates an item with PUT, reads it back normalised with defaults, replaces it whole, and deletes it', async () => {
    const product = aProduct({ categories: ['Shoes>Running ', 'Sale'], currency: 'eur' })
    const { id, ...body } = product
    const created = await api.secret<Item>('PUT', itemPath(id), body)
    assert.equal(created.status, 200, JSON.stringify(created.body))
    assert.equal(created.body.id, id)

    const read = await api.secret<Item>('GET', itemPath(id))
    assert.equal(read.status, 200)
    assert.deepEqual(read.body, created.body)
    assert.deepEqual(read.body.categories, ['Shoes > Running', 'Sale'], 'category paths normalised')
    assert.equal(read.body.currency, 'EUR')
    assert.equal(read.body.price, 89.9)
    assert.equal(read.body.available, true, 'available by default')
    assert.equal(read.body.imageUrl, null)
    assert.deepEqual(read.body.attributes, { colour: 'blue' })

    // PUT replaces the whole item: omitted fields go back to their defaults; createdAt stays.
    const replaced = await api.secret<Item>('PUT', itemPath(id), { id, title: 'Renamed', available: false })
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body))
    const again = (await api.secret<Item>('GET', itemPath(id))).body
    assert.equal(again.title, 'Renamed')
    assert.equal(again.available, false)
    assert.equal(again.price, null)
    assert.deepEqual(again.categories, [])
    assert.deepEqual(again.tags, [])
    assert.equal(again.inventory, null)
    assert.equal(again.createdAt, read.body.createdAt)
    assert.ok(again.updatedAt >= read.body.updatedAt)

    const deleted = await api.secret('DELETE', itemPath(id))
    assert.equal(deleted.status, 204)
    assertError(await api.secret('GET', itemPath(id)), 404, 'not_found', 'id')
    assertError(await api.secret('DELETE', itemPath(id)), 404, 'not_found', 'id')
  })

  it('keeps ids with spaces and slashes intact when they are URL-encoded', async () => {
    const id = `odd id/${uniqueId('x')}`
    assert.equal((await api.secret('PUT', itemPath(id), { title: 'Odd' })).status, 200)
    const read = await api.secret<Item>('GET', itemPath(id))
    assert.equal(read.status, 200)
    assert.equal(read.body.id, id)
  })

  it('answers 404 not_found naming id for an unknown item', async () => {
    const reply = assertError(await api.secret('GET', itemPath(uniqueId('missing'))), 404, 'not_found', 'id')
    assert.match(reply.error.message, /no item/)
  })

  it('rejects a body whose id differs from the path, naming id, and writes nothing', async () => {
    const id = uniqueId('sku')
    assertError(await api.secret('PUT', itemPath(id), { id: 'another-id', title: 'X' }), 400, 'invalid_field', 'id')
    assertError(await api.secret('GET', itemPath(id)), 404, 'not_found')
    assertError(await api.secret('GET', itemPath('another-id')), 404, 'not_found')
  })

  it('rejects bad item fields with the field named', async () => {
    const id = uniqueId('sku')
    const cases: [Record<string, unknown>, string, string][] = [
      [{ price: 'abc' }, 'invalid_field', 'price'],
      [{ price: -1 }, 'invalid_field', 'price'],
      [{ currency: 'euro' }, 'invalid_field', 'currency'],
      [{ tags: ['ok', 7] }, 'invalid_field', 'tags[1]'],
      [{ categories: ['Shoes >  > Running'] }, 'invalid_field', 'categories[0]'],
      [{ inventory: 1.5 }, 'invalid_field', 'inventory'],
      [{ colour: 'blue' }, 'invalid_field', 'colour'],
    ]
    for (const [body, code, field] of cases) assertError(await api.secret('PUT', itemPath(id), body), 400, code, field)
    assertError(await request(`${server.url}${itemPath(id)}`, { method: 'PUT', body: '{"title": ', auth: bearer(server.secretKey) }), 400, 'invalid_json')
    assertError(await api.secret('GET', itemPath(id)), 404, 'not_found')
  })
})

describe('batch upsert', () => {
  it('writes every good item and lists each bad one by index with its field (400 invalid_items)', async () => {
    const good = [aProduct(), aProduct({ price: null }), aProduct({ categories: [] })]
    const badPrice = aProduct({ price: 'abc' })
    const noId = { title: 'No id' }
    const badTag = aProduct({ tags: [''] })
    const items = [good[0], badPrice, good[1], noId, 'text', good[2], badTag]
    const reply = await api.secret('POST', '/v1/items', { items })
    const body = assertError(reply, 400, 'invalid_items', 'items[1].price')
    assert.equal(body.upserted, 3)
    assert.deepEqual(
      body.rejected!.map((r) => [r.index, r.code, r.field]),
      [
        [1, 'invalid_field', 'items[1].price'],
        [3, 'missing_field', 'items[3].id'],
        [4, 'invalid_field', 'items[4]'],
        [6, 'invalid_field', 'items[6].tags[0]'],
      ],
    )
    for (const item of good) assert.equal((await api.secret<Item>('GET', itemPath(item!.id))).status, 200, `${item!.id} was written`)
    for (const item of [badPrice, badTag]) assertError(await api.secret('GET', itemPath(item.id)), 404, 'not_found')
  })

  it('answers 200 with the count when every item is good, and the last copy of a repeated id wins', async () => {
    const a = aProduct({ title: 'first' })
    const reply = await api.secret('POST', '/v1/items', { items: [a, aProduct(), { ...a, title: 'second' }] })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(reply.body, { upserted: 2 })
    assert.equal((await api.secret<Item>('GET', itemPath(a.id))).body.title, 'second')
  })

  it('refuses more than 1,000 items with 413 payload_too_large naming items, writing none', async () => {
    const items = Array.from({ length: 1001 }, () => aProduct({ description: null, attributes: {} }))
    assertError(await api.secret('POST', '/v1/items', { items }), 413, 'payload_too_large', 'items')
    assertError(await api.secret('GET', itemPath(items[0]!.id)), 404, 'not_found')
    assertError(await api.secret('POST', '/v1/items', { products: [] }), 400, 'missing_field', 'items')
  })
})

describe('listing', () => {
  it('pages through every item by id with a cursor, no item twice and none missing', async () => {
    const own = await startServer()
    try {
      const a = new Api(own)
      const ids = Array.from({ length: 57 }, (_, i) => `item-${String(i).padStart(3, '0')}-${uniqueId('p').slice(-6)}`)
      const shuffled = [...ids].sort(() => Math.random() - 0.5)
      assert.equal((await a.secret('POST', '/v1/items', { items: shuffled.map((id) => aProduct({ id })) })).status, 200)
      const listed = await listAll(a, 10)
      assert.deepEqual(listed.pages, [10, 10, 10, 10, 10, 7])
      assert.equal(new Set(listed.ids).size, listed.ids.length, 'no duplicates')
      assert.deepEqual(listed.ids, [...ids].sort(), 'all items, in id order')
      // A page size that divides the count exactly ends with a null cursor, not an empty page.
      const exact = await listAll(a, 19)
      assert.deepEqual(exact.pages, [19, 19, 19])
      assert.deepEqual((await listAll(a, 1000)).ids, listed.ids)
    } finally {
      await own.close()
    }
  })

  it('filters by category including descendants, not by string prefix, also while paging', async () => {
    const own = await startServer()
    try {
      const a = new Api(own)
      const items = [
        aProduct({ id: 'a-shoes', categories: ['Shoes'] }),
        aProduct({ id: 'b-running', categories: ['Shoes > Running'] }),
        aProduct({ id: 'c-trail', categories: ['Shoes > Running > Trail'] }),
        aProduct({ id: 'd-shoeshine', categories: ['Shoeshine'] }),
        aProduct({ id: 'e-socks', categories: ['Apparel > Socks', 'Shoes > Accessories'] }),
        aProduct({ id: 'f-hats', categories: ['Apparel > Hats'] }),
        aProduct({ id: 'g-none', categories: [] }),
      ]
      assert.equal((await a.secret('POST', '/v1/items', { items })).status, 200)
      assert.deepEqual((await listAll(a, 2, 'Shoes')).ids, ['a-shoes', 'b-running', 'c-trail', 'e-socks'])
      assert.deepEqual((await listAll(a, 50, 'Shoes>Running')).ids, ['b-running', 'c-trail'], 'the path is normalised')
      assert.deepEqual((await listAll(a, 50, 'Shoes > Running > Trail')).ids, ['c-trail'])
      assert.deepEqual((await listAll(a, 50, 'Apparel')).ids, ['e-socks', 'f-hats'])
      assert.deepEqual((await listAll(a, 50, 'Garden')).ids, [])
      assertError(await a.secret('GET', '/v1/items?category=Shoes%20%3E%20'), 400, 'invalid_field', 'category')
      assertError(await a.secret('GET', '/v1/items?limit=1001'), 400, 'invalid_field', 'limit')
    } finally {
      await own.close()
    }
  })
})

describe('categories', () => {
  it('marks a category sensitive and makes its whole subtree sensitive; unmarking clears the subtree', async () => {
    const root = `Health ${uniqueId('c').slice(-8)}`
    const other = `Garden ${uniqueId('c').slice(-8)}`
    const items = [
      aProduct({ categories: [`${root} > Vitamins`] }),
      aProduct({ categories: [`${root} > Vitamins > Zinc`] }),
      aProduct({ categories: [`${other} > Tools`] }),
    ]
    assert.equal((await api.secret('POST', '/v1/items', { items })).status, 200)
    const marked = await api.secret<{ data: CategoryView[] }>('POST', '/v1/categories', { categories: [{ path: root, sensitive: true }] })
    assert.equal(marked.status, 200, JSON.stringify(marked.body))

    const list = async () => {
      const reply = await api.secret<{ data: CategoryView[] }>('GET', '/v1/categories')
      assert.equal(reply.status, 200)
      return new Map(reply.body.data.map((c) => [c.path, c]))
    }
    let categories = await list()
    assert.deepEqual(categories.get(root), { path: root, sensitive: true, inheritedSensitive: false, itemCount: 2 })
    assert.deepEqual(categories.get(`${root} > Vitamins`), { path: `${root} > Vitamins`, sensitive: true, inheritedSensitive: true, itemCount: 2 })
    assert.deepEqual(categories.get(`${root} > Vitamins > Zinc`), { path: `${root} > Vitamins > Zinc`, sensitive: true, inheritedSensitive: true, itemCount: 1 })
    assert.equal(categories.get(other)?.sensitive, false)
    assert.equal(categories.get(`${other} > Tools`)?.sensitive, false)
    assert.deepEqual(new Map(marked.body.data.map((c) => [c.path, c])).get(`${root} > Vitamins`), categories.get(`${root} > Vitamins`), 'the POST answers the new list')

    assert.equal((await api.secret('POST', '/v1/categories', { categories: [{ path: root, sensitive: false }] })).status, 200)
    categories = await list()
    for (const path of [root, `${root} > Vitamins`, `${root} > Vitamins > Zinc`]) {
      assert.equal(categories.get(path)?.sensitive, false, path)
      assert.equal(categories.get(path)?.inheritedSensitive, false, path)
    }
  })

  it('rejects a bad sensitivity list naming the field', async () => {
    assertError(await api.secret('POST', '/v1/categories', { categories: [] }), 400, 'missing_field', 'categories')
    assertError(await api.secret('POST', '/v1/categories', { categories: [{ path: 'A', sensitive: 'yes' }] }), 400, 'invalid_field', 'categories[0].sensitive')
    assertError(await api.secret('POST', '/v1/categories', { categories: [{ sensitive: true }] }), 400, 'missing_field', 'categories[0].path')
  })
})

describe('keys', () => {
  it('requires the secret key on every catalogue route: 403 for the write key, 401 without a key', async () => {
    const id = uniqueId('sku')
    const routes: [string, string, unknown][] = [
      ['PUT', itemPath(id), { title: 'X' }],
      ['GET', itemPath(id), undefined],
      ['DELETE', itemPath(id), undefined],
      ['GET', '/v1/items', undefined],
      ['POST', '/v1/items', { items: [aProduct({ id })] }],
      ['GET', '/v1/categories', undefined],
      ['POST', '/v1/categories', { categories: [{ path: 'A', sensitive: true }] }],
    ]
    for (const [method, path, json] of routes) {
      const at = `${server.url}${path}`
      assertError(await request(at, { method, json, auth: bearer(server.writeKey) }), 403, 'insufficient_scope', 'authorization')
      assertError(await request(at, { method, json, auth: basicAuth(server.writeKey) }), 403, 'insufficient_scope', 'authorization')
      assertError(await request(at, { method, json }), 401, 'missing_key', 'authorization')
    }
    assertError(await api.secret('GET', itemPath(id)), 404, 'not_found', 'id')
  })
})
