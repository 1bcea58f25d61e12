/**
 * Browser tests of the dashboard: an engine with the demo shop loaded and one staff user per role, Chromium
 * pages signed in as a role, and the checks every page gets (no console errors, axe with no serious or
 * critical violations, screenshots saved under .tmp/screenshots/).
 */
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { type DemoLoad, loadDemo } from '../../src/demo/index.ts'
import type { StaffRole } from '../../src/storage/index.ts'
import { signInStaff } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'

export const STAFF_PASSWORD = 'dashboard tests password'
export const staffEmail = (role: StaffRole) => `dash-${role}@example.com`

/** Text that breaks pages which build HTML from data: markup, script, a javascript: URL, very long words. */
export const HOSTILE = {
  markup: '<img src=x onerror="window.__pwned=1">"><script>window.__pwned=1</script>',
  url: 'javascript:window.__pwned=1',
  long: `W${'w'.repeat(600)}`,
}

export interface DashboardShop {
  server: TestServer
  demo: DemoLoad
  close(): Promise<void>
}

/**
 * The demo shop (small: quick to load) on a real server with its workers running, and staff users
 * dash-admin@, dash-editor@, dash-viewer@example.com, all with STAFF_PASSWORD. `env` adds to the
 * restarted server's environment (e.g. ATTUNE_BUILT_IN_SEGMENTS for the Segments pages).
 */
export async function startDashboardShop(size: { people?: number; items?: number; days?: number } = {}, env: Record<string, string> = {}): Promise<DashboardShop> {
  const loading = await startServer()
  let demo: DemoLoad
  try {
    demo = await loadDemo(loading.engine, { people: size.people ?? 150, items: size.items ?? 40, days: size.days ?? 14 })
    await loading.stop()
  } catch (error) {
    await loading.close()
    throw error
  }
  // demo.json exists now: the restarted server registers the demo pages too.
  const server = await startServer({ dataDir: loading.dataDir }, { env: { ...env, ATTUNE_WRITE_KEY: loading.writeKey, ATTUNE_SECRET_KEY: loading.secretKey } })
  server.engine.startWorkers()
  for (const role of ['admin', 'editor', 'viewer'] as const) await server.engine.staff.add({ email: staffEmail(role), role, password: STAFF_PASSWORD })
  return { server, demo, close: () => server.close() }
}

export interface DashboardPage {
  context: BrowserContext
  page: Page
  /** Console errors and uncaught exceptions seen so far. */
  errors: string[]
}

/** A fresh browser context signed in as `role` (through the API, as the sign-in form does), at `at`. */
export async function openDashboard(browser: Browser, server: TestServer, role: StaffRole | null, at = '/dashboard/', timezoneId = 'Europe/Berlin'): Promise<DashboardPage> {
  const context = await browser.newContext({ timezoneId, locale: 'en-GB' })
  if (role) {
    const { cookie } = await signInStaff(server.url, staffEmail(role), STAFF_PASSWORD)
    const [name, value] = cookie.split(';')[0]!.split('=') as [string, string]
    await context.addCookies([{ name, value, url: server.url, httpOnly: true, sameSite: 'Strict' }])
  }
  const page = await context.newPage()
  const errors = watchErrors(page)
  await page.goto(`${server.url}${at}`)
  return { context, page, errors }
}

export function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`))
  return errors
}

/** Waits until the page's frame says its data is shown (components/page.tsx sets data-ready). */
export async function waitReady(page: Page, timeout = 15_000): Promise<void> {
  await page.locator('section.page[data-ready="true"]').first().waitFor({ timeout })
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[] }[]
}

/** Runs axe-core in the page and fails on serious or critical violations, listing them. */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource)
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) =>
    r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`)) as AxeViolation[]
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe on ${label}`,
  )
}

const SHOTS = path.resolve(import.meta.dirname, '../../.tmp/screenshots')

/** Saves a full-page screenshot as .tmp/screenshots/<name>.png (kept after the run for people to look at). */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true })
}

/** Fails if hostile data ran as script in the page. */
export async function assertNotPwned(page: Page): Promise<void> {
  assert.equal(await page.evaluate('window.__pwned'), undefined, 'hostile data ran as script')
}
