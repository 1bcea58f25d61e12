/**
 * The demo storefront in Debian's Chromium against a real engine with the demo loaded: a new visitor gets
 * the fallback; three running-shoe views turn "for you" to running within a second; a sign-in on a second
 * browser brings the same person's history; a clicked recommendation that is bought (cart with
 * quantities, checkout, "Place order") is attributed to its strategy; without consent no event leaves the
 * page, and a declined consent keeps the server's banner impersonal after sign-in; hostile catalogue
 * text runs nothing on any page. Screenshots of the pages go to test/artifacts/screenshots/ for review.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { type DemoLoad, loadDemo } from '../../src/demo/index.ts'
import { bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { launchBrowser } from '../support/browser.ts'
import { waitFor } from '../support/child-server.ts'

const SHOTS = new URL('../artifacts/screenshots/', import.meta.url)
const RUNNING = 'Shoes > Running'

describe('demo storefront in a browser', () => {
  let server: TestServer
  let browser: Browser
  let runningIds: Set<string>
  let runningShoes: string[]
  let demo: DemoLoad

  const shot = (p: Page, name: string) => p.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true })
  const at = (p: Page, path: string) => p.goto(`${server.url}${path}`)
  const accept = async (p: Page) => {
    // On the home page the answer reloads it (the server picks the banner under the new answer).
    const reloads = (await p.locator('[data-banner-category="default"]').count()) > 0
    await Promise.all([reloads ? p.waitForEvent('load') : null, p.click('[data-consent-choice="accept"]')])
    await p.waitForFunction(() => (globalThis as unknown as { attune: { anonymousId(): string } }).attune.anonymousId() !== '')
  }
  /** The ids in the home page's "for you" carousel once rendered, and which levels served it. */
  const forYou = async (p: Page) => {
    await at(p, '/demo/')
    const widget = p.locator('[data-attune-placement="home-for-you"]')
    await p.waitForSelector('[data-attune-placement="home-for-you"][data-attune-state]')
    const ids = await widget.locator('a[data-attune-item]').evaluateAll((links) => links.map((a) => a.getAttribute('data-attune-item')!))
    return { ids, servedBy: (await widget.getAttribute('data-attune-served-by')) ?? '' }
  }
  const report = async () => (await request(`${server.url}/v1/reports/recommendations`, { auth: bearer(server.secretKey) })).body as { strategies: { strategy: string; clicks: number; orders: number; revenue: number }[] }

  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    const loading = await startServer()
    demo = await loadDemo(loading.engine, { people: 600, items: 160, days: 30 })
    await loading.stop()
    server = await startServer({ dataDir: loading.dataDir }) // demo.json exists now: the pages are served
    server.engine.startWorkers() // the projector, as `attune serve` runs it
    const listed = await request(`${server.url}/v1/items?limit=200&category=${encodeURIComponent(RUNNING)}`, { auth: bearer(server.secretKey) })
    const running = (listed.body.data as { id: string; available: boolean }[]).filter((it) => it.available)
    runningIds = new Set(running.map((it) => it.id))
    runningShoes = running.slice(0, 3).map((it) => it.id)
    assert.equal(runningShoes.length, 3)
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  let visitor: BrowserContext
  const user = `shopper-${Date.now()}`

  it('shows a new visitor the non-personalized fallback', async () => {
    visitor = await browser.newContext()
    const p = await visitor.newPage()
    await at(p, '/demo/')
    await accept(p)
    const { ids, servedBy } = await forYou(p)
    assert.ok(ids.length > 0)
    assert.doesNotMatch(servedBy, /personal/)
    assert.match(servedBy.split(' ')[0]!, /^(trending|bestsellers|category-bestsellers)$/, servedBy)
    const bestsellers = p.locator('[data-attune-placement="home-bestsellers"]')
    await p.waitForSelector('[data-attune-placement="home-bestsellers"][data-attune-state="ready"]')
    assert.equal(await bestsellers.getAttribute('data-attune-served-by'), 'bestsellers')
    assert.ok((await bestsellers.locator('a[data-attune-item]').count()) > 0)
    await shot(p, 'home-new-visitor')
  })

  it("turns 'for you' to running shoes within a second of viewing three of them", async () => {
    const p = visitor.pages()[0]!
    for (const id of runningShoes) {
      await at(p, `/demo/p/${id}`)
      await p.waitForSelector('[data-attune-placement="product-also-bought"][data-attune-state]')
    }
    await shot(p, 'product')
    const left = Date.now()
    let answer = await forYou(p)
    while (!answer.servedBy.startsWith('personal') && Date.now() - left < 5000) answer = await forYou(p)
    const ms = Date.now() - left
    console.log(`# 'for you' turned personal ${ms} ms after the last product page was left`)
    assert.match(answer.servedBy, /^personal/)
    const running = answer.ids.filter((id) => runningIds.has(id))
    assert.ok(running.length >= answer.ids.length / 2, `${running.length} of ${answer.ids.length} running items: ${answer.ids.join(', ')}`)
    assert.ok(ms < 1000, `${ms} ms`)
    await shot(p, 'home-after-running-views')
  })

  it('brings the same history to a second browser once the shopper signs in on both', async () => {
    const first = visitor.pages()[0]!
    await at(first, '/demo/login')
    await first.fill('#user-id', user)
    await Promise.all([first.waitForURL(`${server.url}/demo/`), first.click('form[data-login] button[type="submit"]')])
    await shot(first, 'login-done')

    const other = await browser.newContext()
    const p = await other.newPage()
    // The pages rendered for the signed-in shopper hand the SDK their identity token, which it sends along.
    const asked: { userId?: string; userToken?: string }[] = []
    p.on('request', (r) => {
      if (r.url().endsWith('/v1/recommendations')) asked.push(JSON.parse(r.postData() ?? '{}'))
    })
    await at(p, '/demo/login')
    await accept(p)
    await p.fill('#user-id', user)
    await Promise.all([p.waitForURL(`${server.url}/demo/`), p.click('form[data-login] button[type="submit"]')])
    await waitFor(async () => (await forYou(p)).servedBy.startsWith('personal'), 5000)
    assert.equal(await p.getAttribute('script[data-write-key]', 'data-user-token'), server.engine.keys.signUserToken(user))
    assert.ok(asked.length > 0 && asked.every((b) => b.userId === user && b.userToken === server.engine.keys.signUserToken(user)), JSON.stringify(asked))
    const { ids } = await forYou(p)
    assert.ok(ids.filter((id) => runningIds.has(id)).length >= ids.length / 2, ids.join(', '))
    const person = await request(`${server.url}/v1/people/${encodeURIComponent(user)}`, { auth: bearer(server.secretKey) })
    assert.ok(runningShoes.every((id) => JSON.stringify(person.body).includes(id)), 'the first browser’s views are in the profile')
    await other.close()
  })

  it('attributes a clicked recommendation that is bought, through the cart and the checkout form, to its strategy', async () => {
    const p = visitor.pages()[0]!
    const before = (await report()).strategies.find((s) => s.strategy === 'for-you') ?? { clicks: 0, orders: 0, revenue: 0 }
    await forYou(p)
    const first = p.locator('[data-attune-placement="home-for-you"] a[data-attune-item]').first()
    const id = await first.getAttribute('data-attune-item')
    await Promise.all([p.waitForURL(`**/demo/p/${id}`), first.click()])
    await p.click('[data-add-to-cart]')
    await at(p, '/demo/cart')
    await p.waitForSelector('[data-cart] table')
    const row = p.locator(`[data-cart] tr[data-line="${id}"]`)
    assert.equal(await row.locator('img').getAttribute('src'), `/demo/img/${id}.svg`, 'the row has the picture')
    const quantity = row.locator('input.quantity')
    assert.equal(await quantity.inputValue(), '1')
    await quantity.fill('3')
    await quantity.press('Tab')
    await p.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } } }).document.querySelector('[data-cart-count]').textContent === '3')
    await shot(p, 'cart')
    await Promise.all([p.waitForURL(`**/demo/checkout?id=${id}&q=3`), p.click('[data-checkout-link]')])
    assert.equal(await p.locator(`tr[data-line="${id}"] td.quantity`).textContent(), '3', 'the order summary')
    assert.equal(await p.locator(`tr[data-line="${id}"] img`).getAttribute('src'), `/demo/img/${id}.svg`)
    await shot(p, 'checkout')
    // Seeing the checkout page (and reloading it) orders nothing; only "Place order" does.
    const ordersOf = async () => (await server.engine.store.readEventsOfKinds(['order_completed'], 0, Date.now() + 60_000, 0, 100_000)).filter((e) => e.userId === user).length
    await p.reload()
    await p.waitForLoadState('networkidle')
    await p.evaluate(() => (globalThis as unknown as { attune: { flush(): Promise<void> } }).attune.flush())
    assert.equal(await ordersOf(), 0, 'no order from a GET of the checkout page')
    await Promise.all([p.waitForURL('**/demo/orders/demo-*'), p.click('form[data-place-order] button[type="submit"]')])
    assert.equal(await ordersOf(), 1, 'one order from the POST')
    assert.match((await p.locator('h1').textContent()) ?? '', /Thank you/)
    assert.equal(await p.locator('[data-cart-count]').textContent(), '0', 'the cart is emptied once the order is placed')
    await shot(p, 'order-placed')
    await waitFor(async () => {
      await server.engine.impressions.flush()
      const now = (await report()).strategies.find((s) => s.strategy === 'for-you')
      return !!now && now.clicks > before.clicks && now.orders > before.orders && now.revenue > before.revenue
    }, 5000)
  })

  it('keeps the home banner impersonal after a declined consent and a sign-in, and personal once granted', async () => {
    // A synthetic shopper whose stored profile picks a banner of its own when the browser consents.
    const bannerOf = async (cookie: string) => (await request<string>(`${server.url}/demo/`, { headers: { cookie } })).body.match(/data-banner-category="([^"]*)"/)?.[1]
    let shopper: string | undefined
    let theirs: string | undefined
    for (const s of demo.shoppers ?? []) {
      theirs = await bannerOf(`demo_user=${s}; demo_consent=granted`)
      if (theirs !== 'default') (shopper = s)
      if (shopper) break
    }
    assert.ok(shopper && theirs, `a shopper with a personal banner among ${demo.shoppers?.join(', ')}`)
    const context = await browser.newContext()
    const p = await context.newPage()
    const banner = () => p.getAttribute('[data-banner-category]', 'data-banner-category')
    await at(p, '/demo/')
    await p.click('[data-consent-choice="decline"]')
    await at(p, '/demo/login')
    await p.fill('#user-id', shopper)
    await Promise.all([p.waitForURL(`${server.url}/demo/`), p.click('form[data-login] button[type="submit"]')])
    assert.equal(await banner(), 'default', `declined, then signed in as ${shopper}`)
    await shot(p, 'home-declined-signed-in')
    await p.click('[data-consent-open]')
    await Promise.all([p.waitForEvent('load'), p.click('[data-consent-choice="accept"]')])
    assert.equal(await banner(), theirs, 'granted: the banner of their interest')
    await shot(p, 'home-granted-signed-in')
    await p.click('[data-consent-open]')
    await Promise.all([p.waitForEvent('load'), p.click('[data-consent-choice="decline"]')])
    assert.equal(await banner(), 'default', 'withdrawn again')
    await context.close()
  })

  it('sends no event without consent', async () => {
    const context = await browser.newContext()
    const sent: string[] = []
    context.on('request', (r) => {
      if (/\/v1\/(batch|b|track|t|identify|i|page|p|alias|a|group|g|screen|s)$/.test(new URL(r.url()).pathname)) sent.push(r.url())
    })
    const recommendBodies: string[] = []
    context.on('request', (r) => {
      if (r.url().endsWith('/v1/recommendations')) recommendBodies.push(r.postData() ?? '')
    })
    const p = await context.newPage()
    await at(p, '/demo/')
    await p.waitForSelector('[data-consent-banner]:not([hidden])')
    await shot(p, 'home-consent-banner')
    await at(p, `/demo/p/${runningShoes[0]}`)
    await p.click('[data-add-to-cart]')
    await at(p, '/demo/c/Shoes/Running')
    await p.waitForTimeout(1500)
    await shot(p, 'category')
    assert.deepEqual(sent, [])
    assert.ok(recommendBodies.length > 0, 'widgets still ask for (non-personalized) recommendations')
    assert.ok(recommendBodies.every((b) => !/anonymousId|userId/.test(b)), recommendBodies.join('\n'))
    assert.deepEqual((await context.cookies()).filter((c) => c.name === 'ajs_anonymous_id'), [])
    await context.close()
    await visitor.close()
  })

  it('runs nothing from hostile catalogue text on any page, and keeps the layout within the window', async () => {
    // Stored as an earlier import may have left them (straight into the store: what the pages must survive).
    const xss = (n: number) => `"><img src=x onerror="window.__pwned=${n}"><script>window.__pwned=${n}</script>`
    const longWord = 'Supercalifragilistic'.repeat(25)
    const hostile = [
      { id: 'evil-1', title: `<script>window.__pwned=1</script>${xss(1)}`, brand: xss(2), categories: [`<script>alert(3)</script> > ${xss(3)}`], description: xss(4), price: 9.5, attributes: { colour: xss(5) } },
      { id: 'evil-long', title: `${longWord} ${'very long product name '.repeat(20)}`, brand: longWord.slice(0, 200), categories: [`${longWord.slice(0, 300)} > ${longWord.slice(0, 150)}`], description: longWord, price: 123456.78 },
      { id: '__proto__', title: '__proto__', brand: 'constructor', categories: ['__proto__ > constructor'], price: 1, attributes: { colour: '__proto__' } },
      { id: 'constructor', title: 'constructor', brand: '__proto__', categories: ['constructor > toString'], price: 2 },
      { id: `evil-"><svg onload=alert(6)>`, title: 'Quote in the id', categories: ['Toys > Plush'], price: 3, imageUrl: 'javascript:alert(7)' },
      { id: 'evil-nopic', title: 'No picture at all', categories: ['Toys > Plush'], price: 4, imageUrl: '' },
    ]
    await server.engine.store.upsertItems(hostile, new Date())
    const context = await browser.newContext()
    const p = await context.newPage()
    const problems: string[] = []
    p.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`)
      void d.dismiss()
    })
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    p.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(`console: ${m.text()}`)
    })
    const visit = async (path: string, name: string) => {
      await at(p, path)
      await p.waitForLoadState('networkidle')
      const state = await p.evaluate(() => {
        // The page's globals (this file's types know no DOM).
        const w = globalThis as any
        // Elements sticking out of the window, other than inside something that scrolls (carousels, the category bar).
        const outside = [...w.document.querySelectorAll('body *')]
          .filter((e: any) => {
            if (e.getBoundingClientRect().right <= w.innerWidth + 1) return false
            for (let up = e.parentElement; up; up = up.parentElement) if (w.getComputedStyle(up).overflowX !== 'visible') return false
            return true
          })
          .map((e: any) => `${e.tagName.toLowerCase()}.${e.className}`)
        return { pwned: w.__pwned ?? null, injected: w.document.querySelectorAll('img[src="x"], main script, [onerror], [onload]').length, outside, overflow: w.document.documentElement.scrollWidth - w.innerWidth }
      })
      assert.deepEqual(state, { pwned: null, injected: 0, outside: [], overflow: 0 }, path)
      await shot(p, `hostile-${name}`)
    }
    const categoryUrl = (path: string) => `/demo/c/${path.split(' > ').map(encodeURIComponent).join('/')}`
    // Declined, so no page event carries a prototype-named category to the profile fold (issue 12 item 7,
    // fixed in profiles); the cart and the order below leave those two items out for the same reason.
    await at(p, '/demo/')
    await p.click('[data-consent-choice="decline"]')
    await visit('/demo/', 'home')
    const ordered = hostile.filter((item) => !['__proto__', 'constructor'].includes(item.id))
    for (const item of hostile) {
      await visit(`/demo/p/${encodeURIComponent(item.id)}`, `product-${item.id.replace(/\W+/g, '_')}`)
      assert.equal(await p.locator('.product-image').getAttribute('src'), `/demo/img/${encodeURIComponent(item.id)}.svg`, 'the drawn picture')
      assert.ok((await p.locator('.product-image').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0, `${item.id}: the picture loads`)
      if (item.id !== 'evil-long') assert.equal(await p.locator('h1').textContent(), item.title, 'the title, as text')
      if (ordered.includes(item)) await p.click('[data-add-to-cart]')
    }
    for (const item of hostile.slice(0, 4)) await visit(categoryUrl(item.categories[0]!), `category-${item.id.replace(/\W+/g, '_')}`)
    const phone = { width: 390, height: 844 }
    const desktop = p.viewportSize()!
    await visit('/demo/cart', 'cart')
    assert.equal(await p.locator('[data-cart] tbody tr').count(), ordered.length)
    await p.setViewportSize(phone)
    await visit('/demo/cart', 'cart-phone')
    await Promise.all([p.waitForURL('**/demo/checkout?**'), p.click('[data-checkout-link]')])
    await p.waitForLoadState('networkidle')
    assert.equal(await p.locator('.order-lines tbody tr').count(), ordered.length, 'every line in the summary')
    await visit(p.url().slice(server.url.length), 'checkout-phone')
    await p.setViewportSize(desktop)
    await visit(p.url().slice(server.url.length), 'checkout')
    await Promise.all([p.waitForURL('**/demo/orders/demo-*'), p.click('form[data-place-order] button[type="submit"]')])
    await visit(p.url().slice(server.url.length), 'order-placed')
    await p.setViewportSize(phone)
    await visit(p.url().slice(server.url.length), 'order-placed-phone')
    await visit(`/demo/p/${encodeURIComponent('evil-long')}`, 'product-long-phone')
    await visit(`/demo/p/${encodeURIComponent('<script>alert(8)</script>')}`, 'not-found')
    assert.deepEqual(problems, [])
    await context.close()
  })
})
