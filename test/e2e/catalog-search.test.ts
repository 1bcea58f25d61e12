/**
 * The dashboard's catalogue API over real HTTP: searching the catalogue (`GET /v1/items?q=`, with the
 * category and stock filters and paging, each item with its stock status), an item's related lists
 * (`GET /v1/items/:id/related`) from the real recommender and a trained model, with the level each item
 * came from and no impressions recorded, and what `GET /v1/models` says about a version for the models page.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ItemInput } from '../../src/core/index.ts'
import { generateShop } from '../../src/evaluation/index.ts'
import { CHAINS } from '../../src/recommend/index.ts'
import type { CatalogItemsPage } from '../../src/server/routes/catalog.ts'
import type { ItemRelatedReply } from '../../src/server/routes/item-related.ts'
import type { ModelsReply } from '../../src/server/routes/models.ts'
import { Api, assertError, type Reply, request } from '../builders/http.ts'
import { signInStaff, type StaffSession } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'

const HOSTILE = '<img src=x onerror=alert(1)>'

describe('catalogue search', () => {
  let server: TestServer
  let api: Api
  before(async () => {
    server = await startServer()
    api = new Api(server)
    const items: ItemInput[] = [
      { id: 'RUN-100', title: 'Trail Running Shoe', brand: 'Nike', categories: ['Shoes > Running'], price: 90, inventory: 12 },
      { id: 'run-101', title: 'Road Running Shoe', brand: 'Asics', categories: ['Shoes > Running'], price: 110, inventory: 0 },
      { id: 'run-102', title: 'Running Socks (3 pairs)', brand: 'Nike', categories: ['Shoes > Socks'], price: 15, available: false },
      { id: 'mug-1', title: 'Café Crème Mug', brand: 'Ünique Home', categories: ['Home > Kitchen'], price: 12 },
      { id: 'xss-1', title: HOSTILE, brand: `"><script>alert(2)</script>`, categories: ['Home > Kitchen'] },
      ...Array.from({ length: 25 }, (_, i) => ({ id: `bulk-${String(i).padStart(2, '0')}`, title: `Bulk running gel n${i}`, brand: 'Gu', categories: ['Food > Gels'] })),
    ]
    const posted = await api.secret('POST', '/v1/items', { items })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
  })
  after(() => server?.close())

  const search = async (query: Record<string, string>): Promise<Reply<CatalogItemsPage>> => api.secret('GET', `/v1/items?${new URLSearchParams(query)}`)
  const ids = async (query: Record<string, string>) => {
    const reply = await search(query)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body.data.map((i) => i.id)
  }

  it('finds items by id prefix in any case, or by words of title and brand', async () => {
    assert.deepEqual(await ids({ q: 'run-10' }), ['RUN-100', 'run-101', 'run-102'])
    assert.deepEqual(await ids({ q: 'nike RUN' }), ['RUN-100', 'run-102'])
    assert.deepEqual(await ids({ q: 'shoe asics' }), ['run-101'])
    assert.deepEqual(await ids({ q: 'creme' }), ['mug-1'], 'accents ignored')
    assert.deepEqual(await ids({ q: 'unique' }), ['mug-1'], 'brand words')
    assert.deepEqual(await ids({ q: 'onerror' }), ['xss-1'])
    assert.deepEqual(await ids({ q: 'zebra' }), [])
    assert.equal((await ids({ q: '   ', limit: '1000' })).length, 30, 'an empty query searches nothing away')
  })

  it('combines the search with the category and stock filters, and says each item\'s stock', async () => {
    assert.deepEqual(await ids({ q: 'running', category: 'Shoes > Running' }), ['RUN-100', 'run-101'])
    assert.deepEqual(await ids({ q: 'running', category: 'Shoes' }), ['RUN-100', 'run-101', 'run-102'])
    assert.deepEqual(await ids({ q: 'running shoe', inStock: 'true' }), ['RUN-100'])
    assert.deepEqual(await ids({ q: 'run-1', inStock: 'false' }), ['run-101', 'run-102'])
    const reply = await search({ q: 'run-1' })
    assert.deepEqual(
      reply.body.data.map((i) => [i.id, i.stock, i.available, i.inventory]),
      [
        ['RUN-100', 'in_stock', true, 12],
        ['run-101', 'out_of_stock', true, 0],
        ['run-102', 'unavailable', false, null],
      ],
    )
    const hostile = (await search({ q: 'img' })).body.data[0]!
    assert.equal(hostile.title, HOSTILE, 'stored and returned as given')
  })

  it('pages through the results with the same filters, none skipped or repeated', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const reply: Reply<CatalogItemsPage> = await search({ q: 'running', limit: '7', ...(cursor && { cursor }) })
      assert.equal(reply.status, 200)
      seen.push(...reply.body.data.map((i) => i.id))
      cursor = reply.body.nextCursor
      pages += 1
    } while (cursor)
    assert.equal(pages, 4)
    assert.equal(seen.length, 28, '25 gels and 3 run items')
    assert.equal(new Set(seen).size, seen.length)
    assert.deepEqual(seen, [...seen].sort())
  })

  it('refuses bad filters with the field named', async () => {
    assertError(await search({ q: 'x'.repeat(201) }), 400, 'invalid_field', 'q')
    assertError(await search({ inStock: 'maybe' }), 400, 'invalid_field', 'inStock')
    assertError(await search({ q: 'run', cursor: 'not-a-cursor' }), 400, 'invalid_field', 'cursor')
    assertError(await search({ category: 'Shoes >  > Running' }), 400, 'invalid_field', 'category')
  })
})

describe("an item's related lists", () => {
  let server: TestServer
  let api: Api
  let viewer: StaffSession
  let sold: string
  before(async () => {
    server = await startServer()
    api = new Api(server)
    const shop = generateShop({ seed: 5, people: 300, items: 80, days: 40 })
    await loadShop(server, shop)
    // The item bought most often: the model has neighbours for it.
    const counts = new Map<string, number>()
    for (const e of shop.events) {
      const products = e.event === 'Order Completed' ? ((e.properties?.products as { product_id: string }[] | undefined) ?? []) : []
      for (const p of products) counts.set(p.product_id, (counts.get(p.product_id) ?? 0) + 1)
    }
    sold = [...counts].sort((a, b) => b[1] - a[1])[0]![0]
    await server.engine.staff.add({ email: 'viewer@example.com', role: 'viewer', password: 'viewer password 1' })
    viewer = await signInStaff(server.url, 'viewer@example.com', 'viewer password 1')
  })
  after(() => server?.close())

  const related = (id: string, query = '') => api.secret<ItemRelatedReply>('GET', `/v1/items/${encodeURIComponent(id)}/related${query}`)

  it('says there is no model yet instead of failing', async () => {
    const reply = await related(sold)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.equal(reply.body.modelVersion, null)
    assert.match(reply.body.note ?? '', /no model is trained yet/)
    assert.deepEqual(reply.body.lists.map((l) => [l.strategy, l.items.length]), [['also-bought', 0], ['also-viewed', 0], ['similar', 0], ['complete-the-look', 0]])
  })

  it('answers the four lists from the trained model, with reasons and the level of each item, recording no impressions', async () => {
    await trainActiveModel(server)
    const from = Date.now() - 1000
    const reply = await related(sold, '?count=6')
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    const body = reply.body
    assert.equal(body.item.id, sold)
    assert.equal(body.modelVersion, server.engine.models.current?.version.id)
    assert.equal(body.note, null)
    const byStrategy = new Map(body.lists.map((l) => [l.strategy, l]))
    for (const strategy of ['also-bought', 'also-viewed', 'similar'] as const) {
      const list = byStrategy.get(strategy)!
      assert.deepEqual(list.chain, CHAINS[strategy])
      assert.equal(list.items.length, 6, `${strategy}: ${JSON.stringify(list)}`)
      assert.equal(list.items[0]!.level, strategy, `${strategy} answers from its own level first`)
      for (const item of list.items) {
        assert.ok((list.chain as string[]).includes(item.level), `${item.level} is a level of ${strategy}`)
        assert.ok(list.servedBy.includes(item.level))
        assert.ok(item.reason.length > 0)
        assert.notEqual(item.id, sold, 'never the item itself')
        assert.equal(item.stock, 'in_stock', 'shoppers see items in stock')
      }
      // Levels fill the list in chain order.
      const order = list.items.map((i) => list.chain.indexOf(i.level))
      assert.deepEqual(order, [...order].sort((a, b) => a - b))
    }
    assert.match(byStrategy.get('also-bought')!.items[0]!.reason, /^Customers who bought .* also bought this$/)
    const look = byStrategy.get('complete-the-look')!
    for (const item of look.items) assert.ok(['complete-the-look', 'complementary-categories'].includes(item.level))
    // The same lists as the recommendations API gives a shopper.
    const shopper = await api.secret('POST', '/v1/recommendations', { strategy: 'also-bought', itemId: sold, count: 6 })
    assert.deepEqual(byStrategy.get('also-bought')!.items.map((i) => i.id), shopper.body.placements[0].items.map((i: { id: string }) => i.id))
    await server.engine.impressions.flush()
    const shown = await server.engine.store.impressions.range(from, Date.now() + 1000)
    assert.deepEqual(shown.map((s) => s.strategy), ['also-bought'], 'only the shopper request left an impression')
  })

  it('leaves out items out of stock as shoppers would, and shows them with inStock=false', async () => {
    const before = (await related(sold, '?count=6')).body.lists[0]!
    const top = before.items[0]!
    const item = (await api.secret('GET', `/v1/items/${encodeURIComponent(top.id)}`)).body
    const { id: _id, createdAt: _c, updatedAt: _u, ...rest } = item
    assert.equal((await api.secret('PUT', `/v1/items/${encodeURIComponent(top.id)}`, { ...rest, inventory: 0 })).status, 200)
    // The recommender's catalogue cache keeps details for up to 5 seconds.
    await new Promise((r) => setTimeout(r, 5500))
    const hidden = (await related(sold, '?count=6')).body.lists[0]!
    assert.ok(!hidden.items.some((i) => i.id === top.id), 'out of stock: not shown to shoppers')
    const shown = (await related(sold, '?count=6&inStock=false')).body.lists[0]!
    assert.deepEqual(shown.items.find((i) => i.id === top.id)?.stock, 'out_of_stock')
    assert.equal((await api.secret('PUT', `/v1/items/${encodeURIComponent(top.id)}`, rest)).status, 200)
  })

  it('compares by content for an item added after training, and names it in the note', async () => {
    const fresh = { id: 'fresh-1', title: 'Brand new thing', categories: ['Fresh > Things'], price: 5 }
    assert.equal((await api.secret('PUT', '/v1/items/fresh-1', fresh)).status, 200)
    const reply = await related('fresh-1')
    assert.equal(reply.status, 200)
    const also = reply.body.lists.find((l) => l.strategy === 'also-bought')!
    assert.match(also.note ?? '', /"fresh-1" is not in the model/)
    assert.ok(!also.servedBy.includes('also-bought'))
  })

  it('lets any staff member read them, 404s an unknown item and refuses bad counts', async () => {
    const asViewer = await request(`${server.url}/v1/items/${encodeURIComponent(sold)}/related`, { headers: { cookie: viewer.cookie } })
    assert.equal(asViewer.status, 200)
    assertError(await related('no-such-item'), 404, 'not_found', 'id')
    assertError(await related(sold, '?count=0'), 400, 'invalid_field', 'count')
    assertError(await related(sold, '?count=51'), 400, 'invalid_field', 'count')
    assertError(await related(sold, '?inStock=sometimes'), 400, 'invalid_field', 'inStock')
  })

  it('shows the versions for the models page: stage while training, metrics next to bestsellers, timings', async () => {
    const started = await api.secret('POST', '/v1/models/train')
    assert.equal(started.status, 202)
    assert.equal(started.body.status, 'training')
    assert.equal(started.body.stage, 'queued')
    assert.equal(started.body.metrics, null)
    assert.equal(started.body.timings.totalSeconds, null)
    const stages = new Set<string>()
    let version: ModelsReply['data'][number] | undefined
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
      version = (await api.secret<ModelsReply>('GET', '/v1/models')).body.data.find((v) => v.id === started.body.id)
      if (version?.status === 'training') {
        if (version.stage) stages.add(version.stage)
        assert.ok(version.progress >= 0 && version.progress < 1)
      } else break
    }
    assert.equal(version?.status, 'ready', version?.error ?? '')
    assert.ok(stages.size >= 1, `stages seen while training: ${[...stages]}`)
    assert.equal(version!.stage, null)
    assert.equal(version!.progress, 1)
    assert.equal(version!.k, 10)
    assert.ok(version!.baseline && version!.baseline.ndcg >= 0)
    assert.deepEqual(version!.baseline, version!.metrics!.bestsellers)
    for (const key of ['blend', 'also-bought', 'also-viewed', 'similar', 'complete-the-look']) assert.ok(version!.metrics![key], key)
    assert.ok(version!.metrics!.blend!.ndcg > version!.baseline!.ndcg, 'personalized beats bestsellers on the synthetic shop')
    assert.ok(version!.timings.totalSeconds! > 0)
    assert.ok(version!.timings.stages.validation! >= 0 && version!.timings.stages.neighbours! >= 0)
    assert.ok(Date.parse(version!.heartbeatAt) >= Date.parse(version!.createdAt))
    // Roll back: the older ready version becomes active again.
    const list = (await api.secret<ModelsReply>('GET', '/v1/models')).body
    assert.equal(list.active, started.body.id)
    const older = list.data.find((v) => v.id !== started.body.id && v.status === 'ready')!
    const back = await request(`${server.url}/v1/models/${older.id}/activate`, { method: 'POST', headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrfToken } })
    assertError(back, 403, 'insufficient_scope')
    const rolled = await api.secret('POST', `/v1/models/${older.id}/activate`)
    assert.equal(rolled.status, 200)
    assert.equal((await api.secret<ModelsReply>('GET', '/v1/models')).body.active, older.id)
  })
})
