// The Settings page in Chromium against the demo engine: API keys (create one, use it over HTTP, revoke it in the
// page, see it refused), staff users (add one and sign in as them, change the role, reset the password, remove),
// consent defaults (change and see the engine follow), the configuration without secrets; admins only.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { anEvent } from '../builders/events.ts'
import { assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { signInStaff } from '../builders/routes.ts'
import { launchBrowser } from '../support/browser.ts'
import { waitFor } from '../support/child-server.ts'
import {
  assertAccessible,
  assertNotPwned,
  type DashboardShop,
  HOSTILE,
  openDashboard,
  screenshot,
  STAFF_PASSWORD,
  staffEmail,
  startDashboardShop,
  waitReady,
} from '../support/dashboard.ts'

describe('dashboard settings page', () => {
  let shop: DashboardShop
  let browser: Browser
  before(async () => {
    ;[shop, browser] = await Promise.all([startDashboardShop(), launchBrowser()])
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
  })

  const main = (page: Page) => page.locator('main')
  const section = (page: Page, name: string) => page.getByRole('region', { name, exact: true })
  const secret = () => bearer(shop.server.secretKey)

  test('loads for an admin with real keys, staff, consent defaults and the configuration, axe-clean and without console errors', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'admin', '/dashboard/settings')
    await waitReady(page)
    const keys = section(page, 'API keys')
    // The demo's keys: the configured write and secret keys, and the demo shop's own write key.
    assert.ok((await keys.locator('tbody tr').count()) >= 3)
    assert.match(await keys.innerText(), /ATTUNE_SECRET_KEY/)
    assert.match(await section(page, 'Staff users').innerText(), new RegExp(staffEmail('viewer')))
    assert.match(await section(page, 'Consent defaults').innerText(), /personalization/)
    const config = await section(page, 'Configuration').innerText()
    assert.match(config, /ATTUNE_RATE_LIMIT/)
    assert.match(config, /secret hidden/)
    const text = await main(page).innerText()
    for (const key of [shop.server.secretKey, shop.server.writeKey]) assert.ok(!text.includes(key), 'no key is shown')
    await assertAccessible(page, 'settings')
    await screenshot(page, 'dashboard-settings')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('creates a key shown once with a copy button, which works over HTTP until it is revoked in the page', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'admin', '/dashboard/settings')
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: shop.server.url })
    await waitReady(page)
    const keys = section(page, 'API keys')
    await keys.getByLabel("New key's name").fill('browser test key')
    await keys.getByLabel('Kind').selectOption('write')
    await keys.getByRole('button', { name: 'Create key' }).click()
    const shown = keys.getByRole('region', { name: /New write key/ })
    await shown.waitFor()
    const key = await shown.getByLabel(/Shown only now/).inputValue()
    assert.match(key, /^wk_/)
    await shown.getByRole('button', { name: 'Copy' }).click()
    await shown.getByRole('status').filter({ hasText: /Copied|select/ }).waitFor()
    if (/Copied/.test(await shown.getByRole('status').innerText())) assert.equal(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()), key)
    await screenshot(page, 'dashboard-settings-key-created')
    assert.equal((await request(`${shop.server.url}/v1/track`, { auth: basicAuth(key), json: anEvent() })).status, 200, 'the new key works')

    await shown.getByRole('button', { name: 'Done' }).click()
    assert.ok(!(await main(page).innerText()).includes(key), 'not shown again')
    const row = keys.locator('tbody tr').filter({ hasText: 'browser test key' })
    await row.getByRole('button', { name: /Revoke/ }).click()
    await row.getByRole('button', { name: 'Revoke “browser test key”' }).click()
    await row.getByText(/Revoked/).waitFor()
    assertError(await request(`${shop.server.url}/v1/track`, { auth: basicAuth(key), json: anEvent() }), 401, 'invalid_key')
    assert.equal((await request(`${shop.server.url}/v1/track`, { auth: basicAuth(shop.server.writeKey), json: anEvent() })).status, 200, 'the others still work')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('works with the keyboard: create a key and revoke it without the mouse', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'admin', '/dashboard/settings')
    await waitReady(page)
    const keys = section(page, 'API keys')
    await keys.getByLabel("New key's name").focus()
    await page.keyboard.type('keyboard key')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document.activeElement?.id), await keys.getByLabel('Kind').getAttribute('id'))
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter') // on "Create key"
    const shown = keys.getByRole('region', { name: /New write key “keyboard key”/ })
    await shown.waitFor()
    const key = await shown.getByLabel(/Shown only now/).inputValue()
    const row = keys.locator('tbody tr').filter({ hasText: 'keyboard key' })
    await row.getByRole('button', { name: /Revoke/ }).focus()
    await page.keyboard.press('Enter')
    // The confirmation takes the focus: Enter again revokes.
    await page.keyboard.press('Enter')
    await row.getByText(/Revoked/).waitFor()
    assertError(await request(`${shop.server.url}/v1/track`, { auth: basicAuth(key), json: anEvent() }), 401, 'invalid_key')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('keeps the last secret key from being revoked, and says why', async () => {
    const { page, context } = await openDashboard(browser, shop.server, 'admin', '/dashboard/settings')
    await waitReady(page)
    const row = section(page, 'API keys').locator('tbody tr').filter({ hasText: 'ATTUNE_SECRET_KEY' })
    assert.equal(await row.getByRole('button', { name: /Revoke/ }).count(), 0)
    assert.match(await row.innerText(), /last secret key/)
    await context.close()
  })

  test('adds a staff user who can sign in with the one-time password shown, changes the role, resets the password and removes them', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'admin', '/dashboard/settings')
    await waitReady(page)
    const staff = section(page, 'Staff users')
    const email = 'dash-added@example.com'
    await staff.getByLabel("New user's email").fill(email)
    await staff.getByLabel('Their role').selectOption('editor')
    await staff.getByRole('button', { name: 'Add user' }).click()
    const shown = staff.getByRole('region', { name: `Added ${email} as editor` })
    await shown.waitFor()
    const password = await shown.getByLabel(/Shown only now/).inputValue()
    assert.ok(password.length >= 12)
    // They sign in with it in their own browser, and must choose their own password first.
    const theirs = await openDashboard(browser, shop.server, null)
    await theirs.page.getByLabel('Email').fill(email)
    await theirs.page.getByLabel('Password').fill(password)
    await theirs.page.getByRole('button', { name: 'Sign in' }).click()
    await theirs.page.getByRole('heading', { name: 'Choose your password' }).waitFor()
    const me = await theirs.page.evaluate(async () => (await (await fetch('/v1/session')).json()) as { user: { role: string; mustChangePassword: boolean } })
    assert.deepEqual([me.user.role, me.user.mustChangePassword], ['editor', true])
    await theirs.context.close()
    await shown.getByRole('button', { name: 'Done' }).click()

    const row = staff.locator('tbody tr').filter({ hasText: email })
    await row.getByLabel(`Role of ${email}`).selectOption('viewer')
    await waitFor(async () => (await request(`${shop.server.url}/v1/staff/users`, { auth: secret() })).body.data.find((u: { email: string }) => u.email === email)?.role === 'viewer', 5000)
    await row.getByRole('button', { name: `Reset password of ${email}` }).click()
    await row.getByRole('button', { name: `Reset the password of ${email}` }).click()
    const reset = staff.getByRole('region', { name: `New one-time password for ${email}` })
    await reset.waitFor()
    const next = await reset.getByLabel(/Shown only now/).inputValue()
    assert.notEqual(next, password)
    await assert.rejects(signInStaff(shop.server.url, email, password), 'the old password no longer signs in')
    await signInStaff(shop.server.url, email, next)
    await reset.getByRole('button', { name: 'Done' }).click()

    await row.getByRole('button', { name: `Remove ${email}` }).click()
    await row.getByRole('button', { name: `Remove ${email}` }).click()
    await staff.locator('tbody tr').filter({ hasText: email }).waitFor({ state: 'detached' })
    await assert.rejects(signInStaff(shop.server.url, email, next), 'a removed user cannot sign in')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('edits the consent defaults, which the engine follows at once, and goes back to the configured ones', async () => {
    // A visitor who never stated consent, with views folded under the configured default (granted).
    const visitor = `dash-settings-${Date.now()}`
    const item = (await shop.server.engine.store.listItems({ limit: 1 })).data[0]!.id
    assert.equal((await request(`${shop.server.url}/v1/track`, { auth: basicAuth(shop.server.writeKey), json: { anonymousId: visitor, event: 'Product Viewed', properties: { product_id: item } } })).status, 200)
    const ask = () => request(`${shop.server.url}/v1/recommendations`, { auth: secret(), json: { anonymousId: visitor, strategy: 'for-you', count: 3 } })
    await waitFor(async () => (await ask()).body.personalized === true, 10_000)

    const { page, context, errors } = await openDashboard(browser, shop.server, 'admin', '/dashboard/settings')
    await waitReady(page)
    const consent = section(page, 'Consent defaults')
    await consent.getByLabel('Default for personalization').selectOption('denied')
    await consent.getByLabel('Add a purpose of your own').fill('partner_offers')
    await consent.getByRole('button', { name: 'Add purpose' }).click()
    await consent.getByLabel('Default for partner_offers').waitFor()
    assert.equal(await consent.getByText('Denied: each person must consent themselves').count(), 1, 'sensitive is not editable')
    await consent.getByRole('button', { name: 'Save consent defaults' }).click()
    await consent.getByRole('status').filter({ hasText: 'Saved' }).waitFor()
    await consent.getByText(`Last changed by ${staffEmail('admin')}`).waitFor()
    const stored = (await request(`${shop.server.url}/v1/settings`, { auth: secret() })).body
    assert.equal(stored.consentDefaults.personalization, false)
    assert.equal(stored.consentDefaults.partner_offers, false)
    // The visitor who never stated consent: no personal answer now.
    const denied = await ask()
    assert.equal(denied.body.personalized, false)
    assert.match(denied.body.note, /consent/)
    await screenshot(page, 'dashboard-settings-consent')

    await consent.getByRole('button', { name: 'Use the configured defaults' }).click()
    await consent.getByRole('button', { name: 'Go back to the configured defaults' }).click()
    await consent.getByRole('button', { name: 'Use the configured defaults' }).waitFor({ state: 'detached' })
    assert.equal(await consent.getByLabel('Default for personalization').inputValue(), 'granted')
    assert.equal((await request(`${shop.server.url}/v1/settings`, { auth: secret() })).body.consentDefaults.personalization, true)
    assert.equal((await ask()).body.personalized, true, 'personal again')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('a stale edit is refused with its reason and a way to reload', async () => {
    const { page, context } = await openDashboard(browser, shop.server, 'admin', '/dashboard/settings')
    await waitReady(page)
    // Someone else changes the settings after this page loaded them.
    assert.equal((await request(`${shop.server.url}/v1/settings`, { method: 'PUT', auth: secret(), json: { consentDefaults: { email: false } } })).status, 200)
    const consent = section(page, 'Consent defaults')
    await consent.getByLabel('Default for advertising').selectOption('granted')
    await consent.getByRole('button', { name: 'Save consent defaults' }).click()
    const alert = consent.getByRole('alert')
    await alert.filter({ hasText: 'conflict' }).waitFor()
    await alert.getByRole('button', { name: 'Try again' }).click()
    await consent.getByText('Last changed by secret key').waitFor()
    assert.equal(await consent.getByLabel('Default for advertising').inputValue(), 'denied', 'the form shows what is in force')
    await context.close()
  })

  test('shows hostile key names as text', async () => {
    for (const name of [HOSTILE.markup, HOSTILE.url, HOSTILE.long.slice(0, 100)]) {
      assert.equal((await request(`${shop.server.url}/v1/keys`, { auth: secret(), json: { kind: 'write', name } })).status, 201)
    }
    const { page, context, errors } = await openDashboard(browser, shop.server, 'admin', '/dashboard/settings')
    await waitReady(page)
    const keys = section(page, 'API keys')
    await keys.getByText(HOSTILE.markup, { exact: true }).waitFor()
    await keys.getByText(HOSTILE.url, { exact: true }).waitFor()
    assert.equal(await page.locator('main img').count(), 0, 'no markup from data')
    await assertNotPwned(page)
    await assertAccessible(page, 'settings with hostile names')
    await screenshot(page, 'dashboard-settings-hostile')
    assert.deepEqual(errors, [])
    await context.close()
  })

  for (const role of ['editor', 'viewer'] as const) {
    test(`${role === 'editor' ? 'an' : 'a'} ${role} sees "admins only" and no controls, and forged changes are 403`, async () => {
      const { page, context, errors } = await openDashboard(browser, shop.server, role, '/dashboard/settings')
      await waitReady(page)
      assert.match(await main(page).innerText(), /Settings are for admins only/)
      assert.equal(await main(page).locator('button, input, select').count(), 0, 'no controls')
      await assertAccessible(page, `settings as ${role}`)
      // Forged from the page itself, with the session and its CSRF token.
      const statuses = await page.evaluate(async () => {
        const { csrfToken } = (await (await fetch('/v1/session')).json()) as { csrfToken: string }
        const headers = { 'content-type': 'application/json', 'x-csrf-token': csrfToken }
        const calls: [string, string, unknown?][] = [
          ['GET', '/v1/keys'],
          ['POST', '/v1/keys', { kind: 'secret', name: 'forged' }],
          ['DELETE', '/v1/keys/anything'],
          ['GET', '/v1/settings'],
          ['PUT', '/v1/settings', { consentDefaults: { personalization: false } }],
          ['GET', '/v1/config'],
          ['POST', '/v1/staff/users', { email: 'forged@example.com', role: 'admin' }],
        ]
        const out: number[] = []
        for (const [method, path, body] of calls) out.push((await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })).status)
        return out
      })
      assert.deepEqual(statuses, [403, 403, 403, 403, 403, 403, 403])
      assert.equal((await request(`${shop.server.url}/v1/settings`, { auth: secret() })).body.consentDefaults.personalization, true)
      assert.deepEqual(errors.filter((e) => !/403|Forbidden/.test(e)), [])
      await context.close()
    })
  }
})
