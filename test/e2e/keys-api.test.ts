/**
 * API keys over HTTP (GET/POST /v1/keys, DELETE /v1/keys/:id): admins and the secret key list, create and
 * revoke keys; the key is shown once; a revoked key stops working at once on the node that revoked it and
 * within the key refresh on another node of the same store; the last active secret key cannot be revoked.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { hashKey } from '../../src/core/index.ts'
import { anEvent } from '../builders/events.ts'
import { assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { signInStaff, type StaffSession } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { spawnAttune, waitFor } from '../support/child-server.ts'

const PASSWORD = 'keys test password'
const asStaff = (s: StaffSession) => ({ cookie: s.cookie, 'x-csrf-token': s.csrfToken })

describe('API keys over HTTP', () => {
  let server: TestServer
  let secret: string
  before(async () => {
    server = await startServer({}, { env: { ATTUNE_ADMIN_EMAIL: 'admin@example.com', ATTUNE_ADMIN_PASSWORD: PASSWORD }, engine: { keyRefreshMs: 200 } })
    secret = bearer(server.secretKey)
    for (const role of ['editor', 'viewer'] as const) await server.engine.staff.add({ email: `${role}@example.com`, role, password: PASSWORD })
  })
  after(() => server?.close())

  const track = (key: string) => request(`${server.url}/v1/track`, { auth: basicAuth(key), json: anEvent() })
  const items = (key: string) => request(`${server.url}/v1/items?limit=1`, { auth: bearer(key) })
  const create = (body: unknown, auth = secret) => request(`${server.url}/v1/keys`, { auth, json: body })
  const revoke = (id: string, auth = secret) => request(`${server.url}/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE', auth })
  const list = async () =>
    (await request(`${server.url}/v1/keys`, { auth: secret })).body.data as { id: string; kind: string; name: string; active: boolean; revokedAt: string | null; lastUsedAt: string | null }[]

  it('lists the keys without the keys themselves or their digests', async () => {
    const reply = await request(`${server.url}/v1/keys`, { auth: secret })
    assert.equal(reply.status, 200)
    const kinds = reply.body.data.map((k: { kind: string }) => k.kind).sort()
    assert.deepEqual(kinds, ['secret', 'write'])
    for (const k of reply.body.data) {
      assert.deepEqual(Object.keys(k).sort(), ['active', 'createdAt', 'id', 'kind', 'lastUsedAt', 'name', 'revokedAt'])
      assert.equal(k.active, true)
      assert.equal(k.name, k.kind === 'secret' ? 'ATTUNE_SECRET_KEY' : 'ATTUNE_WRITE_KEY')
    }
    const text = JSON.stringify(reply.body)
    for (const key of [server.writeKey, server.secretKey]) {
      assert.ok(!text.includes(key), 'no key in the list')
      assert.ok(!text.includes(hashKey(key)), 'no digest in the list')
    }
  })

  it('creates a write key shown once, usable at once, and refuses it over HTTP once revoked', async () => {
    const created = await create({ kind: 'write', name: 'storefront  ' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.headers.get('cache-control'), 'no-store')
    const { apiKey, key } = created.body
    assert.match(key, /^wk_/)
    assert.deepEqual({ kind: apiKey.kind, name: apiKey.name, active: apiKey.active, revokedAt: apiKey.revokedAt }, { kind: 'write', name: 'storefront', active: true, revokedAt: null })
    assert.equal((await list()).find((k) => k.id === apiKey.id)?.lastUsedAt, null, 'never used yet')
    assert.equal((await track(key)).status, 200, 'accepted at once by the node that made it')
    assertError(await items(key), 403, 'insufficient_scope')
    const listed = (await list()).find((k) => k.id === apiKey.id)
    assert.ok(listed)
    assert.ok(listed.lastUsedAt && Date.now() - Date.parse(listed.lastUsedAt) < 60_000, 'used just now')
    assert.ok(!JSON.stringify(await list()).includes(key), 'never shown again')

    assert.equal((await revoke(apiKey.id)).status, 204)
    assertError(await track(key), 401, 'invalid_key', 'authorization')
    const after = (await list()).find((k) => k.id === apiKey.id)!
    assert.equal(after.active, false)
    assert.ok(after.revokedAt && Date.parse(after.revokedAt) <= Date.now())
    assertError(await revoke(apiKey.id), 404, 'not_found')
    assert.equal((await track(server.writeKey)).status, 200, 'the other keys still work')
  })

  it('creates a secret key that may do everything, and revokes the configured one with it', async () => {
    const created = await create({ kind: 'secret', name: 'rotation' })
    assert.equal(created.status, 201)
    const { key, apiKey } = created.body
    assert.match(key, /^sk_/)
    assert.equal((await items(key)).status, 200)
    const original = (await list()).find((k) => k.kind === 'secret' && k.active && k.id !== apiKey.id)!
    // Rotation: the new key revokes the old one, which then stops working.
    assert.equal((await revoke(original.id, bearer(key))).status, 204)
    assertError(await items(server.secretKey), 401, 'invalid_key')
    secret = bearer(key)
    // The new one is now the last active secret key: refused, and it keeps working.
    const refused = assertError(await revoke(apiKey.id), 409, 'conflict', 'id')
    assert.match(refused.error.message, /last active secret key/)
    assert.match(refused.error.message, /create another secret key first/i)
    assert.equal((await items(key)).status, 200)
    assert.equal((await list()).find((k) => k.id === apiKey.id)?.active, true)
  })

  it('refuses the last active secret key on the command line too', async () => {
    const last = (await list()).filter((k) => k.kind === 'secret' && k.active)
    assert.equal(last.length, 1)
    const child = spawnAttune(['keys', 'revoke', last[0]!.id], { ATTUNE_DATA_DIR: server.dataDir, ATTUNE_DATABASE_URL: '' })
    assert.equal(await child.exited, 1, child.output())
    assert.match(child.output(), /last active secret key/)
    assert.equal((await list()).find((k) => k.id === last[0]!.id)?.active, true)
  })

  it('checks the body, naming the field', async () => {
    assertError(await create({ kind: 'admin', name: 'x' }), 400, 'invalid_field', 'kind')
    assertError(await create({ kind: 'write' }), 400, 'missing_field', 'name')
    assertError(await create({ kind: 'write', name: '' }), 400, 'invalid_field', 'name')
    assertError(await create({ kind: 'write', name: '   ' }), 400, 'invalid_field', 'name')
    assertError(await create({ kind: 'write', name: 'bell\u0007' }), 400, 'invalid_field', 'name')
    assertError(await create({ kind: 'write', name: 'x'.repeat(101) }), 400, 'invalid_field', 'name')
    assertError(await create({ kind: 'write', name: 'ok', scope: 'secret' }), 400, 'invalid_field')
    assertError(await revoke('no-such-key'), 404, 'not_found', 'id')
  })

  it('keeps a hostile name as text', async () => {
    const name = '<img src=x onerror=alert(1)> "quoted" ✓'
    const created = await create({ kind: 'write', name })
    assert.equal(created.status, 201)
    assert.equal((await list()).find((k) => k.id === created.body.apiKey.id)?.name, name)
    assert.equal((await revoke(created.body.apiKey.id)).status, 204)
  })

  it('lets admins manage keys with a session, and refuses editors and viewers with 403', async () => {
    const admin = await signInStaff(server.url, 'admin@example.com', PASSWORD)
    const made = await request(`${server.url}/v1/keys`, { headers: asStaff(admin), json: { kind: 'write', name: 'by the admin' } })
    assert.equal(made.status, 201)
    for (const role of ['editor', 'viewer'] as const) {
      const session = await signInStaff(server.url, `${role}@example.com`, PASSWORD)
      assertError(await request(`${server.url}/v1/keys`, { headers: asStaff(session) }), 403, 'insufficient_scope')
      assertError(await request(`${server.url}/v1/keys`, { headers: asStaff(session), json: { kind: 'secret', name: 'forged' } }), 403, 'insufficient_scope')
      assertError(await request(`${server.url}/v1/keys/${made.body.apiKey.id}`, { method: 'DELETE', headers: asStaff(session) }), 403, 'insufficient_scope')
    }
    assert.equal((await track(made.body.key)).status, 200, 'the forged revocations did nothing')
    // Without the CSRF token, a session's change is refused.
    assertError(await request(`${server.url}/v1/keys/${made.body.apiKey.id}`, { method: 'DELETE', headers: { cookie: admin.cookie } }), 403, 'csrf_failed')
    assert.equal((await request(`${server.url}/v1/keys/${made.body.apiKey.id}`, { method: 'DELETE', headers: asStaff(admin) })).status, 204)
    assertError(await track(made.body.key), 401, 'invalid_key')
    assertError(await request(`${server.url}/v1/keys`, { auth: bearer(server.writeKey) }), 403, 'insufficient_scope')
  })

  it('revokes on every node of the store: another node refuses the key by its next key refresh', async () => {
    const other = await startServer({ dataDir: server.dataDir }, { env: { ATTUNE_WRITE_KEY: server.writeKey, ATTUNE_SECRET_KEY: undefined }, engine: { keyRefreshMs: 200 } })
    try {
      const created = await create({ kind: 'write', name: 'two nodes' })
      await waitFor(async () => (await request(`${other.url}/v1/track`, { auth: basicAuth(created.body.key), json: anEvent() })).status === 200, 5000)
      assert.equal((await revoke(created.body.apiKey.id)).status, 204)
      await waitFor(async () => (await request(`${other.url}/v1/track`, { auth: basicAuth(created.body.key), json: anEvent() })).status === 401, 5000)
    } finally {
      await other.stop()
    }
  })
})
