/**
 * Identity verification in the browser SDK (Debian's Chromium, a shop origin of its own, a real engine):
 * the token given to identify() or on the script tag goes with every recommendation and decision request
 * that names its userId, and only with that userId; reset() forgets it; a token the engine no longer
 * accepts is dropped and the request asked again without it, so the widgets still render.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { generateShop } from '../../src/evaluation/index.ts'
import { bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { launchBrowser, shopOrigin, type ShopOrigin } from '../support/browser.ts'

/** The SDK's calls used here (the callbacks run in the page, where `attune` is a global). */
interface Sdk {
  identify(userId: string, traits?: object, options?: { userToken?: string }): void
  reset(): void
  recommend(placements: object[]): Promise<{ personalized: boolean; placements: { servedBy: string[] }[] }>
  decide(placement: string, variants: object[]): Promise<{ personalized: boolean; reason: string }>
}
type Sent = { path: string; body: { userId?: string; userToken?: string } }

describe('browser SDK: identity verification', () => {
  let server: TestServer
  let shop: ShopOrigin
  let browser: Browser
  let context: BrowserContext
  let user: string
  let token: string
  let sent: Sent[]

  const page = (script: string, body = '') =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test shop</title>${script}</head><body>${body}</body></html>`
  const tag = (attributes = '') => `<script src="${server.url}/sdk/attune.js" data-write-key="${server.writeKey}" data-host="${server.url}" ${attributes}></script>`
  const widget = '<div id="w" data-attune-placement="for-you" data-attune-strategy="for-you" data-attune-count="3" data-attune-title="For you"></div>'
  const open = async (path: string): Promise<Page> => {
    const p = await context.newPage()
    await p.goto(`${shop.url}${path}`)
    await p.waitForFunction(() => (globalThis as unknown as { attune?: { loaded: boolean } }).attune?.loaded === true)
    return p
  }
  /** A fresh browser that records the bodies of its recommendation and decision requests. */
  const fresh = async () => {
    await context?.close()
    context = await browser.newContext()
    sent = []
    context.on('request', (r) => {
      const path = new URL(r.url()).pathname
      if (path === '/v1/recommendations' || path === '/v1/decisions') sent.push({ path, body: JSON.parse(r.postData() ?? '{}') })
    })
  }
  /** Which level served the visitor's "for you": `personal` only when the engine used the shopper's history. */
  const servedFor = (p: Page) =>
    p.evaluate(async () => (await (globalThis as unknown as { attune: Sdk }).attune.recommend([{ strategy: 'for-you', count: 3 }])).placements[0]!.servedBy[0])

  before(async () => {
    server = await startServer()
    const synthetic = generateShop({ seed: 4, people: 200, items: 60, days: 30, startTime: Date.now() - 31 * 86_400_000 })
    await loadShop(server, synthetic)
    await trainActiveModel(server)
    for (const person of synthetic.people) {
      const asked = person.userId ? await request(`${server.url}/v1/recommendations`, { auth: bearer(server.secretKey), json: { userId: person.userId, strategy: 'for-you', count: 3 } }) : null
      if (asked?.body.placements[0].servedBy[0] === 'personal') {
        user = person.userId!
        break
      }
    }
    assert.ok(user, 'a signed-up shopper with views')
    token = server.engine.keys.signUserToken(user)!
    shop = await shopOrigin({
      '/': page(tag()),
      '/signed-in': page(tag(`data-user-id="${user}" data-user-token="${token}"`), widget),
      '/stale': page(tag(`data-user-id="${user}" data-user-token="${'0'.repeat(64)}"`), widget),
    })
    browser = await launchBrowser()
  })
  after(async () => {
    await context?.close()
    await browser?.close()
    await shop?.close()
    await server?.close()
  })

  it("sends identify()'s userToken with the userId's recommendation and decision requests, and forgets it on reset()", async () => {
    await fresh()
    const p = await open('/')
    assert.notEqual(await servedFor(p), 'personal', 'nobody named yet')
    await p.evaluate(([u, t]) => (globalThis as unknown as { attune: Sdk }).attune.identify(u!, {}, { userToken: t }), [user, token])
    assert.equal(await servedFor(p), 'personal')
    const decided = await p.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.decide('banner', [{ id: 'a', default: true }]))
    assert.doesNotMatch(decided.reason, /not verified/)
    // The token was kept (a reload finds it) and goes only with its own userId.
    const again = await open('/')
    assert.equal(await servedFor(again), 'personal')
    await again.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.identify('someone-else'))
    await servedFor(again)
    await again.evaluate(() => (globalThis as unknown as { attune: Sdk }).attune.reset())
    await servedFor(again)
    assert.equal(await again.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('attune.userToken')), null, 'reset() forgot the token')
    const bodies = sent.map((s) => [s.path, s.body.userId ?? null, s.body.userToken ?? null])
    assert.deepEqual(bodies, [
      ['/v1/recommendations', null, null],
      ['/v1/recommendations', user, token],
      ['/v1/decisions', user, token],
      ['/v1/recommendations', user, token],
      ['/v1/recommendations', 'someone-else', null],
      ['/v1/recommendations', null, null],
    ])
  })

  it("takes the signed-in shopper's userId and token from the script tag for the page's widgets", async () => {
    await fresh()
    const p = await open('/signed-in')
    await p.waitForSelector('#w[data-attune-state]')
    assert.match((await p.getAttribute('#w', 'data-attune-served-by')) ?? '', /^personal/)
    assert.deepEqual(sent.map((s) => [s.body.userId, s.body.userToken]), [[user, token]])
  })

  it('drops a token the engine refuses and asks again without it, so the widget still renders', async () => {
    await fresh()
    const p = await open('/stale')
    await p.waitForSelector('#w[data-attune-state]')
    assert.equal(await p.getAttribute('#w', 'data-attune-state'), 'ready')
    assert.doesNotMatch((await p.getAttribute('#w', 'data-attune-served-by')) ?? '', /personal/)
    assert.deepEqual(sent.map((s) => s.body.userToken ?? null), ['0'.repeat(64), null])
    assert.equal(await p.evaluate(() => (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('attune.userToken')), null)
  })
})
