// The Segments pages in Chromium on the seeded demo engine: a viewer reads the list and a segment whose
// name, description and member identifiers are hostile (shown as text, no edit controls, a forged change
// refused); an editor builds a segment with the rule builder, watches its live size (equal to the API's
// preview), sees the field a bad value names, creates it and finds its members, their CSV and the
// segment on a member's page; a change saved meanwhile is refused (409) and nothing is overwritten;
// computed traits are created with their form and a hostile value shows as text on the person page.
// Each page is axe-checked and screenshotted.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import type { ProfileView, SegmentPreview, SegmentView, TraitView } from '../../src/server/api-types.ts'
import { assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { signInStaff } from '../builders/routes.ts'
import { launchBrowser } from '../support/browser.ts'
import { waitFor } from '../support/child-server.ts'
import { assertAccessible, assertNotPwned, type DashboardShop, HOSTILE, openDashboard, screenshot, STAFF_PASSWORD, staffEmail, startDashboardShop, waitReady } from '../support/dashboard.ts'

describe('dashboard: segments', () => {
  let shop: DashboardShop
  let browser: Browser
  const tag = randomUUID().slice(0, 8)
  /** A visitor whose anonymous id is markup, who sent the one event the hostile segment selects. */
  const visitorAnon = `<img src=x onerror="window.__pwned=1">-${tag}`
  const probe = `Hostile Probe ${tag}`
  let visitorId = ''
  let hostile: SegmentView
  let hostileTrait: TraitView

  const secret = <T = unknown>(method: string, path: string, json?: unknown) => request<T>(`${shop.server.url}${path}`, { method, auth: bearer(shop.server.secretKey), ...(json !== undefined && { json }) })
  const segmentOf = (id: string) => secret<SegmentView>('GET', `/v1/segments/${id}`)

  before(async () => {
    // The built-in segments are off in test servers unless asked for: these pages show and restore them.
    ;[shop, browser] = await Promise.all([startDashboardShop({}, { ATTUNE_BUILT_IN_SEGMENTS: 'true' }), launchBrowser()])
    const trait = await secret<TraitView>('POST', '/v1/traits', {
      key: `last_note_${tag}`,
      name: `${HOSTILE.markup} note`,
      description: HOSTILE.long,
      definition: { type: 'last', event: { name: probe }, property: 'properties.note' },
    })
    assert.equal(trait.status, 201, JSON.stringify(trait.body))
    hostileTrait = trait.body
    const created = await secret<SegmentView>('POST', '/v1/segments', {
      key: `hostile_${tag}`,
      name: HOSTILE.markup,
      description: HOSTILE.long,
      definition: { event: { name: probe, within: '30d' } },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    hostile = created.body
    const sent = await request(`${shop.server.url}/v1/batch`, {
      auth: basicAuth(shop.server.writeKey),
      json: {
        batch: [
          { type: 'identify', anonymousId: visitorAnon, traits: { name: HOSTILE.long, nickname: HOSTILE.markup } },
          { type: 'track', event: probe, anonymousId: visitorAnon, properties: { note: HOSTILE.markup } },
        ],
      },
    })
    assert.equal(sent.status, 200)
    await waitFor(
      async () => {
        const found = await secret<ProfileView & { segments: { id: string }[] }>('GET', `/v1/people/${encodeURIComponent(visitorAnon)}?type=anonymous_id`)
        visitorId = found.status === 200 ? found.body.id : ''
        return found.status === 200 && found.body.segments.some((s) => s.id === hostile.id)
      },
      15_000,
      () => 'the hostile visitor entered the hostile segment',
    )
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
  })

  const card = (page: Page, name: string) => page.getByRole('region', { name, exact: true })
  /** A node of the rule builder by its legend (a fieldset is a group named by its legend). */
  const condition = (page: Page, legend: string) => page.getByRole('group', { name: legend, exact: true })

  test('a viewer reads the list and a hostile segment as text, without edit controls; a forged change is refused', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/segments')
    await waitReady(page)
    const table = page.getByRole('table', { name: 'Segments' })
    assert.match(await table.innerText(), /Built in/, 'the built-in segments are listed and marked')
    assert.equal(await page.getByRole('link', { name: 'New segment' }).count(), 0, 'no New segment for a viewer')
    const link = table.getByRole('link', { name: HOSTILE.markup, exact: true })
    await link.waitFor()
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no markup from data became elements')
    await assertAccessible(page, 'segments list')
    await screenshot(page, 'dashboard-segments-list')

    await link.click()
    await page.waitForURL(`**/dashboard/segments/${hostile.id}`)
    await waitReady(page)
    assert.equal(await page.locator('h1').innerText(), HOSTILE.markup)
    await page.getByText(HOSTILE.long, { exact: true }).waitFor()
    const members = page.getByRole('table', { name: `Members of ${HOSTILE.markup}` })
    await members.getByRole('link', { name: visitorAnon, exact: true }).waitFor()
    assert.equal(await page.getByRole('link', { name: 'Change segment' }).count(), 0, 'no Change for a viewer')
    assert.equal(await page.getByRole('button', { name: 'Delete segment' }).count(), 0, 'no Delete for a viewer')
    assert.match(await page.getByRole('table', { name: 'Versions of this segment, newest first' }).innerText(), /1/)
    await card(page, 'Size over time').locator('figure, .empty').first().waitFor()
    assert.equal(await page.locator('img[src="x"]').count(), 0)
    await assertNotPwned(page)
    await assertAccessible(page, 'hostile segment as viewer')
    await screenshot(page, 'dashboard-segment-hostile')

    await page.goto(`${shop.server.url}/dashboard/segments/new`)
    await waitReady(page)
    await page.getByText('Editors and admins create and change segments').waitFor()
    assert.deepEqual(errors, [])
    await context.close()

    const viewer = await signInStaff(shop.server.url, staffEmail('viewer'), STAFF_PASSWORD)
    const forged = await request(`${shop.server.url}/v1/segments/${hostile.id}`, {
      method: 'PUT',
      json: { expectedVersion: hostile.version, name: 'forged' },
      headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrfToken, origin: shop.server.url },
    })
    assertError(forged, 403, 'insufficient_scope')
    assert.equal((await segmentOf(hostile.id)).body.name, HOSTILE.markup)
  })

  test('an editor builds a segment, sees its live size and the field a bad value names, creates it and finds its members', async () => {
    const rule = { all: [{ event: { kind: 'order_completed', within: '30d' } }] }
    const expected = await secret<SegmentPreview>('POST', '/v1/segments/preview', { definition: rule })
    assert.equal(expected.status, 200, JSON.stringify(expected.body))
    assert.ok(expected.body.size > 0, 'the demo has buyers in the last 30 days')
    const size = expected.body.size.toLocaleString('en-GB')

    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', '/dashboard/segments')
    await waitReady(page)
    await page.getByRole('link', { name: 'New segment' }).click()
    await waitReady(page)
    const name = `Bought lately ${tag}`
    await page.getByLabel('Name', { exact: true }).fill(name)
    assert.equal(await page.getByLabel('Key', { exact: true }).inputValue(), `bought_lately_${tag}`, 'the key follows the name')
    const first = condition(page, 'Condition 1: Event')
    await first.getByLabel('Event kind').selectOption('order_completed')
    await first.getByLabel('Within the last', { exact: true }).fill('30')
    const estimate = card(page, 'Size estimate')
    await estimate.locator('.estimate strong', { hasText: size }).waitFor()
    await estimate.getByText(/computed in/).waitFor()
    assert.match(await estimate.innerText(), new RegExp(`of ${expected.body.population.toLocaleString('en-GB')} people`))

    // A count that is not a number: the preview's 400 names the field, and the condition shows it.
    await first.getByLabel('How many times: value').fill('lots')
    const alert = estimate.getByRole('alert')
    await alert.waitFor()
    assert.match(await alert.innerText(), /all\[0\]\.event\.count\.gte/)
    await first.locator('p.field-error', { hasText: 'must be a finite number' }).waitFor()
    assert.match((await first.getAttribute('class')) ?? '', /invalid/, 'the condition is outlined')
    await screenshot(page, 'dashboard-segment-builder-error')
    await first.getByLabel('How many times: value').fill('1')
    await estimate.locator('.estimate strong', { hasText: size }).waitFor()
    await first.locator('p.field-error').waitFor({ state: 'detached' })

    // A second condition narrows it: orders at least 1 on the profile (every recent buyer has one).
    await page.getByLabel('New condition').selectOption('profile')
    await page.getByRole('button', { name: 'Add condition' }).click()
    await condition(page, 'Condition 2: Profile').getByLabel('Orders: value').waitFor()
    await page.getByRole('tab', { name: 'JSON' }).click()
    const json = JSON.parse(await page.getByLabel('The rule as JSON').inputValue())
    assert.deepEqual(json, { all: [{ event: { kind: 'order_completed', within: '30d', count: { gte: 1 } } }, { profile: { orders: { gte: 1 } } }] })
    await page.getByRole('tab', { name: 'Visual builder' }).click()
    await estimate.getByText(/computed in/).waitFor()
    await assertAccessible(page, 'segment builder')
    await screenshot(page, 'dashboard-segment-builder')

    await page.getByRole('button', { name: 'Create segment' }).click()
    await page.waitForURL((url) => /\/dashboard\/segments\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('/new'))
    await waitReady(page)
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor()
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!)
    await waitFor(async () => (await segmentOf(id)).body.size === expected.body.size, 15_000, () => 'the engine evaluated the new segment')
    await page.reload()
    await waitReady(page)
    const members = page.getByRole('table', { name: `Members of ${name}` })
    await members.locator('tbody tr').first().waitFor()
    assert.equal(await members.locator('tbody tr').count(), 25, 'a first page of 25')
    await page.getByText(`of ${size} shown`).waitFor()
    assert.ok(expected.body.size > 25, 'the demo has more than a page of recent buyers')
    await page.getByRole('button', { name: 'Load more' }).click()
    await members.locator('tbody tr').nth(Math.min(50, expected.body.size) - 1).waitFor()
    const people = await members.locator('tbody tr a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
    assert.equal(new Set(people).size, people.length, 'no one twice across pages')
    await screenshot(page, 'dashboard-segment-created')

    const csvHref = await page.getByRole('link', { name: 'Export members as CSV' }).getAttribute('href')
    const csv = await page.request.get(`${shop.server.url}${csvHref}`)
    assert.equal(csv.status(), 200)
    assert.match(csv.headers()['content-type'] ?? '', /text\/csv/)
    const lines = (await csv.text()).trim().split(/\r?\n/)
    assert.equal(lines.length, expected.body.size + 1, 'a header and one line per member')

    const member = members.locator('tbody tr a').first()
    await member.click()
    await waitReady(page)
    await page.getByRole('table', { name: 'Segments this person is in' }).getByRole('link', { name, exact: true }).waitFor()
    // The refused preview is the one kind of failed request (Chromium logs it).
    assert.ok(errors.length > 0 && errors.every((e) => e.includes('status of 400 (Bad Request)')), errors.join('\n'))
    await context.close()
  })

  test('the estimate follows the rule: a preview of a rule changed since is cancelled, and the size of the latest rule is shown', async () => {
    const sizeOf = async (kind: string) => (await secret<SegmentPreview>('POST', '/v1/segments/preview', { definition: { all: [{ event: { kind, within: '14d' } }] } })).body.size.toLocaleString('en-GB')
    const [viewed, added] = [await sizeOf('product_viewed'), await sizeOf('product_added')]
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', '/dashboard/segments/new')
    await waitReady(page)
    const estimate = card(page, 'Size estimate')
    await estimate.locator('.estimate strong', { hasText: viewed }).waitFor()
    await estimate.getByText(/computed in/).waitFor()
    // Every preview from now on takes a second on the way, so the next change finds one in flight.
    const aborted: string[] = []
    page.on('requestfailed', (r) => {
      if (r.url().endsWith('/v1/segments/preview')) aborted.push(r.failure()?.errorText ?? '')
    })
    await page.route('**/v1/segments/preview', async (route) => {
      await new Promise((r) => setTimeout(r, 1000))
      await route.continue().catch(() => {})
    })
    const kind = condition(page, 'Condition 1: Event').getByLabel('Event kind')
    const first = page.waitForRequest('**/v1/segments/preview')
    await kind.selectOption('order_completed')
    await first
    await estimate.getByText('updating…').waitFor()
    await kind.selectOption('product_added')
    await estimate.locator('.estimate strong', { hasText: added }).waitFor()
    await estimate.getByText(/computed in/).waitFor()
    assert.deepEqual(aborted, ['net::ERR_ABORTED'], 'the preview of order_completed was cancelled')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('the builder shows an abandonment in its form and what it does not cover as JSON; saving keeps both as they were', async () => {
    const rule = {
      any: [
        { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, sameItem: true, timeout: '4h', within: '7d' } },
        { profile: { orders: { gte: 2 }, lastOrder: { olderThan: '90d' } } },
      ],
    }
    const made = await secret<SegmentView>('POST', '/v1/segments', { key: `mixed_${tag}`, name: `Mixed ${tag}`, definition: rule })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', `/dashboard/segments/${made.body.id}/edit`)
    await waitReady(page)
    const abandonment = condition(page, 'Condition 1: Did, then did not (abandonment)')
    assert.equal(await abandonment.getByRole('group', { name: 'Then did not do this' }).getByLabel('Event kind').inputValue(), 'order_completed')
    assert.equal(await abandonment.getByLabel('Within (timeout)', { exact: true }).inputValue(), '4')
    assert.equal(await abandonment.getByLabel("The second event must name one of the first one's items").isChecked(), true)
    const json = condition(page, 'Condition 2: JSON').getByLabel('This condition as JSON')
    assert.deepEqual(JSON.parse(await json.inputValue()), rule.any[1])
    await assertAccessible(page, 'builder with an abandonment and JSON')
    await screenshot(page, 'dashboard-segment-builder-abandonment')

    await abandonment.getByLabel('Within (timeout)', { exact: true }).fill('2')
    await page.getByLabel('Name', { exact: true }).fill(`Mixed again ${tag}`)
    await page.getByRole('button', { name: 'Save segment' }).click()
    await page.waitForURL(`**/dashboard/segments/${made.body.id}`)
    const saved = (await segmentOf(made.body.id)).body
    assert.equal(saved.name, `Mixed again ${tag}`)
    assert.deepEqual(saved.definition, { any: [{ abandonment: { ...rule.any[0]!.abandonment, timeout: '2h' } }, rule.any[1]] })
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('a change saved meanwhile is refused and overwrites nothing; then the editor saves, and deletes', async () => {
    const made = await secret<SegmentView>('POST', '/v1/segments', { key: `conflict_${tag}`, name: `Conflict ${tag}`, definition: { profile: { orders: { gte: 2 } } } })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', `/dashboard/segments/${made.body.id}/edit`)
    await waitReady(page)
    await condition(page, 'Rule: Profile').getByLabel('Orders: value').waitFor()
    const theirs = await secret('PUT', `/v1/segments/${made.body.id}`, { expectedVersion: 1, name: `Theirs ${tag}` })
    assert.equal(theirs.status, 200, JSON.stringify(theirs.body))

    await condition(page, 'Rule: Profile').getByLabel('Orders: value').fill('3')
    await page.getByRole('button', { name: 'Save segment' }).click()
    await page.getByText('Someone saved this segment after you opened it').waitFor()
    assert.match(await page.getByRole('alert').first().innerText(), /conflict/)
    const kept = (await segmentOf(made.body.id)).body
    assert.equal(kept.name, `Theirs ${tag}`)
    assert.deepEqual(kept.definition, { profile: { orders: { gte: 2 } } }, 'nothing overwritten')

    await page.reload()
    await waitReady(page)
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), `Theirs ${tag}`)
    await condition(page, 'Rule: Profile').getByLabel('Orders: value').fill('3')
    await page.getByRole('button', { name: 'Save segment' }).click()
    await page.waitForURL(`**/dashboard/segments/${made.body.id}`)
    await waitReady(page)
    await page.getByRole('table', { name: 'Versions of this segment, newest first' }).locator('tbody tr').nth(2).waitFor()
    assert.deepEqual((await segmentOf(made.body.id)).body.definition, { profile: { orders: { gte: 3 } } })

    await page.getByRole('button', { name: 'Delete segment' }).click()
    await page.getByRole('button', { name: `Confirm delete Theirs ${tag}` }).click()
    await page.waitForURL(/\/dashboard\/segments$/)
    await waitReady(page)
    assert.equal((await segmentOf(made.body.id)).status, 404)
    assert.equal(await page.getByRole('link', { name: `Theirs ${tag}` }).count(), 0, 'gone from the list')

    // A deleted built-in comes back as shipped.
    const builtIn = (await secret<{ data: SegmentView[] }>('GET', '/v1/segments')).body.data.find((x) => x.key === 'high_clv')!
    assert.equal((await secret('DELETE', `/v1/segments/${builtIn.id}`)).status, 204)
    await page.reload()
    await waitReady(page)
    assert.equal(await page.getByRole('link', { name: builtIn.name, exact: true }).count(), 0)
    await page.getByRole('button', { name: 'Restore deleted built-in segments' }).click()
    await page.getByRole('status').filter({ hasText: `Restored as shipped: ${builtIn.name}.` }).waitFor()
    await page.getByRole('link', { name: builtIn.name, exact: true }).waitFor()
    // The refused save is the one failed request (Chromium logs it); nothing asked for the deleted segment again.
    assert.deepEqual(errors, ['console: Failed to load resource: the server responded with a status of 409 (Conflict)'])
    await context.close()
  })

  test('an editor creates a computed trait with its form; the person page shows segments and trait values as text; a viewer reads traits only', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'editor', '/dashboard/traits')
    await waitReady(page)
    await page.getByRole('table', { name: 'Computed traits' }).getByRole('link', { name: hostileTrait.name, exact: true }).waitFor()
    await page.getByRole('link', { name: 'New computed trait' }).click()
    await waitReady(page)
    const name = `Orders in 90 days ${tag}`
    await page.getByLabel('Name', { exact: true }).fill(name)
    await page.getByLabel('Computes').selectOption('counter')
    await page.getByLabel('Event kind').selectOption('order_completed')
    await page.getByLabel('Within the last', { exact: true }).fill('90')
    assert.deepEqual(JSON.parse(await page.getByLabel('The definition as JSON').inputValue()), { type: 'counter', event: { kind: 'order_completed' }, within: '90d' })
    await assertAccessible(page, 'new computed trait')
    await screenshot(page, 'dashboard-trait-new')
    await page.getByRole('button', { name: 'Create computed trait' }).click()
    await page.waitForURL((url) => /\/dashboard\/traits\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('/new'))
    await waitReady(page)
    await page.getByRole('heading', { level: 1, name, exact: true }).waitFor()

    await page.goto(`${shop.server.url}/dashboard/people/${visitorId}`)
    await waitReady(page)
    await page.getByRole('table', { name: 'Segments this person is in' }).getByRole('link', { name: HOSTILE.markup, exact: true }).waitFor()
    const traits = page.getByRole('table', { name: 'Computed traits of this person' })
    await traits.getByText(HOSTILE.markup, { exact: true }).waitFor()
    assert.equal(await page.locator('img[src="x"]').count(), 0)
    await assertNotPwned(page)
    await assertAccessible(page, 'person with segments')
    await screenshot(page, 'dashboard-person-segments')
    assert.deepEqual(errors, [])
    await context.close()

    const viewer = await openDashboard(browser, shop.server, 'viewer', `/dashboard/traits/${hostileTrait.id}`)
    await waitReady(viewer.page)
    assert.equal(await viewer.page.getByLabel('Name', { exact: true }).inputValue(), hostileTrait.name)
    assert.equal(await viewer.page.getByLabel('Name', { exact: true }).getAttribute('readonly'), '')
    assert.equal(await viewer.page.getByRole('button', { name: /Save|Delete/ }).count(), 0, 'no Save or Delete for a viewer')
    await assertNotPwned(viewer.page)
    await assertAccessible(viewer.page, 'trait as viewer')
    assert.deepEqual(viewer.errors, [])
    await viewer.context.close()
  })
})
