/**
 * The people API over real HTTP: events go in through POST /v1/batch (write key), the profile projector
 * runs in process, and profiles, preferences, consent and merges are read and changed with the secret key.
 * The describes run in order on one server; each uses its own people, except that the preferences tests
 * change the seed shopper of the first describe (a gift needs an order, and the seed has one).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { aProduct, type Json, uniqueId } from '../builders/events.ts'
import { Api, assertError, basicAuth, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { personPath, profileWithEvents as profileWithEventsOf, waitForValue as waitFor } from '../builders/people.ts'
import type { ProfileView } from '../../src/profiles/index.ts'

let server: TestServer
let api: Api

before(async () => {
  server = await startServer()
  // startServer only builds the app; `attune serve` starts the embedded worker, so do the same here.
  server.engine.startWorkers()
  api = new Api(server)
})
after(() => server?.close())

const MOBILE = { device: { type: 'mobile' }, userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Mobile/15E148' }
const DESKTOP = { userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36' }

const msg = (m: Json): Json => ({ messageId: uniqueId('msg'), ...m })
const viewed = (who: Json, itemId: string, context: Json = DESKTOP) => msg({ type: 'track', event: 'Product Viewed', ...who, properties: { product_id: itemId }, context })
const names = (list: { name: string }[]) => list.map((a) => a.name)

async function sendBatch(events: Json[]): Promise<void> {
  const res = await api.batch(events)
  assert.equal(res.status, 200, JSON.stringify(res.body))
}

async function profileOf(id: string, query = ''): Promise<ProfileView> {
  const res = await api.secret<ProfileView>('GET', personPath(id, query))
  assert.equal(res.status, 200, `GET ${id}: ${JSON.stringify(res.body).slice(0, 300)}`)
  return res.body
}

const profileWithEvents = (id: string, n: number) => profileWithEventsOf(api, id, n)

/** A PUT/POST that must be applied (200, not 202 pending) and answers the new profile. */
async function change(method: string, path: string, body: unknown): Promise<ProfileView> {
  const res = await api.secret<{ messageId: string; profile: ProfileView }>(method, path, body)
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 400))
  assert.match(res.body.messageId, /^attune-api-/)
  return res.body.profile
}

// The seed shopper, shared with the preferences tests.
const userId = uniqueId('user')
const mobileAnon = uniqueId('anon-mobile')
const desktopAnon = uniqueId('anon-desktop')
const mailbox = uniqueId('x').slice(-8)
const email = `ann.${mailbox}@example.com`
const mixedCaseEmail = `Ann.${mailbox.toUpperCase()}@Example.COM`
const shoes = [aProduct({ id: uniqueId('shoe'), brand: 'Fleet' }), aProduct({ id: uniqueId('shoe'), brand: 'Fleet' })]
const socks = aProduct({ id: uniqueId('socks'), title: 'Wool socks', categories: ['Apparel > Socks'], brand: 'Woolly' })
const jacket = aProduct({ id: uniqueId('jacket'), title: 'Rain jacket', categories: ['Outdoor > Jackets'], brand: 'Peak' })
const orderId = uniqueId('order')
const seedMessageIds: string[] = []

describe('the seed scenario: one shopper across mobile, desktop and email', () => {
  it('stitches the shopper within a second and shows one profile by every identifier', async () => {
    assert.equal((await api.secret('POST', '/v1/items', { items: [...shoes, socks, jacket] })).status, 200)
    const batches: Json[][] = [
      // Anonymous on the phone: running shoes.
      [viewed({ anonymousId: mobileAnon }, shoes[0]!.id, MOBILE), viewed({ anonymousId: mobileAnon }, shoes[1]!.id, MOBILE)],
      // Logs in on the desktop (a new anonymous id), looks at a jacket and buys shoes and socks.
      [
        msg({ type: 'identify', userId, anonymousId: desktopAnon, traits: { email: mixedCaseEmail, name: 'Ann' }, context: DESKTOP }),
        viewed({ userId, anonymousId: desktopAnon }, jacket.id),
        msg({
          type: 'track',
          event: 'Order Completed',
          userId,
          anonymousId: desktopAnon,
          context: DESKTOP,
          properties: {
            order_id: orderId,
            revenue: 150,
            currency: 'EUR',
            products: [
              { product_id: shoes[0]!.id, price: 120, quantity: 1 },
              { product_id: socks.id, price: 15, quantity: 2 },
            ],
          },
        }),
      ],
      // The email provider knows only the address (one in context.traits, one in properties).
      [
        msg({ type: 'track', event: 'Email Opened', context: { traits: { email: mixedCaseEmail } }, properties: { campaign_id: 'spring' } }),
        msg({ type: 'track', event: 'Email Opened', properties: { email, campaign_id: 'summer' } }),
      ],
    ]
    for (const batch of batches) await sendBatch(batch)
    // Back on the phone, logged in: the mobile history joins the customer.
    const last = msg({ type: 'identify', userId, anonymousId: mobileAnon, context: MOBILE })
    seedMessageIds.push(...batches.flat().map((m) => String(m.messageId)), String(last.messageId))
    await sendBatch([last])
    const acked = performance.now()
    const stitched = await waitFor('the mobile identify to show', async () => {
      const res = await api.secret<ProfileView>('GET', personPath(userId))
      return res.status === 200 && res.body.identities.anonymousIds.includes(mobileAnon) && res.body.activity.events === seedMessageIds.length ? res.body : undefined
    }, 3000)
    const lag = performance.now() - acked
    console.log(`profile reflected the last event ${lag.toFixed(1)} ms after the batch's 200`)
    assert.ok(lag < 1000, `profile updated ${lag} ms after the 200`)

    // One person by every identifier; emails match whatever their letter case.
    for (const [ref, query] of [[mobileAnon, ''], [desktopAnon, ''], [email, ''], [mixedCaseEmail, ''], [email, '?type=email'], [userId, '?type=user_id']] as const) {
      assert.equal((await profileOf(ref, query)).id, stitched.id, `${ref}${query}`)
    }
    const p = await profileOf(userId)
    assert.deepEqual(p.identities.userIds, [userId])
    assert.deepEqual([...p.identities.anonymousIds].sort(), [desktopAnon, mobileAnon].sort())
    assert.deepEqual(p.identities.emails, [email], 'the address is stored lower-cased, once')
    const stitch = p.merges.find((m) => m.kind === 'merge' && m.identifiers.some((i) => i.value === mobileAnon))
    assert.deepEqual([stitch?.cause, stitch?.undoneAt], ['identify', null], 'the mobile visitor was merged in by the identify, and it is logged')

    // Running shoes lead (the parent "Shoes" ties with its child, since a view credits every ancestor).
    const top = p.affinities.categories[0]!
    assert.match(top.name, /^Shoes( > Running)?$/)
    assert.equal(p.affinities.categories.find((a) => a.name === 'Shoes > Running')?.score, top.score)
    assert.equal(p.affinities.brands[0]?.name, 'Fleet')
    assert.deepEqual(p.recentlyViewed.map((r) => r.itemId).sort(), [shoes[0]!.id, shoes[1]!.id, jacket.id].sort())
    assert.equal(p.purchases.orders, 1)
    assert.equal(p.purchases.revenue, 150)
    assert.equal(p.email.opens, 2)
    assert.deepEqual(Object.keys(p.devices).sort(), ['desktop', 'mobile'])
    assert.deepEqual(Object.keys(p.channels).sort(), ['email', 'web'])
    assert.equal(p.traits.name, 'Ann')

    // The events route finds everything, from the phone, the desktop and the mailbox, by the address.
    const { events } = await api.allEvents(email)
    assert.deepEqual(events.map((e) => e.messageId).sort(), [...seedMessageIds].sort())
    assert.deepEqual([...new Set(events.map((e) => e.kind))].sort(), ['email_opened', 'identify', 'order_completed', 'product_viewed'])
    assert.ok(events.some((e) => e.anonymousId === mobileAnon && e.kind === 'product_viewed'), 'mobile browsing')
    assert.equal(events.filter((e) => e.userId === null && e.anonymousId === null).length, 2, 'email-only events')
  })
})

describe('preferences', () => {
  it('puts likes first, hides dislikes and not-for-me items, leaves gifts out of tastes, and keeps fields not sent', async () => {
    const before = await profileOf(userId)
    const scoreOf = (p: ProfileView, name: string) => p.affinities.categories.find((a) => a.name === name)?.score
    const runningBefore = scoreOf(before, 'Shoes > Running')!
    assert.ok(names(before.affinities.categories).includes('Apparel > Socks'), 'the socks count before the gift')
    assert.ok(names(before.affinities.categories).includes('Outdoor > Jackets'))

    const sent = {
      categories: { liked: ['Books > Travel'], disliked: ['Outdoor'] },
      brands: { liked: ['Woolly'], disliked: ['Peak'] },
      notForMe: [shoes[1]!.id],
      communication: { email: true, sms: false },
      gifts: [{ orderId }],
    }
    const p = await change('PUT', personPath(userId, '/preferences'), sent)
    assert.equal(p.id, before.id)
    assert.deepEqual(p.preferences.categories, sent.categories)
    assert.deepEqual(p.preferences.brands, sent.brands)
    assert.deepEqual(p.preferences.notForMe, sent.notForMe)
    assert.deepEqual(p.preferences.communication, { email: true, sms: false })
    assert.deepEqual(p.preferences.gifts, [orderId])
    assert.ok(p.preferences.updatedAt !== null)

    // Explicit likes first; a disliked category hides its subtree; the gift's lines no longer count.
    assert.deepEqual(p.affinities.categories[0], { name: 'Books > Travel', score: p.affinities.categories[0]!.score, share: 1, source: 'explicit' })
    const cats = names(p.affinities.categories)
    for (const gone of ['Outdoor', 'Outdoor > Jackets', 'Apparel', 'Apparel > Socks']) assert.ok(!cats.includes(gone), `${gone} is gone: ${cats}`)
    assert.ok(scoreOf(p, 'Shoes > Running')! < runningBefore / 2, 'the gifted shoes no longer count as a purchase')
    assert.ok(p.affinities.categories.slice(1).every((a) => a.source === 'inferred'))
    assert.deepEqual(p.affinities.brands.map((b) => [b.name, b.source]), [['Woolly', 'explicit'], ['Fleet', 'inferred']])
    assert.ok(!p.recentlyViewed.some((r) => r.itemId === shoes[1]!.id), 'not-for-me items leave recently viewed')
    // Facts stay: the order is still an order.
    assert.equal(p.purchases.orders, 1)
    assert.equal(p.purchases.revenue, before.purchases.revenue)

    // A second PUT changes only what it sends.
    const again = await change('PUT', personPath(email, '/preferences'), { brands: { liked: ['Fleet'] }, communication: { sms: true } })
    assert.deepEqual(again.preferences.brands, { liked: ['Fleet'], disliked: ['Peak'] })
    assert.deepEqual(again.preferences.categories, sent.categories)
    assert.deepEqual(again.preferences.notForMe, sent.notForMe)
    assert.deepEqual(again.preferences.gifts, [orderId])
    assert.deepEqual(again.preferences.communication, { email: true, sms: true })
    assert.deepEqual(names(again.affinities.brands), ['Fleet'], 'Woolly is no longer liked and only bought as a gift')
    const read = await profileOf(userId)
    assert.deepEqual([read.preferences, names(read.affinities.categories)], [again.preferences, names(again.affinities.categories)], 'GET agrees with the PUT')
  })
})

describe('consent', () => {
  it('hides inferences while personalization is refused and learns nothing from events sent meanwhile', async () => {
    const user = uniqueId('user')
    const shoe = aProduct({ id: uniqueId('shoe') })
    const coat = aProduct({ id: uniqueId('coat'), categories: ['Outdoor > Coats'], brand: 'Peak' })
    assert.equal((await api.secret('POST', '/v1/items', { items: [shoe, coat] })).status, 200)
    await sendBatch([viewed({ userId: user }, shoe.id)])
    assert.ok(names((await profileWithEvents(user, 1)).affinities.categories).includes('Shoes > Running'))

    const refused = await change('PUT', personPath(user, '/consent'), { personalization: false })
    assert.equal(refused.personalization, false)
    assert.deepEqual(refused.affinities, { categories: [], brands: [] })
    assert.deepEqual(refused.recentlyViewed, [])
    assert.equal(refused.consent.personalization?.granted, false)
    assert.equal(refused.consent.personalization?.source, 'api')
    assert.ok(Math.abs(Date.parse(refused.consent.personalization!.at!) - Date.now()) < 60_000, 'stamped with its time')

    // Viewed while refused: stored, counted, but never inferred from.
    const whileRefused = viewed({ userId: user }, coat.id)
    await sendBatch([whileRefused])
    await profileWithEvents(user, 3) // view, consent command, view
    assert.ok((await api.allEvents(user)).events.some((e) => e.messageId === whileRefused.messageId), 'the event is stored')

    const granted = await change('PUT', personPath(user, '/consent'), { personalization: true })
    assert.equal(granted.personalization, true)
    const cats = names(granted.affinities.categories)
    assert.ok(cats.includes('Shoes > Running'), 'what was learnt before the refusal is back')
    assert.ok(!cats.some((c) => c.startsWith('Outdoor')), `nothing learnt from the coat: ${cats}`)
    assert.deepEqual(names(granted.affinities.brands), ['Fleet'])
    assert.deepEqual(granted.recentlyViewed.map((r) => r.itemId), [shoe.id])

    // Consent stated as identify traits is recorded with source "identify".
    await sendBatch([msg({ type: 'identify', userId: user, traits: { consent: { email: true } } })])
    const identified = await profileWithEvents(user, 5)
    assert.deepEqual({ ...identified.consent.email, at: null }, { granted: true, source: 'identify', at: null })
    assert.equal(identified.traits.consent, undefined, 'consent is not kept as a trait')
  })
})

describe('merge and unmerge', () => {
  it('merges two visitors on request, explains it, and undoes it once', async () => {
    const [a, b] = [uniqueId('anon-a'), uniqueId('anon-b')]
    await sendBatch([msg({ type: 'page', anonymousId: a, name: 'Home' })])
    await sendBatch([msg({ type: 'page', anonymousId: b, name: 'Sale' })])
    const [pa, pb] = [await profileWithEvents(a, 1), await profileWithEvents(b, 1)]
    assert.notEqual(pa.id, pb.id)

    const merged = await change('POST', personPath(a, '/merge'), { otherId: b })
    assert.equal(merged.id, pa.id, 'the older person survives')
    assert.deepEqual([...merged.identities.anonymousIds].sort(), [a, b].sort())
    assert.equal(merged.activity.kinds.page_viewed, 2)
    assert.equal(merged.merges.length, 1)
    const [entry] = merged.merges
    assert.deepEqual([entry!.kind, entry!.cause, entry!.personId, entry!.otherPersonId, entry!.undoneAt], ['merge', 'api', pa.id, pb.id, null])
    assert.equal((await profileOf(b)).id, pa.id)

    const split = await change('POST', personPath(b, '/unmerge'), { mergeId: entry!.id })
    assert.equal(typeof split.merges.find((m) => m.id === entry!.id)?.undoneAt, 'string', 'the merge stays logged, marked undone')
    const [after1, after2] = [await profileOf(a), await profileOf(b)]
    assert.notEqual(after1.id, after2.id)
    assert.deepEqual(after1.identities.anonymousIds, [a])
    assert.deepEqual(after2.identities.anonymousIds, [b])
    assert.deepEqual([after1.activity.kinds.page_viewed, after2.activity.kinds.page_viewed], [1, 1], 'each keeps its own events')

    assertError(await api.secret('POST', personPath(a, '/unmerge'), { mergeId: entry!.id }), 409, 'conflict', 'mergeId')
    assertError(await api.secret('POST', personPath(a, '/unmerge'), { mergeId: 'm_nope' }), 404, 'not_found', 'mergeId')
  })

  /** Two identified customers, each with a profile. */
  async function twoCustomers(): Promise<[string, string]> {
    const [u1, u2] = [uniqueId('user'), uniqueId('user')]
    await sendBatch([msg({ type: 'identify', userId: u1 }), msg({ type: 'identify', userId: u2 })])
    await profileWithEvents(u1, 1)
    await profileWithEvents(u2, 1)
    return [u1, u2]
  }

  it('refuses to merge two customers with 409 conflict, and merges them when forced', async () => {
    const [u1, u2] = await twoCustomers()
    assertError(await api.secret('POST', personPath(u1, '/merge'), { otherId: u2 }), 409, 'conflict')
    assert.notEqual((await profileOf(u1)).id, (await profileOf(u2)).id, 'nothing changed')

    const forced = await change('POST', personPath(u1, '/merge'), { otherId: u2, force: true })
    assert.deepEqual([...forced.identities.userIds].sort(), [u1, u2].sort())
    assert.equal(forced.merges.at(-1)?.cause, 'api (forced)')
    assert.equal((await profileOf(u2)).id, forced.id)
  })

  it('names the request field otherId in the 409', async () => {
    const [u1, u2] = await twoCustomers()
    assertError(await api.secret('POST', personPath(u1, '/merge'), { otherId: u2 }), 409, 'conflict', 'otherId')
    assertError(await api.secret('POST', personPath(u1, '/merge'), { otherId: u1 }), 409, 'conflict', 'otherId')
  })

  // The fuzz test (test/e2e/fuzz.test.ts) follows an anonymous id through such moves to find what was sent with it.
  it("moves a visitor merged into a customer to the user an alias names, and the visitor's earlier events stay with the customer", async () => {
    const [customer, newUser, visitor] = [uniqueId('user'), uniqueId('user'), uniqueId('anon')]
    const view = viewed({ anonymousId: visitor }, 'sku-moved')
    await sendBatch([msg({ type: 'identify', userId: customer }), view])
    await profileWithEvents(customer, 1)
    await profileWithEvents(visitor, 1)
    const merged = await change('POST', personPath(customer, '/merge'), { otherId: visitor, otherType: 'anonymous_id' })
    assert.ok(merged.identities.anonymousIds.includes(visitor))

    // Two user ids are never merged: the alias takes the browser id to the user it names (a shared device).
    await sendBatch([msg({ type: 'alias', previousId: visitor, userId: newUser })])
    const moved = await waitFor('the visitor id to move', async () => {
      const person = await profileOf(visitor, '?type=anonymous_id')
      return person.identities.userIds.includes(newUser) ? person : undefined
    })
    assert.notEqual(moved.id, merged.id)
    const move = moved.merges.find((m) => m.kind === 'reassigned')
    assert.ok(move, JSON.stringify(moved.merges))
    assert.deepEqual([move.otherPersonId, move.identifiers], [merged.id, [{ type: 'anonymous_id', value: visitor }]])
    assert.match(move.cause, /alias: shared device/)

    const timeline = async (id: string, type: string) => {
      const res = await api.secret<{ data: { messageId: string }[] }>('GET', personPath(id, `/events?type=${type}&limit=1000`))
      assert.equal(res.status, 200, JSON.stringify(res.body))
      return res.body.data.map((e) => e.messageId)
    }
    assert.ok(!(await timeline(visitor, 'anonymous_id')).includes(view.messageId as string), 'not with the id now')
    assert.ok((await timeline(merged.id, 'person_id')).includes(view.messageId as string), 'with the person who had the id then')
  })
})

describe('bad input and keys', () => {
  it('answers 404 for an unknown person and 400 naming the field for a bad body', async () => {
    assertError(await api.secret('GET', personPath(uniqueId('nobody'))), 404, 'not_found', 'userId')
    assertError(await api.secret('PUT', personPath(uniqueId('nobody'), '/consent'), { email: true }), 404, 'not_found', 'userId')
    assertError(await api.secret('GET', personPath(uniqueId('nobody'), '?type=robot')), 400, 'invalid_field', 'type')
    const cases: [string, unknown, string, string][] = [
      ['/preferences', { categories: { liked: 'x' } }, 'invalid_field', 'categories.liked'],
      ['/preferences', { colour: 'blue' }, 'invalid_field', 'colour'],
      ['/preferences', { communication: { email: 'yes' } }, 'invalid_field', 'communication.email'],
      ['/consent', { personalization: 'yes' }, 'invalid_field', 'personalization'],
      ['/merge', {}, 'missing_field', 'otherId'],
    ]
    for (const [route, body, code, field] of cases) assertError(await api.secret(route === '/merge' ? 'POST' : 'PUT', personPath(userId, route), body), 400, code, field)
    assertError(await api.secret('POST', personPath(userId, '/merge'), { otherId: uniqueId('nobody') }), 404, 'not_found', 'otherId')
  })

  it('answers 400 for an empty consent or preferences body (no field to name: the body itself is empty)', async () => {
    for (const route of ['/consent', '/preferences']) {
      const body = assertError(await api.secret('PUT', personPath(userId, route), {}), 400, 'invalid_field')
      assert.match(body.error.message, /body must NOT have fewer than 1 properties/)
    }
  })

  // A fresh customer each: while these bugs stand, the bad bodies are applied.
  it('refuses consent purposes outside the documented pattern instead of recording them', async () => {
    const user = uniqueId('user')
    await sendBatch([msg({ type: 'identify', userId: user })])
    await profileWithEvents(user, 1)
    assertError(await api.secret('PUT', personPath(user, '/consent'), { Personalization: false }), 400, 'invalid_field', 'Personalization')
    assert.equal((await profileOf(user)).consent.Personalization, undefined)
  })

  it('refuses consent values that are not booleans (1, null, "true")', async () => {
    const user = uniqueId('user')
    await sendBatch([msg({ type: 'identify', userId: user })])
    await profileWithEvents(user, 1)
    for (const value of [1, null, 'true']) assertError(await api.secret('PUT', personPath(user, '/consent'), { email: value }), 400, 'invalid_field', 'email')
    assert.equal((await profileOf(user)).consent.email?.source, 'default', 'nothing was recorded')
  })

  it('writes array positions in field paths as docs/errors.md does (gifts[0].orderId)', async () => {
    assertError(await api.secret('PUT', personPath(userId, '/preferences'), { gifts: [{ itemId: 'x' }] }), 400, 'missing_field', 'gifts[0].orderId')
  })

  it('requires the secret key: 403 insufficient_scope for the write key, 401 without a key', async () => {
    for (const [method, path, json] of [['GET', personPath(userId), undefined], ['GET', personPath(userId, '/events'), undefined], ['PUT', personPath(userId, '/consent'), { email: true }]] as const) {
      const at = server.url + path
      assertError(await request(at, { method, json, auth: bearer(server.writeKey) }), 403, 'insufficient_scope', 'authorization')
      assertError(await request(at, { method, json, auth: basicAuth(server.writeKey) }), 403, 'insufficient_scope', 'authorization')
      assertError(await request(at, { method, json }), 401, 'missing_key', 'authorization')
    }
  })

  it('never merges two customers who share an email address', async () => {
    const [u1, u2] = [uniqueId('user'), uniqueId('user')]
    const shared = `family.${uniqueId('x').slice(-8)}@example.com`
    await sendBatch([msg({ type: 'identify', userId: u1, traits: { email: shared } })])
    await sendBatch([msg({ type: 'identify', userId: u2, traits: { email: shared.toUpperCase() } })])
    const [p1, p2] = [await profileWithEvents(u1, 1), await profileWithEvents(u2, 1)]
    assert.notEqual(p1.id, p2.id)
    assert.deepEqual(p1.identities.userIds, [u1])
    assert.deepEqual(p2.identities.userIds, [u2])
    assert.equal((await profileOf(shared)).id, p1.id, 'the address stays with the first customer')
    assert.ok(p2.merges.some((m) => m.kind === 'refused'), 'the refusal is logged')
  })
})
