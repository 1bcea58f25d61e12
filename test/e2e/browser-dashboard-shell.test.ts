// The dashboard's frame in Chromium: signing in and out, the forced password change, every page in the
// navigation for each role (no console errors, axe clean), deep links, the CSP, and the keyboard.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { Browser } from 'playwright-core'
import { request } from '../builders/http.ts'
import { launchBrowser } from '../support/browser.ts'
import { assertAccessible, type DashboardShop, openDashboard, screenshot, STAFF_PASSWORD, staffEmail, startDashboardShop, waitReady } from '../support/dashboard.ts'

describe('dashboard shell', () => {
  let shop: DashboardShop
  let browser: Browser
  before(async () => {
    ;[shop, browser] = await Promise.all([startDashboardShop(), launchBrowser()])
  })
  after(async () => {
    await browser?.close()
    await shop?.close()
  })

  test('signs in with the form, refuses a wrong password with its reason, and signs out', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, null)
    await page.getByLabel('Email').fill(staffEmail('editor'))
    await page.getByLabel('Password').fill('not the right password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'invalid_credentials' }).waitFor()
    await screenshot(page, 'dashboard-sign-in-refused')
    await page.getByLabel('Password').fill(STAFF_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await waitReady(page)
    assert.match(await page.locator('nav[aria-label="Dashboard"]').innerText(), /dash-editor@example\.com/)
    assert.match(await page.locator('nav[aria-label="Dashboard"]').innerText(), /Role: editor/)
    const cookies = await context.cookies()
    const session = cookies.find((c) => c.name === 'attune_session')
    assert.ok(session?.httpOnly, 'the session cookie is HttpOnly')
    assert.equal(session?.sameSite, 'Strict')
    assert.equal(await page.evaluate("document.cookie.includes('attune_session')"), false, 'scripts cannot read the session')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('status').filter({ hasText: 'You are signed out' }).waitFor()
    await page.reload()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    assert.deepEqual(errors.filter((e) => !/401|Unauthorized/.test(e)), [])
    await context.close()
  })

  test('a user with a generated password must choose a new one before any page', async () => {
    const added = await shop.server.engine.staff.add({ email: 'dash-new@example.com', role: 'viewer' })
    assert.ok(added.password, 'a one-time password was generated')
    const { page, context } = await openDashboard(browser, shop.server, null)
    await page.getByLabel('Email').fill('dash-new@example.com')
    await page.getByLabel('Password').fill(added.password!)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor()
    assert.equal(await page.locator('nav[aria-label="Dashboard"]').count(), 0, 'no navigation before the change')
    await assertAccessible(page, 'password change')
    await page.getByLabel('One-time password').fill(added.password!)
    await page.getByLabel('New password (at least 12 characters)').fill('a much better passphrase')
    await page.getByLabel('New password again').fill('a different passphrase!')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('alert').filter({ hasText: 'differ' }).waitFor()
    await page.getByLabel('New password again').fill('a much better passphrase')
    await page.getByRole('button', { name: 'Change password' }).click()
    await waitReady(page)
    const signIn = await request(`${shop.server.url}/v1/session`, { json: { email: 'dash-new@example.com', password: 'a much better passphrase' } })
    assert.equal(signIn.status, 200, 'the new password signs in')
    await context.close()
  })

  for (const role of ['admin', 'editor', 'viewer'] as const) {
    test(`every page in the navigation loads for ${role === 'viewer' ? 'a' : 'an'} ${role}, without console errors and axe-clean`, async () => {
      const { page, context, errors } = await openDashboard(browser, shop.server, role)
      await waitReady(page)
      const links = await page.locator('nav[aria-label="Dashboard"] ul a').evaluateAll((as) => as.map((a) => [a.textContent ?? '', a.getAttribute('href') ?? '']))
      assert.ok(links.length >= 8, `the navigation lists the pages: ${JSON.stringify(links)}`)
      for (const [name, href] of links) {
        await page.getByRole('link', { name, exact: true }).click()
        await page.waitForURL(`**${href!}`)
        // The page before may still be on screen (and ready) for a moment: wait for this one's heading first.
        await page.getByRole('heading', { level: 1, name, exact: true }).waitFor()
        await waitReady(page)
        await assertAccessible(page, `${name} as ${role}`)
        if (role === 'admin') await screenshot(page, `nav-${href!.split('/').filter(Boolean).slice(1).join('-') || 'overview'}`)
      }
      assert.deepEqual(errors, [], `console errors as ${role}`)
      await context.close()
    })
  }

  test('a session ended elsewhere sends the next page back to the sign-in form, saying why', async () => {
    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer')
    await waitReady(page)
    // Sign the same session out through the API, as another tab or an expiry would.
    const cookie = (await context.cookies()).find((c) => c.name === 'attune_session')!
    const session = await request(`${shop.server.url}/v1/session`, { method: 'GET', headers: { cookie: `attune_session=${cookie.value}` } })
    const csrfToken = (session.body as { csrfToken: string }).csrfToken
    const out = await request(`${shop.server.url}/v1/session`, { method: 'DELETE', headers: { cookie: `attune_session=${cookie.value}`, 'x-csrf-token': csrfToken } })
    assert.equal(out.status, 204)
    await page.getByRole('link', { name: 'People', exact: true }).click()
    await page.getByRole('status').filter({ hasText: 'Your session ended' }).waitFor()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    assert.deepEqual(errors.filter((e) => !/401|Unauthorized/.test(e)), [])
    await context.close()
  })

  test('deep links load the app with a strict CSP; unknown pages say where to go', async () => {
    const deep = await fetch(`${shop.server.url}/dashboard/people/someone`)
    assert.equal(deep.status, 200)
    const csp = deep.headers.get('content-security-policy') ?? ''
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/)
    const html = await deep.text()
    const asset = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    assert.ok(asset, 'index.html names its script')
    const script = await fetch(`${shop.server.url}${asset}`)
    assert.equal(script.status, 200)
    assert.match(script.headers.get('cache-control') ?? '', /immutable/)
    assert.equal((await fetch(`${shop.server.url}/dashboard`, { redirect: 'manual' })).headers.get('location'), '/dashboard/')

    const { page, context, errors } = await openDashboard(browser, shop.server, 'viewer', '/dashboard/no/such/page')
    await page.getByRole('heading', { name: 'Page not found' }).waitFor()
    await page.getByRole('link', { name: 'overview', exact: true }).click()
    await waitReady(page)
    assert.equal(await page.locator('h1').first().innerText(), 'Overview')
    assert.deepEqual(errors, [])
    await context.close()
  })

  test('the keyboard reaches the skip link first and the navigation after it', async () => {
    const { page, context } = await openDashboard(browser, shop.server, 'viewer')
    await waitReady(page)
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content')
    await page.keyboard.press('Tab')
    assert.equal(await page.evaluate("document.activeElement?.closest('nav')?.getAttribute('aria-label')"), 'Dashboard')
    // Focus is visible: the focused link draws an outline.
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle')
    assert.notEqual(outline, 'none')
    await context.close()
  })
})
