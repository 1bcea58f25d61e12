// The dashboard's Overview and Recommendations pages in Chromium, on the demo shop (whose loader adds a
// week of recommendation traffic): real numbers, the live events-per-minute figure rising without a reload
// when events arrive, the range picker, the attribution report per day, the playground answering a page of
// placements as a shopper would see it (hostile catalogue text shown as text), axe, and a viewer's limits.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { basicAuth, request } from '../builders/http.ts'
import { uniqueId } from '../builders/events.ts'
import { waitForValue } from '../builders/people.ts'
import { launchBrowser } from '../support/browser.ts'
import { assertAccessible, assertNotPwned, type DashboardShop, HOSTILE, openDashboard, screenshot, startDashboardShop, waitReady } from '../support/dashboard.ts'

const HOSTILE_ITEM = 'hostile-item'

/** The number a locator shows ("1,234" → 1234). */
async function numberIn(page: Page, selector: string): Promise<number> {
  const text = await page.locator(selector).innerText()
  return Number(text.replace(/[^\d.-]/g, ''))
}

describe('dashboard overview and recommendations pages', () => {
  let shop: DashboardShop
  let browser: Browser
  before(async () => {
    ;[shop, browser] = await Promise.all([startDashboardShop(), launchBrowser()])
    // A catalogue item whose text and links would run as script in a page that builds HTML from data.
    await shop.server.engine.store.upsertItems(
      [{ id: HOSTILE_ITEM, title: HOSTILE.markup, brand: HOSTILE.long, price: 12.5, currency: 'EUR', imageUrl: HOSTILE.url, url: HOSTILE.url, categories: ['Shoes'] }],
      new Date(),
    )
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
  })

  test('the overview shows the demo numbers and the live events per minute rise without a reload', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer')
    await waitReady(page)
    assert.equal(await page.locator('h1').first().innerText(), 'Overview')
    // The demo's week of traffic: items shown, clicks and attributed revenue in the last 7 days.
    const stat = (label: string) => page.locator('.stat', { has: page.locator('.stat-label', { hasText: new RegExp(`^${label}$`) }) }).locator('.stat-value')
    assert.ok(Number((await stat('Recommended items shown').innerText()).replace(/\D/g, '')) > 0, 'items shown')
    assert.ok(Number((await stat('Events').innerText()).replace(/\D/g, '')) > 0, 'events')
    assert.ok(Number((await stat('Orders').innerText()).replace(/\D/g, '')) > 0, 'orders')
    assert.notEqual(await stat('Attributed revenue').innerText(), '0.00')
    for (const title of ['Events per minute', 'Events and active people', 'Orders', 'Revenue', 'Recommended items shown per strategy', 'CTR per strategy', 'Attributed revenue per strategy']) {
      await page.locator('figure.chart figcaption', { hasText: new RegExp(`^${title}`) }).first().waitFor()
    }
    assert.ok((await page.locator('table').filter({ hasText: 'also-bought' }).count()) > 0, 'the strategy table lists the demo strategies')
    await assertAccessible(page, 'overview')
    await screenshot(page, 'dashboard-overview')

    // Live: events sent now show up in the last hour's count within a few refreshes, on the same page.
    await page.evaluate('window.__samePage = true')
    // The range's charts are not redrawn by the live refresh (the same uPlot element before and after).
    const ordersPlot = page.locator('figure.chart', { has: page.locator('figcaption', { hasText: /^Orders/ }) }).locator('.uplot')
    await ordersPlot.evaluate((el: unknown) => ((el as { __tag?: number }).__tag = 1))
    const before = await numberIn(page, '[data-testid="live-events-hour"]')
    const anon = uniqueId('live-visitor')
    const sent = await request(`${shop.server.url}/v1/batch`, {
      auth: basicAuth(shop.server.writeKey),
      json: { batch: [1, 2, 3, 4, 5].map((n) => ({ type: 'track', event: 'Product Viewed', anonymousId: anon, properties: { product_id: `sku-000${n}` } })) },
    })
    assert.equal(sent.status, 200)
    // (Polled from here: the page's CSP forbids evaluating strings in it, which waitForFunction would do.)
    const after = await waitForValue('the live figure to rise', async () => {
      const n = await numberIn(page, '[data-testid="live-events-hour"]')
      return n >= before + 5 ? n : undefined
    }, 15_000)
    assert.ok(after >= before + 5)
    assert.equal(await page.evaluate('window.__samePage'), true, 'no reload')
    assert.equal(await ordersPlot.evaluate((el: unknown) => (el as { __tag?: number }).__tag), 1, 'the orders chart was not redrawn')

    // The range picker changes the buckets; a chart shows its figures as a table too.
    await page.getByLabel('Time range').selectOption('24h')
    await page.getByText(/\d+ hour buckets in Europe\/Berlin/).waitFor()
    await page.getByLabel('Time range').selectOption('30d')
    await page.getByText(/3[01] day buckets in Europe\/Berlin/).waitFor()
    const ordersChart = page.locator('figure.chart', { has: page.locator('figcaption', { hasText: /^Orders/ }) })
    await ordersChart.getByRole('button', { name: 'Show as table' }).click()
    assert.ok((await ordersChart.locator('tbody tr').count()) >= 30)
    await ordersChart.getByRole('button', { name: 'Show as chart' }).click()
    await ordersChart.locator('.uplot').waitFor()
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('the recommendations page reports per strategy and day, and its playground answers as a shopper would see it', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/recommendations')
    await waitReady(page)
    assert.equal(await page.locator('h1').first().innerText(), 'Recommendations')
    const perStrategy = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'Attribution per strategy' }) })
    const strategies = await perStrategy.locator('tbody tr td:first-child').allInnerTexts()
    assert.ok(strategies.length >= 4 && strategies.includes('similar'), strategies.join())
    // Per day in the viewer's zone (the last 7 days: 8 local days, the first and last cut), one column per strategy.
    const perDay = (measure: string) => page.getByRole('table').filter({ has: page.locator('caption', { hasText: `${measure} per day and strategy` }) })
    assert.equal(await perDay('Attributed revenue').locator('tbody tr').count(), 8)
    assert.deepEqual((await perDay('Attributed revenue').locator('thead th').allInnerTexts()).slice(1), strategies)
    await page.getByLabel('Chart shows').selectOption('clicks')
    await page.locator('figure.chart figcaption', { hasText: 'Clicks per strategy and day' }).waitFor()
    const clicks = (await perDay('Clicks').locator('tbody td.numeric').allInnerTexts()).filter((t) => t !== '—').map(Number)
    const totalClicks = Number((await perStrategy.locator('tbody tr td:nth-child(3)').allInnerTexts()).reduce((a, t) => a + Number(t.replace(/\D/g, '')), 0))
    assert.equal(clicks.reduce((a, b) => a + b, 0), totalClicks, 'the days add up to the strategies')
    await assertAccessible(page, 'recommendations')

    // Build a page: the two default placements, one more with the hostile item pinned, one added and removed.
    const shopper = shop.demo.shoppers?.[0]
    assert.ok(shopper, 'the demo names a shopper')
    await page.getByLabel('User id').fill(shopper)
    await page.getByLabel('Strategy of placement 2').selectOption('trending')
    await page.getByRole('button', { name: 'Add a placement' }).click()
    await page.getByLabel('Strategy of placement 3').selectOption('bestsellers')
    await page.getByText('Filters and rules of placement 3').click()
    await page.getByLabel('Pinned items (placement 3)').fill(HOSTILE_ITEM)
    await page.getByText('Filters and rules of placement 2').click()
    await page.getByLabel('Highest price (placement 2)').fill('60')
    await page.getByRole('button', { name: 'Add a placement' }).click()
    await page.getByRole('button', { name: 'Remove placement 4' }).click()
    assert.equal(await page.getByLabel('Strategy of placement 4').count(), 0)
    await page.getByRole('button', { name: 'Show recommendations' }).click()
    const answer = page.getByTestId('playground-answer')
    await answer.waitFor()
    for (const n of [1, 2, 3]) {
      const placement = answer.getByRole('region', { name: `Answer for placement ${n}` })
      assert.ok((await placement.locator('.item-card').count()) >= 1, `placement ${n} shows items`)
    }
    // A preview: the answer is not recorded as an impression, so the reports do not count the playground.
    const recommId = await answer.locator('code').first().innerText()
    await shop.server.engine.impressions.flush()
    const recorded = await shop.server.engine.store.impressions.range(Date.now() - 5 * 60_000, Date.now() + 1000)
    assert.ok(recommId.length > 10)
    assert.equal(recorded.filter((r) => r.recommId === recommId).length, 0, 'no impression for the preview')
    // The price filter of placement 2 held.
    const prices = (await answer.getByRole('region', { name: 'Answer for placement 2' }).locator('.item-card .price').allInnerTexts()).map((t) => Number(t.replace(/[^\d.]/g, '')))
    assert.ok(prices.length >= 1 && prices.every((p) => p <= 60), prices.join())
    const firstCard = answer.locator('.item-card').first()
    assert.ok((await firstCard.locator('img').count()) === 1, 'a picture')
    assert.match(await firstCard.innerText(), /€|EUR/, 'a price')
    // The hostile item: its title as text, no picture or link from a javascript: URL, nothing ran.
    const hostile = answer.locator('.item-card', { hasText: HOSTILE_ITEM })
    await hostile.waitFor()
    assert.ok((await hostile.innerText()).includes(HOSTILE.markup))
    assert.equal(await hostile.locator('img').count(), 0)
    assert.equal(await hostile.locator('a').count(), 0)
    assert.equal(await answer.locator('a[href^="javascript"], img[src^="javascript"]').count(), 0)
    await assertNotPwned(page)
    await assertAccessible(page, 'recommendations playground')
    await screenshot(page, 'dashboard-recommendations')
    assert.deepEqual(errors, [])

    // A page the engine refuses (more than 100 pinned items): the error names the field, and says so in the page.
    await page.getByLabel('Pinned items (placement 3)').fill(Array.from({ length: 101 }, (_, i) => `pin-${i}`).join(', '))
    await page.getByRole('button', { name: 'Show recommendations' }).click()
    const refused = page.getByRole('alert').filter({ hasText: 'invalid_field' })
    await refused.waitFor()
    assert.match(await refused.innerText(), /placements\[2\]\.rules\.pin/)
    assert.equal(await answer.count(), 0, 'no stale answer next to the error')
    assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), [])
    await context.close()
  })

  test('a viewer sees no edit controls on these pages, and a forged change is refused', async () => {
    const { page, context } = await openDashboard(browser, shop.server, 'viewer')
    await waitReady(page)
    for (const path of ['/dashboard/', '/dashboard/recommendations']) {
      await page.goto(`${shop.server.url}${path}`)
      await waitReady(page)
      assert.equal(await page.locator('main .button.danger').count(), 0, `${path}: no destructive controls`)
      const buttons = await page.locator('main button').allInnerTexts()
      const allowed = /^(Show as table|Show as chart|Add a placement|Show recommendations|Remove placement \d+)$/
      assert.deepEqual(buttons.filter((b) => !allowed.test(b.trim())), [], `${path}: only viewing controls`)
    }
    // The same request the dashboard would send for a change, with the viewer's session and CSRF token.
    const status = await page.evaluate(`fetch('/v1/session').then((r) => r.json()).then((session) =>
      fetch('/v1/models/train', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken }, body: '{}' })).then((r) => r.status)`)
    assert.equal(status, 403)
    await context.close()
  })
})
