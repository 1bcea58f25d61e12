/**
 * The browser SDK in Debian's Chromium, on a shop origin of its own talking to a real engine: page views
 * and batching, the anonymous-id cookie, retries that never double count, the offline queue, the beacon
 * on page hide, consent mode, and a recommendation widget whose clicks are attributed. Also its size.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { generateShop } from '../../src/evaluation/index.ts'
import { Api, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { launchBrowser, shopOrigin, type ShopOrigin } from '../support/browser.ts'
import { waitFor } from '../support/child-server.ts'

/** The SDK's calls used here (the callbacks below run in the page, where `attune` is a global). */
interface Sdk {
  track(event: string, properties: object): void
  consent(purposes: object | boolean): void
  anonymousId(): string
}

describe('browser SDK', () => {
  let server: TestServer
  let shop: ShopOrigin
  let browser: Browser
  let context: BrowserContext

  const page = (script: string, body = '') =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test shop</title>${script}</head><body>${body}</body></html>`
  const tag = (attributes = '') => `<script src="${server.url}/sdk/attune.js" data-write-key="${server.writeKey}" data-host="${server.url}" ${attributes}></script>`
  const eventsOf = async (anonymousId: string) => (await new Api(server).eventsPage(anonymousId, 100)).data
  const open = async (path: string): Promise<Page> => {
    const p = await context.newPage()
    await p.goto(`${shop.url}${path}`)
    await p.waitForFunction(() => (globalThis as unknown as { attune?: { loaded: boolean } }).attune?.loaded === true)
    return p
  }
  const anonymousIdOf = (p: Page) => p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.anonymousId())

  before(async () => {
    server = await startServer()
    await loadShop(server, generateShop({ seed: 3, people: 200, items: 60, days: 30 }))
    await trainActiveModel(server)
    await server.engine.impressions.flush()
    shop = await shopOrigin({
      '/': page(tag()),
      '/consent': page(tag('data-consent="required" data-necessary="Order Completed"')),
      '/widget': page(tag(), '<div id="w" data-attune-placement="home" data-attune-strategy="trending" data-attune-count="4" data-attune-title="Trending" data-attune-href="/product/{id}"></div>'),
      '/product/x': page('', 'a product'),
      '/content': page(
        tag(),
        `<div id="banner" data-attune-content="home-banner">
           <template data-attune-variant="welcome" data-attune-default><h2>Welcome</h2></template>
           <template data-attune-variant="shoes" data-attune-category="Shoes"><h2>Fresh miles ahead</h2></template>
           <template data-attune-variant="outdoor" data-attune-category="Outdoor"><h2>Into the hills</h2></template>
         </div>`,
      ),
      '/elsewhere': page('', 'another site page'),
    })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
    await server?.close()
  })

  it('is small: under 10 KB gzipped, without dependencies', () => {
    const source = fs.readFileSync(new URL('../../sdk/attune.js', import.meta.url))
    assert.ok(gzipSync(source, { level: 9 }).length < 10 * 1024, `${gzipSync(source).length} bytes gzipped`)
    assert.doesNotMatch(source.toString(), /\brequire\(|\bimport\s/)
  })

  it('sends a page view and tracked events in one batch, tied to a first-party cookie', async () => {
    context = await browser.newContext()
    const batches: string[] = []
    context.on('request', (r) => {
      if (r.url().endsWith('/v1/batch')) batches.push(r.postData() ?? '')
    })
    const p = await open('/')
    await p.evaluate(() => {
      const a = (globalThis as unknown as { attune: Sdk }).attune
      a.track('Product Viewed', { product_id: 'p-1' })
      a.track('Product Added', { product_id: 'p-1', price: 12 })
    })
    const anon = await anonymousIdOf(p)
    const cookies = await context.cookies(shop.url)
    assert.equal(cookies.find((c) => c.name === 'ajs_anonymous_id')?.value, anon)
    await waitFor(async () => (await eventsOf(anon)).length === 3, 5000)
    assert.equal(batches.length, 1, 'one request for the page view and both events')
    assert.deepEqual((await eventsOf(anon)).map((e) => (e.type === 'page' ? 'page' : e.event)).sort(), ['Product Added', 'Product Viewed', 'page'])
    await context.close()
  })

  it('retries sends whose answer was lost with the same messageIds, so nothing is stored twice', async () => {
    context = await browser.newContext()
    let failures = 0
    // The first two sends reach the engine and are stored, but their answers are lost on the way back.
    await context.route('**/v1/batch', async (route) => {
      if (route.request().method() !== 'POST' || failures++ >= 2) return route.continue()
      await route.fetch()
      await route.abort('connectionreset')
    })
    const p = await open('/')
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.track('Product Viewed', { product_id: 'p-2' }))
    const anon = await anonymousIdOf(p)
    // Done when the SDK got an answer: its queue is empty.
    await p.waitForFunction(() => JSON.parse((globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('attune.queue') ?? '[]').length === 0, undefined, { timeout: 15_000 })
    const events = await eventsOf(anon)
    assert.equal(failures >= 3, true, 'two failures, then a send that went through')
    assert.equal(events.length, 2, JSON.stringify(events))
    assert.equal(new Set(events.map((e) => e.messageId)).size, 2)
    await context.close()
  })

  it('keeps events made offline and sends them once back online', async () => {
    context = await browser.newContext()
    const p = await open('/')
    const anon = await anonymousIdOf(p)
    await waitFor(async () => (await eventsOf(anon)).length === 1, 5000) // the page view
    await context.setOffline(true)
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.track('Product Viewed', { product_id: 'offline-1' }))
    await p.waitForTimeout(1500)
    const queued = await p.evaluate(() => JSON.parse((globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('attune.queue') ?? '[]').length)
    assert.equal(queued, 1, 'held in the offline queue')
    await context.setOffline(false)
    await waitFor(async () => (await eventsOf(anon)).length === 2, 8000)
    await context.close()
  })

  it('sends what is queued by beacon when the visitor leaves the page', async () => {
    context = await browser.newContext()
    const p = await open('/')
    const anon = await anonymousIdOf(p)
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.track('Product Viewed', { product_id: 'leaving' }))
    await p.goto(`${shop.url}/elsewhere`) // at once: before the 1 s batch timer
    await waitFor(async () => (await eventsOf(anon)).some((e) => e.event === 'Product Viewed'), 5000)
    await context.close()
  })

  it('sends nothing without consent except the necessary events, then the consent itself once granted', async () => {
    context = await browser.newContext()
    const sent: string[] = []
    context.on('request', (r) => {
      if (r.url().startsWith(server.url) && r.url().includes('/v1/')) sent.push(r.postData() ?? '')
    })
    const p = await open('/consent')
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.track('Product Viewed', { product_id: 'p-3' }))
    await p.waitForTimeout(1500)
    assert.deepEqual(sent, [], 'no event left the page')
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.track('Order Completed', { order_id: 'o-1', revenue: 5 }))
    await waitFor(async () => sent.length === 1, 3000)
    assert.match(sent[0]!, /Order Completed/)
    assert.doesNotMatch(sent[0]!, /Product Viewed/)
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.consent({ analytics: true, personalization: true }))
    await waitFor(async () => sent.length === 2, 3000)
    assert.match(sent[1]!, /"consent":\{"analytics":true,"personalization":true\}/)
    // Withdrawn: the withdrawal is the last thing sent, and later events stay in the page, also after a reload.
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.consent(false))
    await waitFor(async () => sent.length === 3, 3000)
    assert.match(sent[2]!, /"consent":\{"analytics":false,"personalization":false\}/)
    await p.reload()
    await p.waitForFunction(() => (globalThis as unknown as { attune?: { loaded: boolean } }).attune?.loaded === true)
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.track('Product Viewed', { product_id: 'p-4' }))
    await p.waitForTimeout(1500)
    assert.equal(sent.length, 3, 'nothing after the withdrawal')
    await context.close()
  })

  it('sends nothing at all when a first-time visitor declines', async () => {
    context = await browser.newContext()
    const sent: string[] = []
    context.on('request', (r) => {
      if (r.url().startsWith(server.url) && r.url().includes('/v1/')) sent.push(r.postData() ?? '')
    })
    const p = await open('/consent')
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.consent(false))
    await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.track('Product Viewed', { product_id: 'p-5' }))
    await p.waitForTimeout(1500)
    assert.deepEqual(sent, [])
    await context.close()
  })

  it('fills a content placement with the variant of the visitor’s interest, and the default for a newcomer', async () => {
    context = await browser.newContext()
    const p = await open('/content')
    await p.waitForSelector('#banner[data-attune-variant]')
    assert.equal(await p.locator('#banner').getAttribute('data-attune-variant'), 'welcome')
    assert.equal(await p.locator('#banner [data-attune-slot] h2').textContent(), 'Welcome')
    const shoes = (await request(`${server.url}/v1/items?limit=100&category=Shoes`, { auth: bearer(server.secretKey) })).body.data as { id: string }[]
    assert.ok(shoes.length >= 3)
    const anon = await anonymousIdOf(p)
    await p.evaluate((ids) => {
      for (const id of ids) (globalThis as unknown as { attune: Sdk }).attune.track('Product Viewed', { product_id: id })
    }, shoes.slice(0, 3).map((it) => it.id))
    await waitFor(async () => (await request(`${server.url}/v1/people/${anon}`, { auth: bearer(server.secretKey) })).body?.recentlyViewed?.length === 3, 5000)
    await p.reload()
    await p.waitForSelector('#banner[data-attune-variant]')
    assert.equal(await p.locator('#banner').getAttribute('data-attune-variant'), 'shoes')
    assert.equal(await p.locator('#banner [data-attune-slot] h2').textContent(), 'Fresh miles ahead')
    await context.close()
  })

  it('renders a recommendation widget with accessible markup and attributes its clicks', async () => {
    context = await browser.newContext()
    const p = await open('/widget')
    await p.waitForSelector('#w[data-attune-state="ready"]')
    const items = p.locator('#w li a')
    assert.equal(await items.count(), 4)
    assert.equal(await p.locator('#w section').getAttribute('aria-label'), 'Trending')
    assert.equal(await p.locator('#w img').first().getAttribute('loading'), 'lazy')
    const recommId = await p.locator('#w').getAttribute('data-attune-recomm-id')
    const clicked = await items.first().getAttribute('data-attune-item')
    await items.first().click()
    await p.waitForURL(`**/product/${clicked}`)
    const anon = await anonymousIdOf(await open('/')) // the click was queued before leaving; this page sends it
    await waitFor(async () => (await eventsOf(anon)).some((e) => e.event === 'Product Clicked'), 5000)
    await server.engine.impressions.flush()
    const report = await request(`${server.url}/v1/reports/recommendations`, { auth: bearer(server.secretKey) })
    const trending = (report.body.strategies as { strategy: string; clicks: number }[]).find((s) => s.strategy === 'trending')
    assert.equal(trending?.clicks, 1, `${recommId}: ${JSON.stringify(report.body)}`)
    await context.close()
  })
})
