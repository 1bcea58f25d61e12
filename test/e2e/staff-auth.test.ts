/**
 * Dashboard staff over real HTTP: sign-in, the session cookie, CSRF on every change, roles checked by the
 * server, sign-in limits, password changes, sessions shared by every node of one store, and the first start's admin.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertError, bearer, request } from '../builders/http.ts'
import { signInStaff, type StaffSession } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'

const PASSWORD = 'correct horse battery'
const asStaff = (s: StaffSession, csrf = true) => ({ cookie: s.cookie, ...(csrf && { 'x-csrf-token': s.csrfToken }) })

describe('staff sign-in and sessions', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({}, { env: { ATTUNE_ADMIN_EMAIL: 'Boss@Example.com', ATTUNE_ADMIN_PASSWORD: PASSWORD } })
    for (const role of ['editor', 'viewer'] as const) await server.engine.staff.add({ email: `${role}@example.com`, role, password: PASSWORD })
  })
  after(() => server?.close())

  it('creates the first admin from ATTUNE_ADMIN_EMAIL / ATTUNE_ADMIN_PASSWORD, lower-casing the email', async () => {
    assert.deepEqual(server.engine.createdAdmin, { email: 'boss@example.com', password: null })
    const session = await signInStaff(server.url, 'BOSS@example.com ', PASSWORD)
    const me = await request(`${server.url}/v1/session`, { headers: asStaff(session, false) })
    assert.equal(me.status, 200)
    assert.equal(me.body.user.role, 'admin')
    assert.equal(me.body.user.mustChangePassword, false)
    assert.equal(me.body.csrfToken, session.csrfToken)
  })

  it('sets an HttpOnly, SameSite=Strict cookie and stores only its digest', async () => {
    const res = await fetch(`${server.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'viewer@example.com', password: PASSWORD }) })
    assert.equal(res.status, 200)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('attune_session='))!
    assert.match(cookie, /; HttpOnly/i)
    assert.match(cookie, /; SameSite=Strict/i)
    assert.match(cookie, /; Path=\//)
    const token = cookie.split(';')[0]!.slice('attune_session='.length)
    assert.equal(await server.engine.store.staff.getSession(token), null, 'the raw token is not a key of the store')
  })

  it('answers a wrong password and an unknown email alike, naming no field', async () => {
    const wrong = await request(`${server.url}/v1/session`, { json: { email: 'viewer@example.com', password: 'not the password' } })
    const unknown = await request(`${server.url}/v1/session`, { json: { email: 'nobody@example.com', password: 'not the password' } })
    assertError(wrong, 401, 'invalid_credentials')
    assertError(unknown, 401, 'invalid_credentials')
    assert.equal(wrong.body.error.message, unknown.body.error.message)
    assert.equal(wrong.headers.get('set-cookie'), null)
  })

  it('refuses the API without a session, and GET /v1/session says not_signed_in', async () => {
    assertError(await request(`${server.url}/v1/session`), 401, 'not_signed_in')
    assertError(await request(`${server.url}/v1/items`, { headers: { cookie: 'attune_session=forged' } }), 401, 'not_signed_in')
  })

  it('lets each role do what it may and refuses the rest with 403 insufficient_scope', async () => {
    const viewer = await signInStaff(server.url, 'viewer@example.com', PASSWORD)
    const editor = await signInStaff(server.url, 'editor@example.com', PASSWORD)
    const item = { title: 'Staff item', price: 12, categories: ['Staff'] }
    assert.equal((await request(`${server.url}/v1/items?limit=1`, { headers: asStaff(viewer, false) })).status, 200)
    // The viewer has a valid CSRF token: the role alone refuses it.
    assertError(await request(`${server.url}/v1/items/staff-1`, { method: 'PUT', json: item, headers: asStaff(viewer) }), 403, 'insufficient_scope')
    assert.equal((await request(`${server.url}/v1/items/staff-1`, { method: 'PUT', json: item, headers: asStaff(editor) })).status, 200)
    assertError(await request(`${server.url}/v1/staff/users`, { headers: asStaff(editor, false) }), 403, 'insufficient_scope')
    assertError(await request(`${server.url}/v1/user-tokens`, { json: { userId: 'u1' }, headers: asStaff(editor) }), 403, 'insufficient_scope')
  })

  it('refuses a change without the CSRF token, with a wrong one, or from another site', async () => {
    const admin = await signInStaff(server.url, 'boss@example.com', PASSWORD)
    const body = { title: 'CSRF item', price: 1 }
    assertError(await request(`${server.url}/v1/items/csrf-1`, { method: 'PUT', json: body, headers: asStaff(admin, false) }), 403, 'csrf_failed', 'x-csrf-token')
    assertError(await request(`${server.url}/v1/items/csrf-1`, { method: 'PUT', json: body, headers: { cookie: admin.cookie, 'x-csrf-token': `${admin.csrfToken}x` } }), 403, 'csrf_failed')
    assertError(
      await request(`${server.url}/v1/items/csrf-1`, { method: 'PUT', json: body, headers: { ...asStaff(admin), origin: 'https://evil.example' } }),
      403,
      'csrf_failed',
      'origin',
    )
    assert.equal((await request(`${server.url}/v1/items/csrf-1`, { headers: asStaff(admin, false) })).status, 404, 'nothing was written')
    assert.equal((await request(`${server.url}/v1/items/csrf-1`, { method: 'PUT', json: body, headers: { ...asStaff(admin), origin: server.url } })).status, 200)
  })

  it('ignores a session cookie on tracking routes unless the CSRF header comes with it (shop pages on the same origin)', async () => {
    const viewer = await signInStaff(server.url, 'viewer@example.com', PASSWORD)
    const event = { anonymousId: 'staff-beacon', event: 'Product Viewed', properties: { product_id: 'staff-1' }, writeKey: server.writeKey }
    const beacon = await request(`${server.url}/v1/track`, { json: event, headers: { cookie: viewer.cookie } })
    assert.equal(beacon.status, 200, JSON.stringify(beacon.body))
    assertError(await request(`${server.url}/v1/track`, { json: event, headers: asStaff(viewer) }), 403, 'insufficient_scope')
  })

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const session = await signInStaff(server.url, 'viewer@example.com', PASSWORD)
    assertError(await request(`${server.url}/v1/session`, { method: 'DELETE', headers: asStaff(session, false) }), 403, 'csrf_failed')
    const out = await fetch(`${server.url}/v1/session`, { method: 'DELETE', headers: asStaff(session) })
    assert.equal(out.status, 204)
    assert.match(out.headers.getSetCookie()[0]!, /attune_session=;.*Max-Age=0/i)
    assertError(await request(`${server.url}/v1/session`, { headers: asStaff(session, false) }), 401, 'not_signed_in')
  })

  it('changes a password: the old one stops working and other sessions end', async () => {
    await server.engine.staff.add({ email: 'changer@example.com', role: 'viewer', password: PASSWORD })
    const here = await signInStaff(server.url, 'changer@example.com', PASSWORD)
    const elsewhere = await signInStaff(server.url, 'changer@example.com', PASSWORD)
    const url = `${server.url}/v1/session/password`
    assertError(await request(url, { method: 'PUT', json: { currentPassword: 'wrong', newPassword: 'a new long password' }, headers: asStaff(here) }), 401, 'invalid_credentials', 'currentPassword')
    assertError(await request(url, { method: 'PUT', json: { currentPassword: PASSWORD, newPassword: 'short' }, headers: asStaff(here) }), 400, 'invalid_field', 'newPassword')
    const changed = await request(url, { method: 'PUT', json: { currentPassword: PASSWORD, newPassword: 'a new long password' }, headers: asStaff(here) })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    assert.equal((await request(`${server.url}/v1/session`, { headers: asStaff(here, false) })).status, 200, 'this session lives on')
    assertError(await request(`${server.url}/v1/session`, { headers: asStaff(elsewhere, false) }), 401, 'not_signed_in')
    assertError(await request(`${server.url}/v1/session`, { json: { email: 'changer@example.com', password: PASSWORD } }), 401, 'invalid_credentials')
    await signInStaff(server.url, 'changer@example.com', 'a new long password')
  })

  it('keeps a generated password from doing anything but being changed', async () => {
    const added = await request(`${server.url}/v1/staff/users`, { json: { email: 'fresh@example.com', role: 'editor' }, auth: bearer(server.secretKey) })
    assert.equal(added.status, 201)
    assert.equal(typeof added.body.password, 'string')
    assert.equal(added.body.user.mustChangePassword, true)
    const session = await signInStaff(server.url, 'fresh@example.com', added.body.password)
    assertError(await request(`${server.url}/v1/items`, { headers: asStaff(session, false) }), 403, 'insufficient_scope')
    const changed = await request(`${server.url}/v1/session/password`, { method: 'PUT', json: { currentPassword: added.body.password, newPassword: 'my own password now' }, headers: asStaff(session) })
    assert.equal(changed.body.user.mustChangePassword, false)
    assert.equal((await request(`${server.url}/v1/items`, { headers: asStaff(session, false) })).status, 200)
  })

  it('manages staff: duplicates and the last admin are refused, a removed user is signed out', async () => {
    const admin = await signInStaff(server.url, 'boss@example.com', PASSWORD)
    const users = `${server.url}/v1/staff/users`
    assertError(await request(users, { json: { email: 'viewer@EXAMPLE.com', role: 'viewer' }, headers: asStaff(admin) }), 409, 'conflict', 'email')
    assertError(await request(users, { json: { email: 'not an email', role: 'viewer' }, headers: asStaff(admin) }), 400, 'invalid_field', 'email')
    assertError(await request(users, { json: { email: 'x@example.com', role: 'owner' }, headers: asStaff(admin) }), 400, 'invalid_field')
    const list = await request(users, { headers: asStaff(admin, false) })
    const boss = list.body.data.find((u: { email: string }) => u.email === 'boss@example.com')
    assert.ok(!('passwordHash' in boss), 'no hash in the list')
    assertError(await request(`${users}/${boss.id}`, { method: 'PATCH', json: { role: 'viewer' }, headers: asStaff(admin) }), 409, 'conflict')
    assertError(await request(`${users}/${boss.id}`, { method: 'DELETE', headers: asStaff(admin) }), 409, 'conflict')
    const doomed = await request(users, { json: { email: 'doomed@example.com', role: 'viewer', password: PASSWORD }, headers: asStaff(admin) })
    const session = await signInStaff(server.url, 'doomed@example.com', PASSWORD)
    assert.equal((await request(`${users}/${doomed.body.user.id}`, { method: 'DELETE', headers: asStaff(admin) })).status, 204)
    assertError(await request(`${server.url}/v1/session`, { headers: asStaff(session, false) }), 401, 'not_signed_in')
  })
})

describe('sign-in limits and shared sessions', () => {
  it('limits failed sign-ins per email, then answers 429 with Retry-After even for the right password', async () => {
    const server = await startServer({}, { env: { ATTUNE_LOGIN_FAILURE_LIMIT: '3', ATTUNE_ADMIN_EMAIL: 'limit@example.com', ATTUNE_ADMIN_PASSWORD: PASSWORD } })
    try {
      for (let i = 0; i < 3; i++) assertError(await request(`${server.url}/v1/session`, { json: { email: 'limit@example.com', password: `guess ${i}` } }), 401, 'invalid_credentials')
      const blocked = await request(`${server.url}/v1/session`, { json: { email: 'limit@example.com', password: PASSWORD } })
      assertError(blocked, 429, 'rate_limited')
      assert.ok(Number(blocked.headers.get('retry-after')) > 0)
    } finally {
      await server.close()
    }
  })

  it('accepts a session on another API node of the same store, and a sign-out there ends it here', async () => {
    const first = await startServer({}, { env: { ATTUNE_ADMIN_EMAIL: 'nodes@example.com', ATTUNE_ADMIN_PASSWORD: PASSWORD } })
    const second = await startServer({ dataDir: first.dataDir }, { env: { ATTUNE_WRITE_KEY: first.writeKey, ATTUNE_SECRET_KEY: first.secretKey } })
    try {
      assert.equal(second.engine.createdAdmin, null, 'only the first start creates an admin')
      const session = await signInStaff(first.url, 'nodes@example.com', PASSWORD)
      assert.equal((await request(`${second.url}/v1/items`, { headers: asStaff(session, false) })).status, 200)
      assert.equal((await request(`${second.url}/v1/session`, { method: 'DELETE', headers: asStaff(session) })).status, 204)
      assertError(await request(`${first.url}/v1/items`, { headers: asStaff(session, false) }), 401, 'not_signed_in')
    } finally {
      await second.close()
      await first.close()
    }
  })

  it('generates the first admin a one-time password when none is configured', async () => {
    const server = await startServer()
    try {
      const created = server.engine.createdAdmin!
      assert.equal(created.email, 'admin@localhost')
      assert.ok(created.password && created.password.length >= 20)
      const session = await signInStaff(server.url, created.email, created.password)
      const me = await request(`${server.url}/v1/session`, { headers: asStaff(session, false) })
      assert.equal(me.body.user.mustChangePassword, true)
    } finally {
      await server.close()
    }
  })
})
