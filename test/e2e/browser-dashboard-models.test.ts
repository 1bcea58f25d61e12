// The dashboard's models page in Chromium, on the demo shop: versions with their status, metrics against
// bestsellers as a chart and a table; an editor trains a version and watches its progress reach ready
// without a reload, then rolls back to the previous version; a viewer sees no control and a forged
// training request is refused.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { bearer, request } from '../builders/http.ts'
import { signInStaff } from '../builders/routes.ts'
import { launchBrowser } from '../support/browser.ts'
import { assertAccessible, type DashboardShop, openDashboard, screenshot, STAFF_PASSWORD, staffEmail, startDashboardShop, waitReady } from '../support/dashboard.ts'

describe('dashboard: models page', () => {
  let shop: DashboardShop
  let browser: Browser
  const models = async () => (await request(`${shop.server.url}/v1/models`, { auth: bearer(shop.server.secretKey) })).body

  before(async () => {
    // Big enough for the validation split, so that versions have metrics to chart.
    ;[shop, browser] = await Promise.all([startDashboardShop({ people: 300, items: 60, days: 30 }), launchBrowser()])
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
  })

  test('a viewer sees the versions and their metrics against bestsellers, no controls, and a forged training is refused', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/models')
    await waitReady(page)
    const versions = page.getByRole('table', { name: 'Model versions, newest first' })
    assert.match(await versions.innerText(), /Ready/)
    assert.match(await versions.innerText(), new RegExp(shop.demo.modelVersion))
    await page.getByRole('img', { name: /NDCG by version/ }).waitFor()
    const metrics = page.getByRole('table', { name: /against bestsellers/ })
    const text = await metrics.innerText()
    for (const line of ['For you', 'Also bought', 'Also viewed', 'Similar', 'Complete the look', 'Bestsellers (baseline)']) assert.ok(text.includes(line), line)
    assert.match(text, /\d×/, 'each strategy against bestsellers')
    // The active version's lifetime-value fit: 30 days of orders are below its minimums, and it says so.
    const clv = page.getByRole('region', { name: 'Lifetime value' })
    await clv.getByText('RFM percentiles').waitFor()
    assert.match(await clv.getByTestId('clv-note').innerText(), /fewer than the .* needed to fit BG\/NBD: percentiles from RFM instead/)
    // The chart's figures as a table, for the keyboard and screen readers.
    await page.getByRole('button', { name: 'Show as table' }).click()
    await page.getByRole('table', { name: 'NDCG by version' }).waitFor()
    await assertAccessible(page, 'models as viewer')
    assert.equal(await page.getByRole('button', { name: 'Train now' }).count(), 0)
    assert.equal(await page.getByRole('button', { name: /^(Activate|Roll back to) / }).count(), 0)
    await page.getByText('Only editors and admins can train and activate versions.').waitFor()
    const viewer = await signInStaff(shop.server.url, staffEmail('viewer'), STAFF_PASSWORD)
    const forged = await request(`${shop.server.url}/v1/models/train`, { method: 'POST', json: {}, headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrfToken, origin: shop.server.url } })
    assert.equal(forged.status, 403)
    assert.equal(forged.body.error.code, 'insufficient_scope')
    assert.equal((await models()).data.length, 1, 'nothing was trained')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('an editor trains now and watches the progress reach ready without a reload, then rolls back to the previous version', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', '/dashboard/models')
    await waitReady(page)
    await page.evaluate(() => ((globalThis as unknown as { __sameDocument: boolean }).__sameDocument = true))
    const previous = shop.demo.modelVersion
    await page.getByRole('button', { name: 'Train now' }).click()
    const progress = page.getByRole('region', { name: 'Training now' })
    await progress.waitFor()
    const seen = new Set<string>()
    // While it trains: the bar and the stage move, polled live.
    while (await progress.isVisible()) {
      const value = await progress.getByRole('progressbar').getAttribute('value').catch(() => null)
      if (value !== null) seen.add(value)
      await page.waitForTimeout(100)
    }
    assert.ok(seen.size >= 2, `the bar moved while it trained (values seen: ${[...seen].join(', ')})`)
    const list = await models()
    const fresh = list.data[0]
    assert.notEqual(fresh.id, previous)
    assert.equal(fresh.status, 'ready', fresh.error ?? '')
    assert.equal(list.active, fresh.id)
    const versions = page.getByRole('table', { name: 'Model versions, newest first' })
    const freshRow = versions.locator('tr', { hasText: fresh.id })
    await freshRow.getByText('Ready').waitFor()
    await freshRow.getByText('Active', { exact: true }).waitFor()
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __sameDocument?: boolean }).__sameDocument), true, 'no reload')
    await screenshot(page, 'dashboard-models-trained')

    await page.getByRole('button', { name: `Roll back to ${previous}` }).click()
    await versions.locator('tr', { hasText: previous }).getByText('Active', { exact: true }).waitFor()
    assert.equal((await models()).active, previous)
    await page.getByRole('button', { name: `Activate ${fresh.id}` }).waitFor()
    await assertAccessible(page, 'models as editor')
    await screenshot(page, 'dashboard-models')
    assert.deepEqual(errors, [])
    await context.close()
  })
})
