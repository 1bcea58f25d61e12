// The dashboard's catalogue and item pages in Chromium, on the demo shop: items with their stock, search,
// category and stock filters and paging; an item's also-bought, also-viewed, similar and complete-the-look
// lists with reasons and levels; hostile titles shown as text; category sensitivity marked by an editor,
// and a viewer who sees no edit control and whose forged change is refused.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { bearer, request } from '../builders/http.ts'
import { signInStaff } from '../builders/routes.ts'
import { launchBrowser } from '../support/browser.ts'
import { assertAccessible, assertNotPwned, type DashboardShop, HOSTILE, openDashboard, screenshot, STAFF_PASSWORD, staffEmail, startDashboardShop, waitReady } from '../support/dashboard.ts'

describe('dashboard: catalogue and item pages', () => {
  let shop: DashboardShop
  let browser: Browser
  let demoItem: { id: string; title: string; category: string }
  const secret = () => bearer(shop.server.secretKey)

  before(async () => {
    ;[shop, browser] = await Promise.all([startDashboardShop(), launchBrowser()])
    const items = [
      { id: 'hostile-1', title: HOSTILE.markup, brand: HOSTILE.long.slice(0, 255), categories: ['Hostile > Markup'], price: 1, inventory: 0, description: `${HOSTILE.long} ${HOSTILE.markup}`, tags: [HOSTILE.markup] },
      // More than a page of items, so that the list pages.
      ...Array.from({ length: 30 }, (_, i) => ({ id: `paging-${String(i).padStart(2, '0')}`, title: `Paging test item n${i}`, brand: 'Pager', categories: ['Paging'], price: 2 })),
    ]
    const posted = await request(`${shop.server.url}/v1/items`, { auth: secret(), json: { items } })
    assert.equal(posted.status, 200, JSON.stringify(posted.body))
    const listed = await request(`${shop.server.url}/v1/items?limit=100`, { auth: secret() })
    const first = listed.body.data.find((i: { id: string; title: string | null }) => !i.id.startsWith('paging-') && !i.id.startsWith('hostile-') && i.title)
    demoItem = { id: first.id, title: first.title, category: first.categories[0] }
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
  })

  test('lists items with their stock, searches them, filters by category and stock, and pages', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/catalogue')
    await waitReady(page)
    const table = page.getByRole('table', { name: 'Catalogue items' })
    assert.equal(await table.locator('tbody tr').count(), 50, 'a first page of 50')
    assert.ok((await table.innerText()).includes('In stock'), 'stock is said in words')
    await assertAccessible(page, 'catalogue')
    await page.getByRole('button', { name: 'Load more' }).click()
    await page.getByRole('status').filter({ hasText: /^\d+ items in the catalogue\./ }).waitFor()
    assert.ok((await table.locator('tbody tr').count()) > 50, 'the next page is added')

    // Search by words of the title, typed and sent with Enter: the list narrows without a reload.
    await page.getByRole('searchbox', { name: 'Search' }).focus()
    await page.keyboard.type('paging test n29')
    await page.keyboard.press('Enter')
    await page.waitForURL(/q=paging/)
    await page.getByRole('status').filter({ hasText: '1 item matches the filters.' }).waitFor()
    assert.equal(await table.locator('tbody tr').count(), 1)
    assert.match(await table.innerText(), /Paging test item n29/)
    // Category and stock filters.
    await page.getByRole('searchbox', { name: 'Search' }).fill('')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByLabel('Category').selectOption('Hostile')
    await page.getByRole('status').filter({ hasText: '1 item matches the filters.' }).waitFor()
    await page.getByLabel('Stock').selectOption('in')
    await page.getByText('Nothing found', { exact: true }).waitFor()
    await page.getByRole('button', { name: 'Clear filters' }).click()
    // Back to the whole catalogue, with the pages already loaded.
    await page.getByRole('status').filter({ hasText: /^\d+ items (in the catalogue|shown, more below)\.$/ }).waitFor()
    await screenshot(page, 'dashboard-catalogue')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test("opens an item and shows its also-bought, also-viewed, similar and complete-the-look lists with reasons and levels", async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', `/dashboard/catalogue?q=${encodeURIComponent(demoItem.id)}`)
    await waitReady(page)
    await page.getByRole('link', { name: demoItem.title, exact: true }).click()
    await page.waitForURL(`**/dashboard/catalogue/${encodeURIComponent(demoItem.id)}`)
    await waitReady(page)
    assert.equal(await page.locator('h1').innerText(), demoItem.title)
    assert.match(await page.getByRole('region', { name: 'Details' }).innerText(), new RegExp(demoItem.category.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    for (const title of ['Also bought', 'Also viewed', 'Similar', 'Complete the look']) await page.getByRole('region', { name: title, exact: true }).waitFor()
    const alsoBought = page.getByRole('region', { name: 'Also bought', exact: true })
    const rows = alsoBought.locator('tbody tr')
    assert.ok((await rows.count()) > 0, 'the demo model has neighbours')
    assert.match(await rows.first().innerText(), /from: /, 'each item says the level it came from')
    assert.match(await alsoBought.innerText(), /\(used\)/)
    // The same first item as the recommendations API gives a shopper on that page.
    const shopper = await request(`${shop.server.url}/v1/recommendations`, { auth: secret(), json: { strategy: 'also-bought', itemId: demoItem.id, count: 8 } })
    assert.match(await rows.first().innerText(), new RegExp(shopper.body.placements[0].items[0].title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    await assertAccessible(page, 'item page')
    await screenshot(page, 'dashboard-item')
    // Following a recommended item opens its page.
    const next = await rows.first().getByRole('link').innerText()
    await rows.first().getByRole('link').click()
    await page.locator('h1', { hasText: next }).waitFor()
    await waitReady(page)
    // An unknown item says what to do.
    await page.goto(`${shop.server.url}/dashboard/catalogue/no-such-item`)
    await page.getByText('No item "no-such-item" in the catalogue').waitFor()
    assert.deepEqual(errors.filter((e) => !/404/.test(e)), [])
    await context.close()
  })

  test('shows hostile titles and very long brands as text, on the list and on the item page', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/catalogue?q=onerror')
    await waitReady(page)
    const table = page.getByRole('table', { name: 'Catalogue items' })
    await table.getByRole('link', { name: HOSTILE.markup, exact: true }).waitFor()
    assert.match(await table.innerText(), /Out of stock/)
    await assertNotPwned(page)
    await table.getByRole('link', { name: HOSTILE.markup, exact: true }).click()
    await waitReady(page)
    assert.equal(await page.locator('h1').innerText(), HOSTILE.markup)
    const details = await page.getByRole('region', { name: 'Details' }).innerText()
    assert.ok(details.includes(HOSTILE.long), 'the long description')
    assert.ok(details.includes(HOSTILE.long.slice(0, 255)), 'the long brand')
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element made from the title')
    assert.equal(await page.evaluate('document.documentElement.scrollWidth <= innerWidth'), true, 'long words wrap instead of widening the page')
    await assertNotPwned(page)
    await assertAccessible(page, 'hostile item page')
    await screenshot(page, 'dashboard-item-hostile')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('an editor marks a category sensitive and unmarks it; its subcategories follow', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', '/dashboard/catalogue')
    await waitReady(page)
    const categories = page.getByRole('table', { name: 'Categories and their sensitivity' })
    const row = categories.locator('tr', { has: page.getByRole('cell', { name: 'Hostile', exact: true }) })
    const child = categories.locator('tr', { has: page.getByRole('cell', { name: 'Hostile > Markup', exact: true }) })
    assert.match(await row.innerText(), /Not sensitive/)
    await page.getByRole('button', { name: 'Mark sensitive: Hostile', exact: true }).click()
    await row.getByText('Sensitive', { exact: true }).waitFor()
    await child.getByText('Sensitive (from its parent)').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Mark sensitive: Hostile > Markup', exact: true }).count(), 0, 'an inherited mark is changed at its parent')
    const stored = await request(`${shop.server.url}/v1/categories`, { auth: secret() })
    assert.equal(stored.body.data.find((c: { path: string }) => c.path === 'Hostile > Markup').sensitive, true)
    await assertAccessible(page, 'catalogue with a sensitive category')
    await screenshot(page, 'dashboard-catalogue-sensitive')
    // By keyboard this time.
    await page.getByRole('button', { name: 'Unmark: Hostile', exact: true }).focus()
    await page.keyboard.press('Enter')
    await row.getByText('Not sensitive').waitFor()
    const after = await request(`${shop.server.url}/v1/categories`, { auth: secret() })
    assert.equal(after.body.data.find((c: { path: string }) => c.path === 'Hostile').sensitive, false)
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('a viewer sees no edit control, and a forged change is refused', async () => {
    const { page, context } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/catalogue')
    await waitReady(page)
    await page.getByText('Only editors and admins can change the marks.').waitFor()
    assert.equal(await page.getByRole('button', { name: /^(Mark sensitive|Unmark):/ }).count(), 0)
    const before = (await request(`${shop.server.url}/v1/categories`, { auth: secret() })).body.data.find((c: { path: string }) => c.path === 'Hostile').sensitive
    const viewer = await signInStaff(shop.server.url, staffEmail('viewer'), STAFF_PASSWORD)
    const forged = await request(`${shop.server.url}/v1/categories`, {
      json: { categories: [{ path: 'Hostile', sensitive: !before }] },
      headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrfToken, origin: shop.server.url },
    })
    assert.equal(forged.status, 403)
    assert.equal(forged.body.error.code, 'insufficient_scope')
    const stored = await request(`${shop.server.url}/v1/categories`, { auth: secret() })
    assert.equal(stored.body.data.find((c: { path: string }) => c.path === 'Hostile').sensitive, before, 'unchanged')
    await context.close()
  })
})
