/**
 * The demo store over real HTTP: a server on a fresh SQLite data dir gets the demo loaded (catalogue,
 * history, profiles, a trained model, a write key in demo.json), then restarts on that dir and serves
 * the shop's pages, pictures and assets next to the API the pages' SDK calls.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { hashKey } from '../../src/core/index.ts'
import { DEMO_KEY_LABEL, type DemoLoad, loadDemo } from '../../src/demo/index.ts'
import { uniqueId } from '../builders/events.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { waitFor } from '../support/child-server.ts'

/** The attributes of every recommendation placeholder on a page, in page order. */
function widgets(html: string): Record<string, string>[] {
  return [...html.matchAll(/<div class="widget"([^>]*)>/g)].map(([, attrs]) => Object.fromEntries([...attrs!.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, k, v]) => [k!, v!])))
}

describe('demo store', () => {
  let server: TestServer
  let demo: DemoLoad
  let notLoadedStatus = 0
  const page = (p: string, cookie?: string) => request<string>(`${server.url}${p}`, cookie ? { headers: { cookie } } : {})

  before(async () => {
    const loading = await startServer()
    try {
      notLoadedStatus = (await request(`${loading.url}/demo/`)).status
      demo = await loadDemo(loading.engine, { people: 300, items: 80, days: 30 })
      await loading.stop()
    } catch (error) {
      await loading.close()
      throw error
    }
    // demo.json exists now: the restarted server serves the pages.
    server = await startServer({ dataDir: loading.dataDir })
  })
  after(async () => server?.close())

  it('serves no demo pages before the demo is loaded, and keeps its write key in demo.json', async () => {
    assert.equal(notLoadedStatus, 404)
    const file = JSON.parse(fs.readFileSync(path.join(server.dataDir, 'demo.json'), 'utf8'))
    assert.equal(file.writeKey, demo.writeKey)
    assert.match(demo.writeKey, /^wk_/)
    assert.ok(Math.abs(Date.parse(file.loadedAt) - Date.now()) < 5 * 60_000, file.loadedAt)
    const keys = await server.engine.store.listApiKeys()
    const key = keys.find((k) => k.hash === hashKey(demo.writeKey))
    assert.equal(key?.scope, 'write')
    assert.equal(key?.label, DEMO_KEY_LABEL)
    assert.equal(await server.engine.store.countItems(), 80)
  })

  it('answers every page with the SDK tag carrying the demo write key', async () => {
    const tag = `<script src="/sdk/attune.js" data-write-key="${demo.writeKey}" data-host="" data-consent="required" data-necessary="Order Completed" defer></script>`
    for (const p of ['/demo/', '/demo/c/Shoes', '/demo/c/Shoes/Running', '/demo/p/sku-0001', '/demo/cart', '/demo/checkout', '/demo/login']) {
      const reply = await page(p)
      assert.equal(reply.status, 200, p)
      assert.match(reply.headers.get('content-type') ?? '', /^text\/html/, p)
      assert.ok(reply.body.includes(tag), `${p} has the SDK tag`)
      assert.match(reply.headers.get('content-security-policy') ?? '', /default-src 'self'/, p)
      assert.match(reply.body, /<a href="\/demo\/c\/Toys">Toys<\/a>/, `${p} has the category navigation`)
      assert.match(reply.body, /data-consent-choice="accept"/, p)
    }
    assert.equal((await page('/demo/cart')).body.match(/data-attune-strategy="cart"/g)?.length, 1)
    assert.match((await page('/demo/checkout')).body, /data-checkout/)
    assert.match((await page('/demo/login')).body, /<form class="login" data-login>/)
  })

  it('shows a product with its picture and the also-bought, complete-the-look and similar widgets', async () => {
    const item = (await server.engine.store.getItem('sku-0001'))!
    const html = (await page('/demo/p/sku-0001')).body
    assert.ok(html.includes(`<h1>${item.title}</h1>`), 'the title')
    assert.ok(html.includes(`<img class="product-image" src="/demo/img/sku-0001.svg" alt="${item.title}"`), 'the picture with alt text')
    assert.ok(html.includes(`€${item.price}`), 'the price')
    assert.ok(html.includes('data-add-to-cart'))
    const product = JSON.parse(html.match(/data-product="([^"]*)"/)![1]!.replace(/&#34;/g, '"').replace(/&gt;/g, '>').replace(/&amp;/g, '&'))
    assert.deepEqual(product, { product_id: 'sku-0001', name: item.title, price: item.price, currency: 'EUR', category: item.categories[0], brand: item.brand })
    const found = widgets(html).map((w) => [w['data-attune-strategy'], w['data-attune-item-id'], w['data-attune-href']])
    assert.deepEqual(found, [
      ['also-bought', 'sku-0001', '/demo/p/{id}'],
      ['complete-the-look', 'sku-0001', '/demo/p/{id}'],
      ['similar', 'sku-0001', '/demo/p/{id}'],
    ])
  })

  it('lists a category with only its own items and a bestsellers widget for it', async () => {
    const html = (await page('/demo/c/Shoes')).body
    const ids = [...html.matchAll(/<a href="\/demo\/p\/([^"]+)">/g)].map(([, id]) => id!)
    assert.ok(ids.length > 0, 'lists products')
    const items = await server.engine.store.getItems(ids)
    assert.equal(items.length, ids.length)
    for (const item of items) assert.ok(item.categories[0]!.startsWith('Shoes > '), `${item.id} is a shoe`)
    assert.deepEqual(widgets(html).map((w) => [w['data-attune-strategy'], w['data-attune-category']]), [['bestsellers', 'Shoes']])
    assert.match(html, /<a href="\/demo\/c\/Shoes\/Running">Running<\/a>/, 'links its subcategories')
  })

  it('pages a long category listing', async () => {
    const extra = Array.from({ length: 30 }, (_, i) => ({ id: `sku-bear-${String(i).padStart(2, '0')}`, title: `Bear ${i}`, categories: ['Toys > Plush'], price: 10 + i }))
    const posted = await request(`${server.url}/v1/items`, { auth: bearer(server.secretKey), json: { items: extra } })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    const all = (await server.engine.store.listItems({ category: 'Toys > Plush', limit: 1000 })).data.map((it) => it.id)
    const cards = (html: string) => [...html.matchAll(/<li class="product-card">\s*<a href="\/demo\/p\/([^"]+)">/g)].map(([, id]) => id!)
    const first = (await page('/demo/c/Toys/Plush')).body
    assert.equal(cards(first).length, 24)
    assert.ok(!first.includes('First page'))
    const next = first.match(/<a rel="next" href="([^"]+)">Next page<\/a>/)?.[1]?.replace(/&amp;/g, '&')
    assert.ok(next?.startsWith('/demo/c/Toys/Plush?after='), next)
    const second = (await page(next!)).body
    assert.deepEqual([...cards(first), ...cards(second)], all)
    assert.ok(!second.includes('Next page'))
    assert.ok(second.includes('<a href="/demo/c/Toys/Plush">First page</a>'))
    assert.equal((await page('/demo/c/Toys/Plush?after=not-a-cursor')).status, 404)
  })

  it('draws every picture as a cached SVG, and answers 404 pages for unknown ids', async () => {
    const img = await page('/demo/img/sku-0002.svg')
    assert.equal(img.status, 200)
    assert.equal(img.headers.get('content-type'), 'image/svg+xml')
    assert.equal(img.headers.get('cache-control'), 'public, max-age=86400')
    assert.match(img.body, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    for (const p of ['/demo/p/sku-9999', '/demo/c/Nope', '/demo/c/Shoes/Nope', '/demo/img/sku-9999.svg', '/demo/img/sku-0002.png', '/demo/nowhere']) {
      const reply = await page(p)
      assert.equal(reply.status, 404, p)
      assert.match(reply.headers.get('content-type') ?? '', /^text\/html/, p)
      assert.match(reply.body, /<h1>Not found<\/h1>/, p)
    }
    assert.equal((await page('/demo/assets/shop.css')).headers.get('content-type'), 'text/css; charset=utf-8')
    assert.match((await page('/demo/assets/shop.js')).body, /Product Added/)
    const redirect = await fetch(`${server.url}/demo`, { redirect: 'manual' })
    assert.equal(redirect.headers.get('location'), '/demo/')
    const openapi = await request(`${server.url}/openapi.json`)
    assert.ok(Object.keys(openapi.body.paths).includes('/v1/recommendations'))
    assert.deepEqual(Object.keys(openapi.body.paths).filter((p) => p.startsWith('/demo')), [], 'the pages are not API')
  })

  it('escapes catalogue text and cookies', async () => {
    const evil = { id: 'sku-evil', title: '<script>alert(1)</script>', description: '"><img src=x onerror=alert(2)>', categories: ['Toys > Plush'], price: 5 }
    const posted = await request(`${server.url}/v1/items`, { auth: bearer(server.secretKey), json: { items: [evil] } })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    const html = (await page('/demo/p/sku-evil', 'demo_user=%3Cb%3Emallory%3C%2Fb%3E')).body
    assert.ok(!html.includes('<script>alert(1)'), 'title escaped')
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
    assert.ok(!html.includes('<img src=x'), 'description escaped')
    assert.ok(html.includes('Signed in as <strong>&lt;b&gt;mallory&lt;/b&gt;</strong>'), 'the cookie is shown, escaped')
  })

  it("picks the home banner from a consenting visitor's top category, else the default", async () => {
    server.engine.startWorkers()
    const write = basicAuth(demo.writeKey)
    const toys = (await server.engine.store.listItems({ category: 'Toys', limit: 3 })).data
    assert.equal(toys.length, 3)
    const views = (anonymousId: string) => toys.map((it) => ({ type: 'track', event: 'Product Viewed', anonymousId, properties: { product_id: it.id } }))
    const fan = uniqueId('anon')
    const declined = uniqueId('anon')
    const sent = await request(`${server.url}/v1/batch`, {
      auth: write,
      // The second visitor's views count, then they withdraw consent: the profile keeps the affinity, the banner must not use it.
      json: { batch: [...views(fan), ...views(declined), { type: 'identify', anonymousId: declined, traits: { consent: { analytics: true, personalization: false } } }] },
    })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    const banner = async (cookie?: string) => (await page('/demo/', cookie)).body.match(/data-banner-category="([^"]*)"/)?.[1]
    await waitFor(async () => (await banner(`demo_consent=granted; ajs_anonymous_id=${fan}`)) === 'Toys', 10_000)
    assert.equal(await banner(`other=1; ajs_anonymous_id=${encodeURIComponent(JSON.stringify(fan))}; demo_consent=granted`), 'Toys', "analytics.js's quoted cookie")
    assert.equal(await banner(`demo_consent=granted; ajs_anonymous_id=${declined}`), 'default', 'no personalization consent in the profile')
    assert.equal(await banner(), 'default', 'unknown visitor')
    assert.equal(await banner(`demo_consent=granted; ajs_anonymous_id=${uniqueId('anon')}`), 'default', 'unknown id')
  })

  it("follows the browser's consent choice: a declined or unanswered banner shows no profile, signed in or not", async () => {
    const banner = async (cookie: string) => (await page('/demo/', cookie)).body.match(/data-banner-category="([^"]*)"/)?.[1]
    // A synthetic shopper with a history: personal once the browser says yes.
    const shopper = demo.shoppers![0]!
    const personal = await banner(`demo_user=${shopper}; demo_consent=granted`)
    assert.notEqual(personal, 'default', `${shopper} has a banner of their own`)
    assert.equal(await banner(`demo_user=${shopper}; demo_consent=declined`), 'default', 'declined, then signed in')
    assert.equal(await banner(`demo_user=${shopper}`), 'default', 'not answered yet (the SDK tag requires consent)')
    assert.equal(await banner(`demo_user=${shopper}; demo_consent=yes-please`), 'default', 'an unknown value is no consent')
  })

  it('answers 404 for prototype names in every path segment', async () => {
    for (const name of ['__proto__', 'constructor', 'hasOwnProperty', 'toString']) {
      for (const p of [`/demo/assets/${name}`, `/demo/p/${name}`, `/demo/img/${name}.svg`, `/demo/c/${name}`, `/demo/c/Shoes/${name}`, `/demo/orders/${name}`]) {
        const reply = await page(p)
        assert.equal(reply.status, 404, p)
        assert.match(reply.body, /<h1>Not found<\/h1>/, p)
      }
    }
  })

  it('draws items whose category or colour is named like a prototype key', async () => {
    await server.engine.store.upsertItems([{ id: 'sku-proto', title: 'Proto thing', categories: ['constructor > __proto__'], attributes: { colour: '__proto__' } }], new Date())
    const svg = (await page('/demo/img/sku-proto.svg')).body
    assert.doesNotMatch(svg, /\[object|function|native code/, svg)
    assert.match(svg, /<g fill="hsl\(\d+ 55% 45%\)"><circle/, 'the default shape in the hashed colour')
  })

  it('shows the drawn picture for items without one, allows https pictures and refuses other schemes', async () => {
    await server.engine.store.upsertItems(
      [
        { id: 'sku-nopic', title: 'No picture', categories: ['Toys > Plush'], price: 3 },
        { id: 'sku-https', title: 'Remote picture', categories: ['Toys > Plush'], price: 4, imageUrl: 'https://images.example/bear.jpg' },
        { id: 'sku-jspic', title: 'Script picture', categories: ['Toys > Plush'], price: 5, imageUrl: 'javascript:alert(1)' },
      ],
      new Date(),
    )
    const src = (html: string, alt: string) => html.match(new RegExp(`<img[^>]* src="([^"]*)" alt="${alt}"`))?.[1]
    for (const p of ['/demo/p/sku-nopic', '/demo/c/Toys/Plush?after=']) assert.doesNotMatch((await page(p)).body, /src=""/, p)
    assert.equal(src((await page('/demo/p/sku-nopic')).body, 'No picture'), '/demo/img/sku-nopic.svg')
    assert.equal(src((await page('/demo/p/sku-https')).body, 'Remote picture'), 'https://images.example/bear.jpg')
    assert.equal(src((await page('/demo/p/sku-jspic')).body, 'Script picture'), '/demo/img/sku-jspic.svg')
    const listing = (await server.engine.store.listItems({ category: 'Toys > Plush', limit: 1000 })).data.map((it) => it.id)
    const pages: string[] = []
    for (let next: string | undefined = '/demo/c/Toys/Plush'; next; ) {
      const html: string = (await page(next)).body
      pages.push(html)
      next = html.match(/<a rel="next" href="([^"]+)">/)?.[1]?.replace(/&amp;/g, '&')
    }
    assert.ok(listing.includes('sku-nopic'))
    assert.equal(src(pages.join(''), 'No picture'), '/demo/img/sku-nopic.svg', 'the category card too')
    const csp = (await page('/demo/p/sku-https')).headers.get('content-security-policy') ?? ''
    assert.match(csp, /img-src 'self' https: data:;/, csp)
  })

  describe('checkout', () => {
    type Field = [string, string]
    const orders = async () => (await server.engine.store.readEventsOfKinds(['order_completed'], 0, Date.now() + 60_000, 0, 10_000)).map((e) => e.message.properties as { order_id: string; revenue: number; products: { product_id: string; quantity: number; price: number }[] })
    /** The checkout page's form: its action, method and hidden inputs. */
    const form = (html: string) => {
      const tag = html.match(/<form [^>]*data-place-order[^>]*>([\s\S]*?)<\/form>/)
      assert.ok(tag, 'the page has the order form')
      const method = tag[0].match(/method="([^"]+)"/)?.[1]
      const fields = [...tag[1]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(([, k, v]): Field => [k!, v!])
      return { method, fields }
    }
    const review = async (cookie = 'demo_user=checkout-shopper') => {
      const reply = await fetch(`${server.url}/demo/checkout?id=sku-0001&q=2&id=sku-0002&q=1`, { headers: { cookie } })
      const html = await reply.text()
      const token = /demo_checkout=([^;]+)/.exec(reply.headers.getSetCookie().join('\n'))?.[1] ?? /demo_checkout=([^;]+)/.exec(cookie)?.[1]
      return { reply, html, token: token!, ...form(html) }
    }
    const place = (fields: Field[], headers: Record<string, string>) =>
      fetch(`${server.url}/demo/checkout`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, ...headers }, body: new URLSearchParams(fields).toString() })

    it('shows the order on a GET and places nothing', async () => {
      const [a, b] = [(await server.engine.store.getItem('sku-0001'))!, (await server.engine.store.getItem('sku-0002'))!]
      const before = (await orders()).length
      const { reply, html, method, fields } = await review()
      assert.equal(reply.status, 200)
      assert.equal(method, 'post')
      assert.ok(html.includes(`<img src="/demo/img/sku-0001.svg" alt="${a.title}"`), 'pictures')
      assert.match(html, new RegExp(`data-line="sku-0001"[\\s\\S]*?<td class="num quantity">2</td>`), 'quantities')
      const euros = new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' }).format(Math.round((2 * a.price! + b.price!) * 100) / 100)
      assert.ok(html.includes(`<td class="num order-total">${euros}</td>`), `the total from the catalogue: ${euros}`)
      assert.match(html, /<button type="submit"[^>]*>Place order<\/button>/)
      assert.deepEqual(fields.filter(([k]) => k === 'id' || k === 'q'), [['id', 'sku-0001'], ['q', '2'], ['id', 'sku-0002'], ['q', '1']])
      assert.match(reply.headers.getSetCookie().join('\n'), /demo_checkout=[\w-]{20,}; Path=\/demo; HttpOnly; SameSite=Strict/)
      assert.equal((await page('/demo/checkout')).status, 200, 'an empty checkout is a page too')
      assert.equal((await orders()).length, before, 'no order from any GET')
    })

    it('places the order on a POST from its own form, once, at catalogue prices', async () => {
      const [a, b] = [(await server.engine.store.getItem('sku-0001'))!, (await server.engine.store.getItem('sku-0002'))!]
      const { fields, token } = await review()
      const cookie = `demo_checkout=${token}; demo_user=checkout-shopper`
      const before = (await orders()).length
      const refused = [
        await place(fields, { cookie, origin: 'https://evil.example' }),
        await place(fields, { cookie, origin: 'null' }),
        await place(fields, { cookie: 'demo_user=checkout-shopper' }),
        await place(fields.map(([k, v]): Field => [k, k === 'token' ? 'x'.repeat(v.length) : v]), { cookie }),
        await place(fields, { cookie, origin: '', 'sec-fetch-site': 'cross-site' }),
      ]
      assert.deepEqual(refused.map((r) => r.status), [403, 403, 403, 403, 403])
      assert.equal((await orders()).length, before, 'nothing placed by a refused POST')

      const placed = await place(fields, { cookie })
      assert.equal(placed.status, 303, await placed.text())
      const location = placed.headers.get('location')!
      const orderId = location.match(/^\/demo\/orders\/(demo-[\w-]+)$/)?.[1]
      assert.ok(orderId, location)
      const again = await place(fields, { cookie })
      assert.equal(again.headers.get('location'), location, 'the same form again is the same order')
      const mine = (await orders()).filter((o) => o.order_id === orderId)
      assert.equal(mine.length, 1, 'stored once')
      assert.equal(mine[0]!.revenue, Math.round((2 * a.price! + b.price!) * 100) / 100)
      assert.deepEqual(mine[0]!.products.map((l) => [l.product_id, l.quantity, l.price]), [['sku-0001', 2, a.price], ['sku-0002', 1, b.price]])
      const [stored] = (await server.engine.store.readEventsOfKinds(['order_completed'], 0, Date.now() + 60_000, 0, 10_000)).filter((e) => (e.message.properties as { order_id: string }).order_id === orderId)
      assert.equal(stored!.userId, 'checkout-shopper')

      const thanks = await page(location, cookie)
      assert.equal(thanks.status, 200)
      assert.match(thanks.body, /Thank you for your order/)
      assert.match(thanks.body, new RegExp(`data-order-placed="${orderId}"`))
      assert.ok(thanks.body.includes(`alt="${a.title}"`))
      assert.equal((await page(location)).status, 404, "another browser does not see the order")
    })

    it('refuses a form with bad lines, naming the field, and places nothing', async () => {
      const { fields, token } = await review()
      const cookie = `demo_checkout=${token}`
      const keep = fields.filter(([k]) => k !== 'id' && k !== 'q')
      const before = (await orders()).length
      const cases: [Field[], RegExp][] = [
        [[], /no products/],
        [[['id', 'sku-0001'], ['q', '0']], /q\[0\].*1 to 99/],
        [[['id', 'sku-0001'], ['q', '1000']], /q\[0\].*1 to 99/],
        [[['id', 'sku-0001'], ['q', '1.5']], /q\[0\].*1 to 99/],
        [[['id', 'sku-0001']], /q\[0\]/],
        [[['id', 'sku-0001'], ['q', '1'], ['id', 'sku-nowhere'], ['q', '1']], /id\[1\].*sku-nowhere/],
        [[['id', '__proto__'], ['q', '1']], /id\[0\]/],
      ]
      for (const [lines, message] of cases) {
        const reply = await place([...keep, ...lines], { cookie })
        const body = await reply.text()
        assert.equal(reply.status, 400, `${JSON.stringify(lines)}: ${body.slice(0, 200)}`)
        assert.match(body, message, JSON.stringify(lines))
      }
      assert.equal((await orders()).length, before)
    })
  })

  it('answers recommendations for the demo write key from the active model', async () => {
    const reply = await request(`${server.url}/v1/recommendations`, { auth: basicAuth(demo.writeKey), json: { strategy: 'for-you', count: 6, anonymousId: uniqueId('anon') } })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    const [placement] = reply.body.placements
    assert.equal(placement.items.length, 6)
    for (const item of placement.items) {
      assert.equal(item.imageUrl, `/demo/img/${item.id}.svg`)
      assert.equal(item.url, `/demo/p/${item.id}`)
    }
    assert.equal(reply.body.modelVersion, demo.modelVersion)
    const models = await request(`${server.url}/v1/models`, { auth: bearer(server.secretKey) })
    assert.equal(models.status, 200)
    const active = models.body.data.filter((v: { active: boolean }) => v.active)
    assert.deepEqual(active.map((v: { id: string; status: string }) => [v.id, v.status]), [[demo.modelVersion, 'ready']])
  })

  it('refuses to load the demo into a catalogue that is not empty', async () => {
    await assert.rejects(loadDemo(server.engine, { people: 10, items: 28, days: 2 }), /already has \d+ items.*--force/)
  })
})
