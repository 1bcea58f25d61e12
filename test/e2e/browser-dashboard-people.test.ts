// The People and Person pages in Chromium on the seeded demo engine: find a person by an email prefix
// and preview every strategy for them; merge two people and unmerge them; withdraw personalization
// consent and watch the preview fall back, then restore it; hostile data shown as text; a viewer sees no
// edit controls and a forged change is 403. Each page is axe-checked and screenshotted.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { PeopleList, ProfileView } from '../../src/server/api-types.ts'
import { assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { signInStaff } from '../builders/routes.ts'
import { launchBrowser } from '../support/browser.ts'
import { assertAccessible, assertNotPwned, type DashboardShop, HOSTILE, openDashboard, screenshot, STAFF_PASSWORD, staffEmail, startDashboardShop, waitReady } from '../support/dashboard.ts'

describe('dashboard: people', () => {
  let shop: DashboardShop
  let browser: Browser
  /** A demo shopper with a user id, an email and orders. */
  let shopper: { id: string; email: string; userId: string }
  /** A visitor whose every field is hostile: an anonymous id with markup, a long name, an item and category made of markup. */
  const tag = randomUUID().slice(0, 8)
  const visitorAnon = `<img src=x onerror="window.__pwned=1">-${tag}`
  const hostileItem = `hostile-${tag}`
  // ">" separates category levels, so the markup of a category has none.
  const hostileCategory = 'Hostile > <img src=x onerror="window.__pwned=1" data-x='
  // A brand is at most 255 characters: a long unbroken word all the same.
  const longBrand = HOSTILE.long.slice(0, 250)
  let visitorId = ''

  const secret = <T = unknown>(method: string, path: string, json?: unknown) => request<T>(`${shop.server.url}${path}`, { method, auth: bearer(shop.server.secretKey), ...(json !== undefined && { json }) })

  before(async () => {
    ;[shop, browser] = await Promise.all([startDashboardShop(), launchBrowser()])
    const buyers = await secret<PeopleList>('GET', '/v1/people?identified=user&minOrders=1&consent=granted&limit=50')
    assert.equal(buyers.status, 200)
    const row = buyers.body.data.find((r) => r.identifiers.some((i) => i.type === 'email') && r.identifiers.some((i) => i.type === 'user_id'))
    assert.ok(row, 'the demo has a shopper with a user id, an email and orders')
    shopper = { id: row.id, email: row.identifiers.find((i) => i.type === 'email')!.value, userId: row.identifiers.find((i) => i.type === 'user_id')!.value }

    const put = await secret('PUT', `/v1/items/${hostileItem}`, { title: HOSTILE.markup, categories: [hostileCategory], brand: longBrand, price: 5 })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const sent = await request(`${shop.server.url}/v1/batch`, {
      auth: basicAuth(shop.server.writeKey),
      json: {
        batch: [
          { type: 'identify', anonymousId: visitorAnon, traits: { name: HOSTILE.long, nickname: HOSTILE.markup } },
          { type: 'track', event: 'Product Viewed', anonymousId: visitorAnon, properties: { product_id: hostileItem, note: HOSTILE.markup } },
        ],
      },
    })
    assert.equal(sent.status, 200)
    for (let i = 0; i < 200 && !visitorId; i++) {
      const found = await secret<ProfileView>('GET', `/v1/people/${encodeURIComponent(visitorAnon)}?type=anonymous_id`)
      if (found.status === 200 && found.body.activity.events >= 2) visitorId = found.body.id
      else await new Promise((r) => setTimeout(r, 25))
    }
    assert.ok(visitorId, 'the hostile visitor was stitched')
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
  })

  const previewCard = (page: Page, strategy: string) => page.getByRole('region', { name: `Preview of ${strategy}`, exact: true })

  test('finds a person by the beginning of their email in any letter case, opens them, and previews every strategy', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', '/dashboard/people')
    await waitReady(page)
    assert.ok((await page.locator('table tbody tr').count()) > 0, 'the list shows the demo people')
    await assertAccessible(page, 'people list')
    await screenshot(page, 'dashboard-people-list')

    const prefix = shopper.email.slice(0, shopper.email.indexOf('@') + 2).toUpperCase()
    await page.getByLabel('Any identifier').fill(prefix)
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.waitForURL(`**/dashboard/people?q=${encodeURIComponent(prefix).replace(/%20/g, '+')}`)
    const link = page.getByRole('link', { name: shopper.userId, exact: true })
    await link.waitFor()
    assert.match(await page.locator('table').innerText(), new RegExp(shopper.email.replace(/[.+]/g, '\\$&')))
    assert.match(await page.locator('table').innerText(), /matched/)
    await screenshot(page, 'dashboard-people-search')

    // A search for nobody says what to do.
    await page.getByLabel('Any identifier').fill(`nobody-${tag}`)
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.getByText('No one matches.').waitFor()
    await page.goBack()
    await link.click()
    await page.waitForURL(`**/dashboard/people/${shopper.id}`)
    await waitReady(page)
    assert.equal(await page.locator('h1').innerText(), shopper.userId)
    const forYou = previewCard(page, 'for-you')
    await forYou.getByText('Personalized', { exact: true }).waitFor({ timeout: 15_000 })
    assert.ok((await forYou.locator('ol li').count()) > 0, 'for-you shows items')
    assert.match(await forYou.locator('ol').innerText(), /—/, 'each item with its reason')
    await forYou.getByText(/Explain each level/).click()
    assert.match(await forYou.locator('details table').innerText(), /Offered/)
    for (const strategy of ['trending', 'bestsellers', 'similar', 'cart', 'email-picks']) await previewCard(page, strategy).locator('p strong').first().waitFor()
    assert.ok((await page.getByRole('table', { name: 'Category affinities' }).locator('tbody tr').count()) > 0, 'affinities shown')
    assert.match(await page.getByRole('table', { name: 'Category affinities' }).innerText(), /adds [\d.,]+ now/, 'with the events behind them')
    await assertAccessible(page, 'person')
    await screenshot(page, 'dashboard-person')
    assert.deepEqual(errors, [])
    // Previews record no impression: the attribution report has none for this person's visit.
    await shop.server.engine.impressions.flush()
    const shown = (await shop.server.engine.store.impressions.range(Date.now() - 120_000, Date.now() + 1)).filter((r) => r.personId === shopper.id)
    assert.deepEqual(shown, [], 'no impression from the previews')
    await context.close()
  })

  test('pages the list with Load more, filters it from the keyboard, and clears the filters', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/people')
    await waitReady(page)
    const rows = page.locator('table tbody tr')
    await rows.first().waitFor()
    assert.equal(await rows.count(), 25, 'a first page of 25')
    await page.getByRole('button', { name: 'Load more' }).click()
    await rows.nth(25).waitFor()
    const ids = await page.locator('table tbody tr td:first-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
    assert.equal(new Set(ids).size, ids.length, 'no one twice across pages')

    await page.getByLabel('Known as').selectOption('anonymous')
    await page.getByLabel('Any identifier').focus()
    await page.keyboard.press('Enter')
    await page.waitForURL('**/dashboard/people?identified=anonymous')
    await page.locator('section.card[aria-label="Everyone, last seen first"] table tbody tr').first().waitFor()
    assert.doesNotMatch(await page.locator('table').innerText(), /User id:/, 'anonymous people only')
    await page.getByRole('button', { name: 'Clear' }).click()
    await page.waitForURL(/\/dashboard\/people$/)
    assert.equal(await page.getByLabel('Known as').inputValue(), '')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('an editor saves a liked category and it ranks first among the affinities', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', `/dashboard/people/${shopper.id}`)
    await waitReady(page)
    const categories = page.getByRole('table', { name: 'Category affinities' })
    await categories.locator('tbody tr').first().waitFor()
    const liked = 'Liked > Only here'
    await page.getByLabel('Liked categories', { exact: true }).fill(liked)
    await page.getByRole('button', { name: 'Save preferences' }).click()
    await categories.locator('tbody tr').first().getByText(liked, { exact: true }).waitFor()
    assert.match(await categories.locator('tbody tr').first().innerText(), /Liked \(explicit\)/)
    const saved = await secret<ProfileView>('GET', `/v1/people/${shopper.id}?type=person_id`)
    assert.deepEqual(saved.body.preferences.categories.liked, [liked])
    await page.getByLabel('Liked categories', { exact: true }).fill('')
    await page.getByRole('button', { name: 'Save preferences' }).click()
    await categories.getByText(liked, { exact: true }).waitFor({ state: 'detached' })
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('shows hostile identifiers, items and categories as text', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'admin', `/dashboard/people?q=${encodeURIComponent('<img')}`)
    await waitReady(page)
    await page.getByRole('link', { name: visitorAnon, exact: true }).click()
    await waitReady(page)
    assert.equal(await page.locator('h1').innerText(), visitorAnon)
    await page.getByRole('table', { name: 'Category affinities' }).getByText(hostileCategory, { exact: true }).waitFor()
    await page.getByRole('table', { name: 'Brand affinities' }).getByText(longBrand, { exact: true }).waitFor()
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no markup from data became elements')
    await assertNotPwned(page)
    await assertAccessible(page, 'hostile person')
    await screenshot(page, 'dashboard-person-hostile')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('merges another person in by an identifier and unmerges them', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', `/dashboard/people/${shopper.id}`)
    await waitReady(page)
    const identities = page.getByRole('table', { name: 'Identifiers of this person' })
    assert.doesNotMatch(await identities.innerText(), new RegExp(tag))
    await page.getByLabel('Merge in the person with this identifier').fill(visitorAnon)
    await page.getByLabel('Its type').selectOption('anonymous_id')
    await page.getByRole('button', { name: 'Merge', exact: true }).click()
    await identities.getByText(visitorAnon, { exact: true }).waitFor()
    const merged = await secret<ProfileView>('GET', `/v1/people/${encodeURIComponent(visitorAnon)}?type=anonymous_id`)
    assert.equal(merged.body.id, shopper.id, 'the visitor is now this person')
    const mergeId = merged.body.merges.find((m) => m.kind === 'merge' && m.undoneAt === null && m.cause.startsWith('api'))!.id
    await screenshot(page, 'dashboard-person-merged')

    await page.getByRole('button', { name: `Unmerge ${mergeId}` }).click()
    await page.getByRole('button', { name: `Confirm unmerge ${mergeId}` }).click()
    await page.getByRole('table', { name: 'Merges, refused merges and moved identifiers' }).getByText('Undone').first().waitFor()
    await identities.getByText(visitorAnon, { exact: true }).waitFor({ state: 'detached' })
    const apart = await secret<ProfileView>('GET', `/v1/people/${encodeURIComponent(visitorAnon)}?type=anonymous_id`)
    assert.notEqual(apart.body.id, shopper.id, 'the visitor is on their own again')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('withdrawing personalization consent turns the preview non-personal; granting it back restores it', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', `/dashboard/people/${shopper.id}`)
    await waitReady(page)
    const forYou = previewCard(page, 'for-you')
    await forYou.getByText('Personalized', { exact: true }).waitFor({ timeout: 15_000 })
    await page.getByRole('button', { name: 'Withdraw personalization' }).click()
    await forYou.getByText('Not personalized', { exact: true }).waitFor({ timeout: 15_000 })
    assert.match(await forYou.innerText(), /no personalization consent/)
    await page.getByText('Personalization consent is off').waitFor()
    assert.equal((await secret<ProfileView>('GET', `/v1/people/${shopper.id}?type=person_id`)).body.personalization, false)
    await screenshot(page, 'dashboard-person-no-consent')
    await page.getByRole('button', { name: 'Grant personalization' }).click()
    await forYou.getByText('Personalized', { exact: true }).waitFor({ timeout: 15_000 })
    assert.equal((await secret<ProfileView>('GET', `/v1/people/${shopper.id}?type=person_id`)).body.personalization, true)
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('a viewer sees the person without edit controls, and a forged change is refused', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', `/dashboard/people/${shopper.id}`)
    await waitReady(page)
    await previewCard(page, 'for-you').locator('p strong').first().waitFor({ timeout: 15_000 })
    for (const name of [/^Merge$/, /^Withdraw /, /^Grant /, /^Unmerge /, /^Save preferences$/]) assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button for a viewer`)
    assert.equal(await page.getByLabel('Merge in the person with this identifier').count(), 0)
    assert.equal(await page.getByLabel('Liked categories', { exact: true }).getAttribute('readonly'), '', 'preferences are read only')
    await assertAccessible(page, 'person as viewer')
    assert.deepEqual(errors, [])
    await context.close()

    const viewer = await signInStaff(shop.server.url, staffEmail('viewer'), STAFF_PASSWORD)
    const forged = await request(`${shop.server.url}/v1/people/${shopper.id}/consent?type=person_id`, {
      method: 'PUT',
      json: { personalization: false },
      headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrfToken, origin: shop.server.url },
    })
    assertError(forged, 403, 'insufficient_scope')
    assert.equal((await secret<ProfileView>('GET', `/v1/people/${shopper.id}?type=person_id`)).body.personalization, true)
  })
})
