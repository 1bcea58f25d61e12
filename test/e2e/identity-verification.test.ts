/**
 * The public write key cannot read a named shopper's history (issue 12, item 2). On a seeded shop, the
 * attacks of the issue (a shopper's views by naming their userId, their purchases and cart by toggling
 * excludeBought/excludeCart, their top interest through /v1/decisions, and an identify call that links
 * the attacker's own anonymousId to the shopper) answer exactly what a request naming nobody answers.
 * The same requests still personalize with the shop backend's userToken, with the secret key, and for an
 * anonymous visitor's own anonymousId. A wrong token is a 403; revoking the secret key rotates tokens.
 */
import assert from 'node:assert/strict'
import { createHash, createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { hashKey, newApiKey, newId } from '../../src/core/index.ts'
import { generateShop, type SyntheticShop } from '../../src/evaluation/index.ts'
import { uniqueId } from '../builders/events.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { spawnAttune, waitFor } from '../support/child-server.ts'

/** The shop backend's two lines, exactly as docs/sdk.md#identity-verification prints them. */
const signUserId = (secretKey: string, userId: string) =>
  createHmac('sha256', createHash('sha256').update(secretKey).digest('hex')).update(userId).digest('hex')

type Answer = { personalized: boolean; note: string | null; placements: { items: { id: string; reason: string }[]; servedBy: string[]; partial: boolean; note: string | null }[] }
/** What an answer reveals, without its per-request ids. */
const shown = (a: Answer) => a.placements.map((p) => ({ items: p.items.map((i) => [i.id, i.reason]), servedBy: p.servedBy, partial: p.partial, note: p.note }))

describe('identity verification: what the write key may read about a named shopper', () => {
  let server: TestServer
  let shop: SyntheticShop
  let victim: string
  let views: string[]
  let bought: string
  let inCart: string
  const secret = () => bearer(server.secretKey)
  const asBrowser = (path: string, json: unknown) => request(`${server.url}${path}`, { auth: basicAuth(server.writeKey), json })
  const asBackend = (path: string, json: unknown) => request(`${server.url}${path}`, { auth: secret(), json })
  const person = async (id: string) => (await request(`${server.url}/v1/people/${encodeURIComponent(id)}`, { auth: secret() })).body
  const recommend = async (body: Record<string, unknown>, via = asBrowser): Promise<Answer> => {
    const reply = await via('/v1/recommendations', body)
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body
  }
  const variants = () => [...new Set(shop.items.map((i) => i.categories![0]!.split(' > ')[0]!))].map((c) => ({ id: c, category: c })).concat([{ id: 'default', default: true } as never])
  const decide = async (body: Record<string, unknown>, via = asBrowser) => {
    const reply = await via('/v1/decisions', { placement: 'home-banner', variants: variants(), ...body })
    assert.equal(reply.status, 200, JSON.stringify(reply.body))
    return reply.body as { variant: string; personalized: boolean; reason: string }
  }

  before(async () => {
    server = await startServer()
    shop = generateShop({ seed: 12, people: 300, items: 120, days: 45, startTime: Date.now() - 46 * 86_400_000 })
    await loadShop(server, shop)
    await trainActiveModel(server)
    // A signed-up shopper with a history, as the "user-00003".
    for (const p of shop.people) {
      if (!p.userId) continue
      const view = await person(p.userId)
      if (view.recentlyViewed?.length >= 3 && view.affinities.categories.length > 0) {
        victim = p.userId
        views = view.recentlyViewed.map((v: { itemId: string }) => v.itemId)
        break
      }
    }
    assert.ok(victim, 'the shop has a signed-up shopper with views')
    // Plant a purchase and a cart line on two of the model's bestsellers, as the shopper's browser would.
    const artifact = server.engine.models.current!.artifact
    ;[bought, inCart] = Array.from(artifact.bestsellers.slice(0, 2), (i) => artifact.items[i]!) as [string, string]
    const orders = (await person(victim)).purchases.orders
    const planted = await asBrowser('/v1/batch', {
      batch: [
        { type: 'track', event: 'Order Completed', userId: victim, properties: { order_id: uniqueId('order'), revenue: 10, currency: 'EUR', products: [{ product_id: bought, price: 10, quantity: 1 }] } },
        { type: 'track', event: 'Product Added', userId: victim, properties: { product_id: inCart, price: 10, quantity: 1 } },
      ],
    })
    assert.equal(planted.status, 200, JSON.stringify(planted.body))
    let last: unknown
    await waitFor(async () => {
      const p = (last = await person(victim))
      return p.purchases.orders > orders && p.cart.items.some((l: { itemId: string }) => l.itemId === inCart)
    }, 5000, () => JSON.stringify(last))
  })
  after(async () => server?.close())

  it('answers a write-key request naming a userId without its userToken as if it named nobody', async () => {
    const placement = { strategy: 'recently-viewed', count: 10 }
    const named = await recommend({ userId: victim, ...placement })
    assert.deepEqual(shown(named), shown(await recommend(placement)), 'the answer must not depend on the userId')
    assert.ok(!named.placements[0]!.servedBy.includes('recently-viewed'), named.placements[0]!.servedBy.join())
    assert.equal(named.personalized, false)
    assert.match(named.note ?? '', /userId is not verified/)
    assert.match(named.note ?? '', /docs\/sdk\.md#identity-verification/)
    // A known userId and one nobody has get the same answer, note included: nothing tells them apart.
    const nobody = await recommend({ userId: uniqueId('user-nobody'), ...placement })
    assert.deepEqual([shown(named), named.note], [shown(nobody), nobody.note])
  })

  it('reveals no purchase through excludeBought and no cart through excludeCart or the cart strategy', async () => {
    const top = (filters: object) => recommend({ userId: victim, strategy: 'bestsellers', count: 50, filters })
    const all = shown(await top({ excludeBought: false, excludeCart: false }))
    assert.ok(all[0]!.items.some(([id]) => id === bought) && all[0]!.items.some(([id]) => id === inCart), 'both planted items are bestsellers')
    assert.deepEqual(shown(await top({ excludeBought: true })), all)
    assert.deepEqual(shown(await top({ excludeCart: true })), all)
    const cart = await recommend({ userId: victim, strategy: 'cart', count: 10 })
    assert.deepEqual(shown(cart), shown(await recommend({ strategy: 'cart', count: 10 })))
  })

  it('does not show the top interest through /v1/decisions', async () => {
    const named = await decide({ userId: victim })
    assert.equal(named.variant, 'default')
    assert.equal(named.personalized, false)
    assert.match(named.reason, /userId is not verified.*docs\/sdk\.md#identity-verification/)
    const { decisionId: _, ...rest } = named as typeof named & { decisionId: string }
    const { decisionId: __, ...nobody } = (await decide({ userId: uniqueId('user-nobody') })) as typeof named & { decisionId: string }
    assert.deepEqual(nobody, rest, 'a known userId and an unknown one are told apart by nothing')
  })

  it("does not open the history to an anonymousId the attacker linked to the userId with an identify call", async () => {
    const attacker = uniqueId('attacker-anon')
    assert.equal((await asBrowser('/v1/identify', { userId: victim, anonymousId: attacker, traits: {} })).status, 200)
    // The identity graph now counts the attacker's cookie as one of the shopper's devices.
    await waitFor(async () => (await person(attacker))?.personId === (await person(victim)).personId, 5000)
    const placement = { strategy: 'recently-viewed', count: 10 }
    const linked = await recommend({ anonymousId: attacker, ...placement })
    assert.deepEqual(shown(linked), shown(await recommend(placement)))
    assert.equal(linked.personalized, false)
    assert.match(linked.note ?? '', /docs\/sdk\.md#identity-verification/)
    assert.equal((await decide({ anonymousId: attacker })).variant, 'default')
  })

  it('refuses a wrong userToken with 403 invalid_user_token naming the field', async () => {
    for (const userToken of [signUserId(server.secretKey, `${victim}x`), signUserId(server.writeKey, victim), 'not-hex']) {
      for (const path of ['/v1/recommendations', '/v1/decisions']) {
        const body = path === '/v1/decisions' ? { placement: 'p', variants: [{ id: 'a' }] } : { strategy: 'recently-viewed' }
        const reply = await asBrowser(path, { userId: victim, userToken, ...body })
        assert.equal(reply.status, 403, `${path}: ${JSON.stringify(reply.body)}`)
        assert.equal(reply.body.error.code, 'invalid_user_token')
        assert.equal(reply.body.error.field, 'userToken')
      }
    }
    const alone = await asBrowser('/v1/recommendations', { userToken: signUserId(server.secretKey, victim), strategy: 'trending' })
    assert.equal(alone.status, 400, JSON.stringify(alone.body))
    assert.equal(alone.body.error.field, 'userToken')
  })

  it('personalizes with a valid userToken, with the secret key, and for an anonymous visitor', async () => {
    const userToken = signUserId(server.secretKey, victim)
    const placement = { strategy: 'recently-viewed', count: 10 }
    for (const answer of [await recommend({ userId: victim, userToken, ...placement }), await recommend({ userId: victim, ...placement }, asBackend)]) {
      assert.equal(answer.personalized, true)
      assert.equal(answer.note, null)
      assert.equal(answer.placements[0]!.servedBy[0], 'recently-viewed')
      assert.ok(views.includes(answer.placements[0]!.items[0]!.id), "the shopper's own views come first")
    }
    // The shopper's own browser sends its anonymousId along: the verified userId is what counts.
    const own = shop.people.find((p) => p.userId === victim)!.devices[0]!.anonymousId
    assert.equal((await recommend({ userId: victim, userToken, anonymousId: own, ...placement })).placements[0]!.servedBy[0], 'recently-viewed')
    const ids = (a: Answer) => a.placements[0]!.items.map((i) => i.id)
    const top = (filters: object) => recommend({ userId: victim, userToken, strategy: 'bestsellers', count: 50, filters })
    assert.ok(!ids(await top({ excludeBought: true })).includes(bought))
    assert.ok(ids(await top({ excludeBought: false })).includes(bought))
    assert.ok(!ids(await top({ excludeCart: true })).includes(inCart))
    // The planted purchase and cart line move the interests too: the backend's answer is the reference.
    const backend = await decide({ userId: victim }, asBackend)
    assert.equal(backend.personalized, true)
    assert.ok(variants().some((v) => v.id === backend.variant && v.id !== 'default'), `the backend gets one of the shopper's interests: ${JSON.stringify(backend)}`)
    const decided = await decide({ userId: victim, userToken })
    assert.equal(decided.personalized, true)
    assert.equal(decided.variant, backend.variant)

    // A visitor who never signed in keeps being served by their (unguessable) cookie.
    const anon = uniqueId('anon')
    const seen = shop.items.filter((i) => i.available !== false).slice(0, 2).map((i) => i.id)
    assert.equal((await asBrowser('/v1/batch', { batch: seen.map((product_id) => ({ type: 'track', event: 'Product Viewed', anonymousId: anon, properties: { product_id } })) })).status, 200)
    await waitFor(async () => (await person(anon))?.recentlyViewed?.length === 2, 5000)
    const mine = await recommend({ anonymousId: anon, ...placement })
    assert.equal(mine.personalized, true)
    assert.equal(mine.placements[0]!.servedBy[0], 'recently-viewed')
    assert.deepEqual(ids(mine).slice(0, 2).sort(), [...seen].sort())
    // ... and an unverified userId next to it changes nothing but the note.
    const both = await recommend({ anonymousId: anon, userId: victim, ...placement })
    assert.deepEqual(shown(both), shown(mine))
  })

  it('makes the same token with `attune token`, with POST /v1/user-tokens, and rotates it with the secret key', async () => {
    const child = spawnAttune(['token', victim], { ATTUNE_DATA_DIR: server.dataDir, ATTUNE_DATABASE_URL: '' })
    assert.equal(await child.exited, 0, child.output())
    assert.equal(child.output(), `${signUserId(server.secretKey, victim)}\n`, 'only the token is printed')
    const route = await asBackend('/v1/user-tokens', { userId: victim })
    assert.equal(route.status, 200, JSON.stringify(route.body))
    assert.deepEqual(route.body, { userId: victim, userToken: signUserId(server.secretKey, victim) })
    assert.equal((await asBrowser('/v1/user-tokens', { userId: victim })).status, 403, 'only the secret key signs')

    // A new secret key: tokens of both keys verify until the old key is revoked.
    const store = server.engine.store
    const newer = newApiKey('secret')
    await store.insertApiKey({ id: newId(), scope: 'secret', hash: hashKey(newer), label: 'rotation', createdAt: new Date(Date.now() + 1000).toISOString(), revokedAt: null })
    server.engine.keys.replace(await store.listApiKeys())
    const placement = { strategy: 'recently-viewed', count: 3 }
    for (const key of [server.secretKey, newer]) assert.equal((await recommend({ userId: victim, userToken: signUserId(key, victim), ...placement })).personalized, true)
    assert.equal((await asBackend('/v1/user-tokens', { userId: victim })).body.userToken, signUserId(newer, victim), 'the newest secret key signs')
    const old = (await store.listApiKeys()).find((k) => k.hash === hashKey(server.secretKey))!
    await store.revokeApiKey(old.id, new Date())
    server.engine.keys.replace(await store.listApiKeys())
    const stale = await asBrowser('/v1/recommendations', { userId: victim, userToken: signUserId(server.secretKey, victim), ...placement })
    assert.equal(stale.status, 403)
    assert.equal(stale.body.error.code, 'invalid_user_token')
    assert.equal((await recommend({ userId: victim, userToken: signUserId(newer, victim), ...placement })).personalized, true)
  })
})
