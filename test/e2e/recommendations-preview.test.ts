/**
 * POST /v1/recommendations with `preview: true`: the answer a person would get, recorded nowhere, so the
 * attribution report leaves it out. Only the secret key or a staff session may preview (or name a
 * person by `personId`); the public write key gets 403 naming the field.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateShop, type SyntheticShop } from '../../src/evaluation/index.ts'
import { assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { signInStaff } from '../builders/routes.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'

describe('recommendation previews', () => {
  let server: TestServer
  let shop: SyntheticShop
  let user: string
  const secret = (body: unknown) => request(`${server.url}/v1/recommendations`, { auth: bearer(server.secretKey), json: body })
  const write = (body: unknown) => request(`${server.url}/v1/recommendations`, { auth: basicAuth(server.writeKey), json: body })
  /** Impressions in the attribution report, all strategies, once the recorder has written what it holds. */
  const impressions = async () => {
    await server.engine.impressions.flush()
    const reply = await request(`${server.url}/v1/reports/recommendations`, { auth: bearer(server.secretKey) })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return (reply.body.strategies as { impressions: number }[]).reduce((sum, r) => sum + r.impressions, 0)
  }
  const page = (extra: Record<string, unknown>) => ({ placements: [{ strategy: 'for-you', count: 4 }, { strategy: 'trending', count: 3 }], ...extra })

  before(async () => {
    server = await startServer()
    shop = generateShop({ seed: 11, people: 200, items: 80, days: 30 })
    await loadShop(server, shop)
    await trainActiveModel(server)
    user = shop.people.find((p) => p.userId)!.userId!
    await server.engine.staff.add({ email: 'preview-viewer@example.com', role: 'viewer', password: 'preview viewer password' })
  })
  after(async () => server?.close())

  it('answers a preview like a request and records no impression; the same request without preview does', async () => {
    const before = await impressions()
    const previewed = await secret(page({ userId: user, preview: true, explain: true }))
    assert.equal(previewed.status, 200, JSON.stringify(previewed.body))
    assert.equal(previewed.body.preview, true)
    assert.equal(previewed.body.personalized, true)
    assert.ok(previewed.body.placements[0].items.length > 0)
    assert.ok(Array.isArray(previewed.body.placements[0].explain))
    assert.equal(await impressions(), before, 'a preview adds nothing to the report')

    const shown = await secret(page({ userId: user }))
    assert.equal(shown.status, 200)
    assert.equal(shown.body.preview, undefined)
    assert.deepEqual(
      shown.body.placements.map((p: { items: { id: string }[] }) => p.items.map((i) => i.id)),
      previewed.body.placements.map((p: { items: { id: string }[] }) => p.items.map((i) => i.id)),
      'the preview shows what the person gets',
    )
    // The report counts each item shown.
    const items = shown.body.placements.reduce((n: number, p: { items: unknown[] }) => n + p.items.length, 0)
    assert.ok(items > 0)
    assert.equal(await impressions(), before + items)
  })

  it('previews a person by their canonical person id', async () => {
    const personId = await server.engine.profiles.find(user, 'user_id')
    assert.ok(personId)
    const byUser = await secret(page({ userId: user, preview: true }))
    const byPerson = await secret(page({ personId, preview: true }))
    assert.equal(byPerson.status, 200, JSON.stringify(byPerson.body))
    assert.equal(byPerson.body.personalized, true)
    assert.deepEqual(byPerson.body.placements, byUser.body.placements)
    const unknown = await secret(page({ personId: 'p_nobody', preview: true }))
    assert.equal(unknown.body.personalized, false)
    assert.match(unknown.body.note, /unknown person/)
    assertError(await secret(page({ personId, userId: user })), 400, 'invalid_field', 'personId')
  })

  it('lets a staff session preview, with no impression either', async () => {
    const before = await impressions()
    const viewer = await signInStaff(server.url, 'preview-viewer@example.com', 'preview viewer password')
    const reply = await request(`${server.url}/v1/recommendations`, {
      json: page({ userId: user, preview: true }),
      headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrfToken, origin: server.url },
    })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    assert.equal(reply.body.preview, true)
    assert.equal(await impressions(), before)
  })

  it('refuses preview and personId from the public write key, naming the field', async () => {
    assertError(await write(page({ anonymousId: 'anon-preview', preview: true })), 403, 'insufficient_scope', 'preview')
    assertError(await write(page({ personId: 'p_x' })), 403, 'insufficient_scope', 'personId')
    // preview: false is the ordinary request.
    assert.equal((await write(page({ anonymousId: 'anon-preview', preview: false }))).status, 200)
    assertError(await secret(page({ userId: user, preview: 'yes' })), 400, 'invalid_field', 'preview')
  })
})
