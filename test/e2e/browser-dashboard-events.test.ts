// The Live events and Data quality pages in Chromium against the demo shop: events sent through the API
// while the page is open appear without a reload (a good one in the feed with its kind and person, a bad
// one under "Rejected events" with its code and field), pause and resume, filters, hostile data shown as
// text, axe, the viewer's limits, and the data-quality report's figures matching the API's.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { uniqueId } from '../builders/events.ts'
import { Api, basicAuth, request } from '../builders/http.ts'
import { signInStaff } from '../builders/routes.ts'
import { launchBrowser } from '../support/browser.ts'
import { assertAccessible, assertNotPwned, type DashboardShop, HOSTILE, openDashboard, screenshot, STAFF_PASSWORD, staffEmail, startDashboardShop, waitReady } from '../support/dashboard.ts'
import type { DataQualityReport } from '../../src/server/api-types.ts'

describe('dashboard: live events and data quality', () => {
  let shop: DashboardShop
  let browser: Browser
  let api: Api
  const hostileAnon = `${HOSTILE.markup}-${uniqueId('a')}`
  const hostileItem = `${HOSTILE.markup}${"w".repeat(120)}-${uniqueId("i")}`
  before(async () => {
    ;[shop, browser] = await Promise.all([startDashboardShop(), launchBrowser()])
    api = new Api(shop.server)
    // Hostile ids and names, in the feed and (an item the catalogue lacks) in the data-quality report.
    const sent = await api.batch([
      { type: 'track', event: HOSTILE.markup, anonymousId: hostileAnon, properties: { product_id: hostileItem, name: HOSTILE.url } },
      { type: 'track', event: 'Product Viewed', anonymousId: hostileAnon, properties: { product_id: hostileItem } },
    ])
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
  })

  test('new events and rejected ones appear while the page is open, with kind, person, code and field', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/events')
    await waitReady(page)
    const feed = page.getByRole('tabpanel', { name: 'Incoming events' })
    // Hostile data is text, not markup.
    await feed.getByText(hostileAnon, { exact: true }).first().waitFor()
    await assertNotPwned(page)
    await assertAccessible(page, 'live events')

    const anon = uniqueId('live-anon')
    const good = await api.send('/v1/track', { event: 'Product Added', anonymousId: anon, properties: { product_id: 'never-heard-of-it', price: 3 } })
    assert.equal(good.status, 200)
    const bad = await api.send('/v1/track', { anonymousId: anon, messageId: uniqueId('bad'), properties: {} })
    assert.equal(bad.status, 400)

    const row = feed.getByRole('row').filter({ hasText: anon })
    await row.waitFor({ timeout: 10_000 })
    assert.match(await row.innerText(), /Product added/)
    assert.match(await row.innerText(), /track: Product Added/)
    // The person arrives once the workers stitched it; the link opens their page.
    const person = row.getByRole('link', { name: /^Person / })
    await person.waitFor({ timeout: 10_000 })
    const personId = (await person.innerText()).trim()
    const found = await api.secret('GET', `/v1/people/${encodeURIComponent(anon)}`)
    assert.equal(personId, found.body.id)
    await row.getByText('Show message').click()
    assert.match(await row.locator('pre').innerText(), /never-heard-of-it/)

    await page.getByRole('tab', { name: 'Rejected events' }).click()
    const rejected = page.getByRole('tabpanel', { name: 'Rejected events' })
    const refusal = rejected.getByRole('row').filter({ hasText: 'missing_field' }).filter({ hasText: 'event (the event name) is required' })
    await refusal.first().waitFor({ timeout: 10_000 })
    assert.match(await refusal.first().innerText(), /\bevent\b/)
    await screenshot(page, 'dashboard-live-events-rejected')
    // The keyboard moves between the tabs.
    await page.getByRole('tab', { name: 'Rejected events' }).focus()
    await page.keyboard.press('ArrowLeft')
    assert.equal(await page.getByRole('tab', { name: 'Incoming events' }).getAttribute('aria-selected'), 'true')

    await person.click()
    await page.waitForURL(`**/dashboard/people/${encodeURIComponent(personId)}`)
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('pause stops the feed and resume brings what came meanwhile; filters by kind and id', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/events')
    await waitReady(page)
    const feed = page.getByRole('tabpanel', { name: 'Incoming events' })
    await page.getByRole('button', { name: 'Pause' }).click()
    await page.getByRole('status').filter({ hasText: 'Paused' }).waitFor()
    const anon = uniqueId('paused')
    assert.equal((await api.send('/v1/page', { anonymousId: anon, name: 'Home' })).status, 200)
    await page.waitForTimeout(3000)
    assert.equal(await feed.getByText(anon).count(), 0, 'nothing new while paused')
    await page.getByRole('button', { name: 'Resume' }).click()
    await feed.getByRole('row').filter({ hasText: anon }).waitFor({ timeout: 10_000 })
    assert.match(await feed.getByRole('row').filter({ hasText: anon }).innerText(), /Page viewed/)

    await page.getByLabel('Kind').selectOption('order_completed')
    await feed.getByRole('row').nth(1).waitFor()
    const kinds = await feed.locator('tbody tr td:nth-child(3)').allInnerTexts()
    assert.ok(kinds.length > 0, 'the demo has orders')
    assert.deepEqual([...new Set(kinds)], ['Order completed'])

    await page.getByRole('button', { name: 'Clear filters' }).click()
    await page.getByLabel('User or anonymous id').fill(anon)
    await page.getByRole('button', { name: 'Apply' }).click()
    await feed.locator('tbody tr').filter({ hasText: anon }).waitFor()
    for (let i = 0; (await feed.locator('tbody tr').count()) !== 1; i++) {
      assert.ok(i < 100, 'only the one event of this id is listed')
      await page.waitForTimeout(100)
    }
    await page.getByLabel('User or anonymous id').fill('nobody-at-all')
    await page.getByRole('button', { name: 'Apply' }).click()
    await feed.getByText('No events match these filters.').waitFor()
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('a viewer sees no change controls, and a forged change from their session is refused', async () => {
    const { page, context } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/events')
    await waitReady(page)
    const buttons = await page.locator('main button').allInnerTexts()
    for (const text of buttons) assert.match(text, /^(Pause|Resume|Apply|Clear filters|Show as table|Show as chart|Load older|Incoming events|Rejected events)$/, `no change control: ${text}`)
    const viewer = await signInStaff(shop.server.url, staffEmail('viewer'), STAFF_PASSWORD)
    const headers = { cookie: viewer.cookie, 'x-csrf-token': viewer.csrfToken, origin: shop.server.url }
    const forged = await request(`${shop.server.url}/v1/track`, { json: { event: 'Forged', userId: 'u' }, headers })
    assert.equal(forged.status, 403)
    assert.equal(forged.body.error.code, 'insufficient_scope')
    const read = await request(`${shop.server.url}/v1/events?limit=1`, { headers: { cookie: viewer.cookie } })
    assert.equal(read.status, 200)
    await context.close()
  })

  test('data quality shows the report with real numbers from the demo, hostile ids as text', async () => {
    // A rejected event so the chart has a series.
    assert.equal((await request(`${shop.server.url}/v1/track`, { json: { userId: 'u' }, auth: basicAuth(shop.server.writeKey) })).status, 400)
    // Recommendation traffic, as a shop's pages make it, for the fallback table.
    const [item] = (await api.secret('GET', '/v1/items?limit=1')).body.data
    for (const body of [{ strategy: 'bestsellers', count: 4 }, { strategy: 'trending', count: 4 }, { strategy: 'similar', itemId: item.id, count: 4 }]) {
      assert.equal((await api.secret('POST', '/v1/recommendations', body)).status, 200)
    }
    const expected = (await api.secret<DataQualityReport>('GET', '/v1/reports/data-quality')).body
    assert.ok(expected.identity.people > 0 && expected.catalog.items > 0 && expected.sparsity.events > 0, 'the demo has data')
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/data-quality')
    await waitReady(page)
    const stat = (label: string) => page.locator('.stat').filter({ has: page.locator('.stat-label', { hasText: new RegExp(`^${label}$`) }) }).locator('.stat-value')
    assert.equal(await stat('People').innerText(), new Intl.NumberFormat('en-GB').format(expected.identity.people))
    assert.equal(await stat('Items').innerText(), new Intl.NumberFormat('en-GB').format(expected.catalog.items))
    assert.ok(expected.catalog.topUnknownItems.some((x) => x.itemId === hostileItem))
    await page.getByText(hostileItem, { exact: true }).waitFor()
    assert.ok(expected.fallback.length >= 3, 'the recommendations are counted')
    for (const f of expected.fallback) await page.getByRole('row').filter({ hasText: f.strategy }).first().waitFor()
    const consent = page.getByRole('row').filter({ hasText: 'personalization' })
    assert.match(await consent.innerText(), /granted/)
    await page.getByRole('button', { name: 'Show as table' }).click()
    await page.getByRole('table', { name: 'Rejected events per day' }).getByRole('columnheader', { name: 'missing_field' }).waitFor()
    await assertNotPwned(page)
    await assertAccessible(page, 'data quality')
    await screenshot(page, 'dashboard-data-quality')
    await page.getByLabel('Range (fallbacks and rejected events)').selectOption('7d')
    await page.getByText(/fallbacks and rejected events from/).waitFor()
    assert.deepEqual(errors, [])
    await context.close()
  })
})
