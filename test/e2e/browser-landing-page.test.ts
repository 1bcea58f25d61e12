/** The landing page in Chromium: no failed request and no console error, and the favicon decodes. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { startServer, type TestServer } from '../builders/server.ts'
import { launchBrowser } from '../support/browser.ts'

describe('landing page in a browser', () => {
  let server: TestServer
  let browser: Browser
  before(async () => {
    server = await startServer()
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.close()
  })

  it('loads without a failed request or console error, and its icon is a 32 x 32 picture', async () => {
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
    page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.url()}`))
    page.on('requestfailed', (r) => problems.push(`failed ${r.url()}`))
    await page.goto(`${server.url}/`, { waitUntil: 'load' })
    // Run in the page (a string: the tests are type-checked without the DOM's types).
    const size = await page.evaluate(`(async () => {
      const link = document.querySelector('link[rel="icon"]')
      if (!link) return null
      const img = new Image()
      img.src = link.href
      await img.decode()
      return [img.naturalWidth, img.naturalHeight]
    })()`)
    assert.deepEqual(size, [32, 32])
    await page.close()
    assert.deepEqual(problems, [])
  })
})
