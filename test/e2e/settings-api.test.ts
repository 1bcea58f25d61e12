/**
 * Engine settings over HTTP (GET/PUT /v1/settings): the consent defaults stored over ATTUNE_CONSENT_DEFAULTS,
 * honoured end to end: a person who never stated personalization consent loses personal recommendations
 * when the default becomes denied, and gets them (from their next events on) when it becomes granted again;
 * another node of the same store follows within its refresh, the embedded worker thread of `attune serve` at
 * once; versions refuse lost updates; only admins.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateShop, type SyntheticShop } from '../../src/evaluation/index.ts'
import { uniqueId } from '../builders/events.ts'
import { assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { signInStaff, type StaffSession } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { type Child, kill, startServe, waitFor } from '../support/child-server.ts'

const PASSWORD = 'settings test password'
const asStaff = (s: StaffSession) => ({ cookie: s.cookie, 'x-csrf-token': s.csrfToken })

describe('settings API: consent defaults', () => {
  let server: TestServer
  let shop: SyntheticShop
  const secret = () => bearer(server.secretKey)
  const settings = () => request(`${server.url}/v1/settings`, { auth: secret() })
  const put = (body: unknown, auth = secret()) => request(`${server.url}/v1/settings`, { method: 'PUT', auth, json: body })
  const recommend = (anonymousId: string) => request(`${server.url}/v1/recommendations`, { auth: basicAuth(server.writeKey), json: { anonymousId, strategy: 'for-you', count: 6 } })
  const profile = (anonymousId: string) => request(`${server.url}/v1/people/${anonymousId}?type=anonymous_id`, { auth: secret() })
  const view = async (anonymousId: string, items: string[]) => {
    const batch = items.map((id) => ({ type: 'track', event: 'Product Viewed', anonymousId, properties: { product_id: id } }))
    assert.equal((await request(`${server.url}/v1/batch`, { auth: basicAuth(server.writeKey), json: { batch } })).status, 200)
  }
  const shoes = () => shop.items.filter((it) => it.categories?.[0]?.startsWith('Shoes > ') && it.available !== false).map((it) => it.id)

  before(async () => {
    // ATTUNE_CONSENT_DEFAULTS gives the configured defaults; the stored settings override them.
    server = await startServer({}, { env: { ATTUNE_CONSENT_DEFAULTS: 'email=granted', ATTUNE_ADMIN_EMAIL: 'admin@example.com', ATTUNE_ADMIN_PASSWORD: PASSWORD } })
    for (const role of ['editor', 'viewer'] as const) await server.engine.staff.add({ email: `${role}@example.com`, role, password: PASSWORD })
    shop = generateShop({ seed: 13, people: 300, items: 120, days: 45 })
    await loadShop(server, shop)
    await trainActiveModel(server)
  })
  after(() => server?.close())

  it('shows the configured defaults while nothing is stored', async () => {
    const reply = await settings()
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.deepEqual(reply.body, {
      consentDefaults: { personalization: true, email: true, advertising: false, sensitive: false },
      configuredConsentDefaults: { personalization: true, email: true, advertising: false, sensitive: false },
      storedConsentDefaults: null,
      version: 0,
      updatedAt: null,
      updatedBy: null,
    })
  })

  it('takes personal recommendations away from a person without a consent signal when the default becomes denied', async () => {
    const visitor = uniqueId('default-visitor')
    const stated = uniqueId('stated-visitor')
    await view(visitor, shoes().slice(0, 3))
    await view(stated, shoes().slice(0, 3))
    assert.equal((await request(`${server.url}/v1/people/${stated}/consent?type=anonymous_id`, { method: 'PUT', auth: secret(), json: { personalization: true } })).status, 200)
    await waitFor(async () => (await profile(visitor)).body?.recentlyViewed?.length === 3, 5000)
    const before = await recommend(visitor)
    assert.equal(before.body.personalized, true, JSON.stringify(before.body))
    assert.equal(before.body.placements[0].servedBy[0], 'personal')

    const changed = await put({ consentDefaults: { personalization: false } })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    assert.equal(changed.body.consentDefaults.personalization, false)
    assert.equal(changed.body.consentDefaults.email, true, 'a purpose left out keeps its configured value')
    assert.deepEqual(changed.body.storedConsentDefaults, { personalization: false })
    assert.equal(changed.body.version, 1)
    assert.match(changed.body.updatedBy, /^secret key /)

    const after = await recommend(visitor)
    assert.equal(after.body.personalized, false)
    assert.match(after.body.note, /consent/)
    assert.ok(!after.body.placements[0].servedBy.includes('personal'))
    const seen = (await profile(visitor)).body
    assert.deepEqual(seen.consent.personalization, { granted: false, source: 'default', at: null })
    assert.equal(seen.personalization, false)
    assert.deepEqual(seen.recentlyViewed, [])
    // The person who said yes themselves keeps their personal answer.
    const own = await recommend(stated)
    assert.equal(own.body.personalized, true)
    assert.equal(own.body.placements[0].servedBy[0], 'personal')
  })

  it('gives them back once the default is granted again, from their next events on', async () => {
    const visitor = uniqueId('denied-visitor')
    await view(visitor, shoes().slice(3, 6))
    await waitFor(async () => (await profile(visitor)).status === 200, 5000)
    const denied = await recommend(visitor)
    assert.equal(denied.body.personalized, false)

    const granted = await put({ consentDefaults: { personalization: true }, version: 1 })
    assert.equal(granted.status, 200, JSON.stringify(granted.body))
    assert.equal(granted.body.version, 2)
    // Views made while the default was denied were not used; the next ones are.
    assert.deepEqual((await profile(visitor)).body.recentlyViewed, [])
    await view(visitor, shoes().slice(0, 3))
    await waitFor(async () => (await profile(visitor)).body?.recentlyViewed?.length === 3, 5000)
    const reply = await recommend(visitor)
    assert.equal(reply.body.personalized, true)
    assert.equal(reply.body.placements[0].servedBy[0], 'personal')
    assert.ok(reply.body.placements[0].items.some((i: { reason: string }) => /^Because you viewed /.test(i.reason)), JSON.stringify(reply.body.placements[0].items))
  })

  it('refuses a change based on an old version with 409, and {} goes back to the configuration', async () => {
    const current = (await settings()).body
    assertError(await put({ consentDefaults: { personalization: false }, version: current.version - 1 }), 409, 'conflict', 'version')
    assert.equal((await settings()).body.consentDefaults.personalization, true, 'nothing changed')
    const reset = await put({ consentDefaults: {} })
    assert.equal(reset.status, 200)
    assert.deepEqual(reset.body.consentDefaults, reset.body.configuredConsentDefaults)
    assert.deepEqual(reset.body.storedConsentDefaults, {})
    assert.equal(reset.body.version, current.version + 1)
  })

  it('checks the body, naming the field', async () => {
    assertError(await put({ consentDefaults: { sensitive: true } }), 400, 'invalid_field', 'consentDefaults.sensitive')
    assertError(await put({ consentDefaults: { personalization: 'yes' } }), 400, 'invalid_field', 'consentDefaults.personalization')
    assertError(await put({ consentDefaults: { Personalization: true } }), 400, 'invalid_field')
    assertError(await put({ consentDefaults: [] }), 400, 'invalid_field', 'consentDefaults')
    assertError(await put({}), 400, 'missing_field', 'consentDefaults')
    assertError(await put({ consentDefaults: {}, version: -1 }), 400, 'invalid_field', 'version')
    assertError(await put({ consentDefaults: {}, other: 1 }), 400, 'invalid_field')
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`purpose_${i}`, false]))
    assertError(await put({ consentDefaults: many }), 400, 'invalid_field', 'consentDefaults')
    // A purpose of its own is fine, and shows in profiles as a default.
    const own = await put({ consentDefaults: { newsletter_partners: false, sensitive: false } })
    assert.equal(own.status, 200)
    assert.equal(own.body.consentDefaults.newsletter_partners, false)
  })

  it('is for admins: editors and viewers get 403 on reads and forged changes; an admin session is named as the changer', async () => {
    for (const role of ['editor', 'viewer'] as const) {
      const session = await signInStaff(server.url, `${role}@example.com`, PASSWORD)
      assertError(await request(`${server.url}/v1/settings`, { headers: asStaff(session) }), 403, 'insufficient_scope')
      assertError(await request(`${server.url}/v1/settings`, { method: 'PUT', headers: asStaff(session), json: { consentDefaults: { personalization: false } } }), 403, 'insufficient_scope')
    }
    assert.equal((await settings()).body.consentDefaults.personalization, true, 'the forged change did nothing')
    const admin = await signInStaff(server.url, 'admin@example.com', PASSWORD)
    const changed = await request(`${server.url}/v1/settings`, { method: 'PUT', headers: asStaff(admin), json: { consentDefaults: { advertising: false } } })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    assert.equal(changed.body.updatedBy, 'admin@example.com')
    assert.ok(Math.abs(Date.parse(changed.body.updatedAt) - Date.now()) < 60_000)
    assertError(await request(`${server.url}/v1/settings`, { auth: bearer(server.writeKey) }), 403, 'insufficient_scope')
  })

  it('reaches another node of the same store by its next refresh, which serves with it', async () => {
    const other = await startServer({ dataDir: server.dataDir }, { env: { ATTUNE_WRITE_KEY: server.writeKey, ATTUNE_SECRET_KEY: server.secretKey, ATTUNE_CONSENT_DEFAULTS: 'email=granted' }, engine: { keyRefreshMs: 200 } })
    try {
      assert.equal(other.engine.settings.consentDefaults.personalization, true)
      assert.equal((await put({ consentDefaults: { personalization: false } })).status, 200)
      await waitFor(async () => other.engine.settings.consentDefaults.personalization === false, 5000)
      // Served by the other node (its own people cache and recommender), for a person known before.
      const visitor = uniqueId('other-node')
      await view(visitor, shoes().slice(0, 3))
      await waitFor(async () => (await profile(visitor)).status === 200, 5000)
      const reply = await request(`${other.url}/v1/recommendations`, { auth: basicAuth(server.writeKey), json: { anonymousId: visitor, strategy: 'for-you', count: 4 } })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      assert.equal(reply.body.personalized, false)
      assert.match(reply.body.note, /consent/)
    } finally {
      await other.stop()
      assert.equal((await put({ consentDefaults: {} })).status, 200)
    }
  })
})

describe('settings under attune serve: the embedded worker thread', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-settings-'))
  const WRITE = 'wk_settings_thread_0123456789'
  const SECRET = 'sk_settings_thread_0123456789'
  let child: (Child & { url: string }) | undefined
  after(async () => {
    await kill(child)
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('folds with a change at once, not at its next refresh', async () => {
    child = await startServe({ ATTUNE_DATA_DIR: dataDir, ATTUNE_WRITE_KEY: WRITE, ATTUNE_SECRET_KEY: SECRET, ATTUNE_DATABASE_URL: '', ATTUNE_REDIS_URL: '', ATTUNE_NATS_URL: '', ATTUNE_EMBEDDED_WORKER: '' })
    const url = child.url
    const secret = bearer(SECRET)
    const items = ['thread-a', 'thread-b', 'thread-c'].map((id) => ({ id, title: id, price: 10, categories: ['Shoes > Running'] }))
    assert.equal((await request(`${url}/v1/items`, { auth: secret, json: { items } })).status, 200)
    const put = (personalization: boolean) => request(`${url}/v1/settings`, { method: 'PUT', auth: secret, json: { consentDefaults: { personalization } } })
    const profile = (id: string) => request(`${url}/v1/people/${id}?type=anonymous_id`, { auth: secret })
    const view = (id: string, itemId: string) => request(`${url}/v1/track`, { auth: basicAuth(WRITE), json: { anonymousId: id, event: 'Product Viewed', properties: { product_id: itemId } } })

    assert.equal((await put(false)).status, 200)
    const visitor = uniqueId('thread-visitor')
    for (const item of items) assert.equal((await view(visitor, item.id)).status, 200)
    await waitFor(async () => (await profile(visitor)).status === 200, 10_000, () => child!.output())
    // Granted again: had the thread folded those views with the old default, they would show now.
    assert.equal((await put(true)).status, 200)
    assert.deepEqual((await profile(visitor)).body.recentlyViewed, [])
    assert.equal((await view(visitor, 'thread-a')).status, 200)
    await waitFor(async () => (await profile(visitor)).body.recentlyViewed?.length === 1, 10_000, () => child!.output())
  })
})
