/**
 * The browser SDK against hostile data, in Debian's Chromium: an event the engine refuses is dropped
 * (never retried) while the events beside and behind it are stored; an event that cannot be serialised
 * does not block the queue; and widget items whose URLs were stored as `javascript:` before the engine
 * checked them render as text, not links, with markup in titles shown as text.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ItemInput } from '../../src/core/index.ts'
import { generateShop } from '../../src/evaluation/index.ts'
import { Api } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { launchBrowser, shopOrigin, type ShopOrigin } from '../support/browser.ts'
import { waitFor } from '../support/child-server.ts'

interface Sdk {
  track(event: string, properties: object): void
  anonymousId(): string
  widgets(): Promise<unknown>
}
/** What the callbacks below find in the page (they run there, so they name globals, not this module's helpers). */
type PageGlobals = { attune: Sdk; localStorage: { getItem(k: string): string | null }; hacked?: number }

/** Written straight into the store, as a server before the URL check would have kept them (before the training, so the model knows them). */
const HOSTILE: ItemInput[] = [
  { id: 'evil-link', title: '<script>globalThis.hacked = 1</script>Socks', categories: ['Apparel'], url: 'javascript:globalThis.hacked=2', imageUrl: 'javascript:globalThis.hacked=3', available: true },
  { id: 'evil-img', title: '<img src=x onerror="globalThis.hacked=4">Cap', categories: ['Apparel'], url: ' JaVa\tScRiPt:globalThis.hacked=5', imageUrl: 'data:image/svg+xml,<svg onload="globalThis.hacked=6"/>', available: true },
  { id: 'fine-item', title: 'Plain shirt', categories: ['Apparel'], url: '/products/fine-item', imageUrl: 'https://img.example/shirt.png', available: true },
]

describe('browser SDK with hostile data', () => {
  let server: TestServer
  let shop: ShopOrigin
  let browser: Browser
  let context: BrowserContext

  const page = (script: string, body = '') =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test shop</title>${script}</head><body>${body}</body></html>`
  const tag = () => `<script src="${server.url}/sdk/attune.js" data-write-key="${server.writeKey}" data-host="${server.url}" data-auto-page="false"></script>`
  const eventsOf = async (anonymousId: string) => (await new Api(server).eventsPage(anonymousId, 500)).data
  const open = async (path: string): Promise<Page> => {
    const p = await context.newPage()
    await p.goto(`${shop.url}${path}`)
    await p.waitForFunction(() => (globalThis as unknown as { attune?: { loaded: boolean } }).attune?.loaded === true)
    return p
  }

  before(async () => {
    server = await startServer()
    server.engine.startWorkers()
    await loadShop(server, generateShop({ seed: 5, people: 120, items: 40, days: 20 }))
    await server.engine.store.upsertItems(HOSTILE, new Date())
    await trainActiveModel(server)
    shop = await shopOrigin({
      '/': page(tag()),
      '/viewed': page(tag(), '<div id="w" data-attune-placement="recent" data-attune-strategy="recently-viewed" data-attune-count="8"></div>'),
    })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
    await server?.close()
  })

  it('drops an event the engine refuses as too deeply nested, once, and the events beside and behind it are stored', async () => {
    context = await browser.newContext()
    const sends: number[] = []
    context.on('requestfinished', async (r) => {
      if (r.url().endsWith('/v1/batch')) sends.push((await r.response())?.status() ?? 0)
    })
    const p = await open('/')
    await p.evaluate(() => {
      const a = (globalThis as unknown as PageGlobals).attune
      let deep: object = { leaf: true }
      for (let i = 0; i < 5000; i++) deep = { a: deep }
      a.track('Product Viewed', { product_id: 'before' })
      a.track('Deep', { deep })
      a.track('Product Viewed', { product_id: 'after' })
    })
    const anon = await p.evaluate(() => (globalThis as unknown as PageGlobals).attune.anonymousId())
    await p.waitForFunction(() => JSON.parse((globalThis as unknown as PageGlobals).localStorage.getItem('attune.queue') ?? '[]').length === 0, undefined, { timeout: 10_000 })
    // Later events go too: the queue is not stuck behind the refused one.
    await p.evaluate(() => (globalThis as unknown as PageGlobals).attune.track('Product Viewed', { product_id: 'later' }))
    await waitFor(async () => (await eventsOf(anon)).length === 3, 10_000)
    assert.deepEqual((await eventsOf(anon)).map((e) => e.itemId).sort(), ['after', 'before', 'later'])
    await p.waitForTimeout(1500) // a retry, if there were one, would have gone by now
    assert.deepEqual(sends, [400, 200], 'the refused batch was sent once, then only the later event')
    await context.close()
  })

  it('retries a 408 (the request timed out) instead of dropping its events', async () => {
    context = await browser.newContext()
    let answered = 0
    await context.route('**/v1/batch', async (route) => {
      if (route.request().method() === 'POST' && answered++ === 0) return route.fulfill({ status: 408, contentType: 'application/json', body: '{"error":{"code":"timeout","message":"slow"}}' })
      return route.continue()
    })
    const p = await open('/')
    await p.evaluate(() => (globalThis as unknown as PageGlobals).attune.track('Product Viewed', { product_id: 'slow-1' }))
    const anon = await p.evaluate(() => (globalThis as unknown as PageGlobals).attune.anonymousId())
    await waitFor(async () => (await eventsOf(anon)).length === 1, 10_000)
    assert.ok(answered >= 2)
    await context.close()
  })

  it('drops an event that cannot be serialised (circular properties) without blocking the queue', async () => {
    context = await browser.newContext()
    const p = await open('/')
    await p.evaluate(() => {
      const a = (globalThis as unknown as PageGlobals).attune
      const circular: Record<string, unknown> = { product_id: 'loop' }
      circular.self = circular
      a.track('Product Viewed', circular)
      a.track('Product Viewed', { product_id: 'fine' })
    })
    const anon = await p.evaluate(() => (globalThis as unknown as PageGlobals).attune.anonymousId())
    await waitFor(async () => (await eventsOf(anon)).length === 1, 10_000)
    assert.deepEqual((await eventsOf(anon)).map((e) => e.itemId), ['fine'])
    await p.waitForFunction(() => JSON.parse((globalThis as unknown as PageGlobals).localStorage.getItem('attune.queue') ?? '[]').length === 0, undefined, { timeout: 5000 })
    await context.close()
  })

  it('renders items stored with javascript: URLs without a link or image, and markup in titles as text', async () => {
    context = await browser.newContext()
    const p = await open('/')
    await p.evaluate(() => {
      for (const id of ['fine-item', 'evil-img', 'evil-link']) (globalThis as unknown as PageGlobals).attune.track('Product Viewed', { product_id: id })
    })
    const anon = await p.evaluate(() => (globalThis as unknown as PageGlobals).attune.anonymousId())
    const api = new Api(server)
    await waitFor(async () => {
      const res = await api.secret('GET', `/v1/people/${anon}?type=anonymous_id`)
      return res.status === 200 && res.body.recentlyViewed.length === 3
    }, 10_000)

    const w = await open('/viewed')
    await w.waitForSelector('#w[data-attune-state]', { timeout: 10_000 })
    assert.equal(await w.getAttribute('#w', 'data-attune-state'), 'ready')
    const links = await w.$$eval('#w a.attune-link', (as) =>
      as.map((a) => ({ item: a.getAttribute('data-attune-item'), href: a.getAttribute('href'), images: [...a.querySelectorAll('img')].map((i) => i.getAttribute('src')), name: a.querySelector('.attune-name')?.textContent })),
    )
    const byId = Object.fromEntries(links.map((l) => [l.item, l]))
    assert.deepEqual(Object.keys(byId).sort(), ['evil-img', 'evil-link', 'fine-item'], JSON.stringify(links))
    assert.equal(byId['evil-link']!.href, null, 'no link for a javascript: URL')
    assert.equal(byId['evil-img']!.href, null, 'no link for a javascript: URL with spaces, tabs and mixed case')
    assert.deepEqual(byId['evil-link']!.images, [])
    assert.deepEqual(byId['evil-img']!.images, [], 'no image for a data: URL')
    assert.equal(byId['fine-item']!.href, '/products/fine-item')
    assert.deepEqual(byId['fine-item']!.images, ['https://img.example/shirt.png'])
    assert.equal(byId['evil-link']!.name, '<script>globalThis.hacked = 1</script>Socks', 'markup stays text')
    assert.equal(byId['evil-img']!.name, '<img src=x onerror="globalThis.hacked=4">Cap')
    assert.equal(await w.$$eval('#w script, #w [onerror], #w [onload]', (n) => n.length), 0)
    for (const id of ['evil-link', 'evil-img']) await w.click(`#w a[data-attune-item="${id}"]`)
    await w.waitForTimeout(200)
    assert.equal(await w.evaluate(() => (globalThis as unknown as PageGlobals).hacked), undefined, 'no script ran')
    await context.close()
  })
})
