/**
 * RudderStack's own browser SDK (@rudderstack/analytics-js v3, its bundled build, no CDN) in Debian's
 * Chromium sends to the engine with the engine's URL as its data plane: identify, track and page arrive.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { Api } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { uniqueId } from '../builders/events.ts'
import { launchBrowser, shopOrigin, type ShopOrigin } from '../support/browser.ts'
import { waitFor } from '../support/child-server.ts'

// The build with its plugins inside, so nothing is fetched from RudderStack's CDN.
const BUNDLE = fileURLToPath(new URL('../../node_modules/@rudderstack/analytics-js/dist/npm/modern/bundled/umd/index.js', import.meta.url))

describe("RudderStack's browser SDK against the engine", () => {
  let server: TestServer
  let shop: ShopOrigin
  let browser: Browser
  const user = uniqueId('rs-user')

  before(async () => {
    server = await startServer()
    const sdk = fs.readFileSync(BUNDLE, 'utf8')
    shop = await shopOrigin({
      '/': `<!doctype html><html><head><title>RudderStack shop</title><script>${sdk}</script><script>
        const analytics = new rudderanalytics.RudderAnalytics();
        analytics.load(${JSON.stringify(server.writeKey)}, ${JSON.stringify(server.url)}, {
          // The source's settings, which the SDK would otherwise fetch from RudderStack's control plane.
          getSourceConfig: () => ({ source: { id: 'attune-test', name: 'shop', enabled: true, config: {}, destinations: [] } }),
          logLevel: 'ERROR',
        });
        analytics.identify(${JSON.stringify(user)}, { plan: 'pro' });
        analytics.track('Product Viewed', { product_id: 'rs-1', price: 19 });
        analytics.page();
      </script></head><body>shop</body></html>`,
    })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
    await server?.close()
  })

  it('delivers identify, track and page calls that the engine stores for the person', async () => {
    const context = await browser.newContext()
    const p = await context.newPage()
    await p.goto(`${shop.url}/`)
    const events = async () => (await new Api(server).eventsPage(user, 50)).data
    await waitFor(async () => (await events()).length === 3, 15_000)
    const stored = await events()
    assert.deepEqual(stored.map((e) => e.type).sort(), ['identify', 'page', 'track'])
    assert.equal(stored.find((e) => e.type === 'track')?.event, 'Product Viewed')
    await context.close()
  })
})
