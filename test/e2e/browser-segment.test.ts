/**
 * Segment's own browser SDK (analytics.js 2.0, the standalone build from @segment/analytics-next) in
 * Debian's Chromium sends to the engine with only its Segment.io `apiHost` changed: its settings and
 * lazy bundles come from the shop's origin (no CDN), its calls go to the engine's one-letter paths.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { Api } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { uniqueId } from '../builders/events.ts'
import { launchBrowser } from '../support/browser.ts'
import { waitFor } from '../support/child-server.ts'

// The package's browser build: the standalone loader and the bundles it loads lazily.
const UMD = path.dirname(fileURLToPath(import.meta.resolve('@segment/analytics-next/dist/umd/standalone.js')))

describe("Segment's browser SDK against the engine", () => {
  let server: TestServer
  let shop: http.Server
  let shopUrl = ''
  let browser: Browser

  before(async () => {
    server = await startServer()
    const engineHost = new URL(server.url).host
    shop = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://shop')
      if (url.pathname === `/v1/projects/${server.writeKey}/settings`) {
        // What Segment's CDN would answer: the Segment.io destination pointed at the engine.
        res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' })
        res.end(JSON.stringify({ integrations: { 'Segment.io': { apiKey: server.writeKey, apiHost: `${engineHost}/v1`, protocol: 'http' } }, plan: { track: { __default: { enabled: true } } } }))
        return
      }
      const bundle = /^\/(?:analytics-next\/bundles\/|analytics\.js\/v1\/[^/]+\/)(.+\.js)$/.exec(url.pathname)
      if (bundle) {
        const file = path.join(UMD, path.basename(bundle[1] === 'analytics.min.js' ? 'standalone.js' : bundle[1]!))
        if (fs.existsSync(file)) {
          res.writeHead(200, { 'content-type': 'application/javascript' }).end(fs.readFileSync(file))
          return
        }
      }
      if (url.pathname === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><html><head><title>Segment shop</title><script>
          window.analytics = [];
          window.analytics._writeKey = ${JSON.stringify(server.writeKey)};
          window.analytics._cdn = location.origin;
          window.analytics.push(['identify', ${JSON.stringify(url.searchParams.get('user'))}, { plan: 'pro' }]);
          window.analytics.push(['track', 'Product Viewed', { product_id: 'seg-1', price: 19 }]);
          window.analytics.push(['page']);
        </script><script src="/analytics.js/v1/${server.writeKey}/analytics.min.js"></script></head><body>shop</body></html>`)
        return
      }
      res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve))
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await new Promise((resolve) => shop?.close(resolve))
    await server?.close()
  })

  it('delivers identify, track and page calls that the engine stores for the person', async () => {
    const user = uniqueId('seg-user')
    const context = await browser.newContext()
    const p = await context.newPage()
    await p.goto(`${shopUrl}/?user=${user}`)
    const events = async () => (await new Api(server).eventsPage(user, 50)).data
    await waitFor(async () => (await events()).length === 3, 15_000)
    const stored = await events()
    assert.deepEqual(stored.map((e) => e.type).sort(), ['identify', 'page', 'track'])
    assert.equal(stored.find((e) => e.type === 'track')?.event, 'Product Viewed')
    assert.ok(stored.every((e) => e.userId === user))
    await context.close()
  })
})
