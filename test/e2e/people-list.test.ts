/**
 * GET /v1/people over real HTTP: everyone by last seen, and search by any identifier (exact and
 * prefix, emails case-insensitive) with the filters, on people made through POST /v1/batch and
 * stitched by the projector running in process.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Json, uniqueId } from '../builders/events.ts'
import { Api, assertError, bearer, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { personPath, waitForValue } from '../builders/people.ts'
import type { PeopleList, PersonListRow } from '../../src/server/routes/people.ts'
import type { ProfileView } from '../../src/profiles/index.ts'

let server: TestServer
let api: Api

// Every identifier of these people starts with `tag`, so a search for it finds exactly them.
const tag = `pl${Date.now().toString(36)}`
const T0 = Date.UTC(2026, 0, 10, 12)
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()
const msg = (m: Json): Json => ({ messageId: uniqueId('msg'), ...m })
const viewed = (who: Json, minutes: number) => msg({ type: 'track', event: 'Product Viewed', ...who, properties: { product_id: 'sku-1' }, timestamp: at(minutes) })
const order = (who: Json, minutes: number, revenue: number) =>
  msg({ type: 'track', event: 'Order Completed', ...who, timestamp: at(minutes), properties: { order_id: uniqueId('order'), revenue, products: [{ product_id: 'sku-1', price: revenue, quantity: 1 }] } })

/** Ann: a user id, an email typed in mixed case, a phone; two orders; consented to personalization. */
const ann = { userId: `${tag}-user-ann`, anon: `${tag}-anon-ann`, email: `${tag}.Ann@Example.COM` }
/** Bob: anonymous only, on two browsers whose ids share a prefix; refused personalization. */
const bob = { anon1: `${tag}-anon-bob-1`, anon2: `${tag}-anon-bob-2` }
/** Cy: a user id, no orders, never said anything about consent. */
const cy = { userId: `${tag}-user-cy` }

async function send(events: Json[]): Promise<void> {
  const res = await api.batch(events)
  assert.equal(res.status, 200, JSON.stringify(res.body))
}

async function people(query: Record<string, string | number>): Promise<PeopleList> {
  const res = await api.secret<PeopleList>('GET', `/v1/people?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`)
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 400))
  return res.body
}

/** Every row of a query, following nextCursor. */
async function allPages(query: Record<string, string | number>): Promise<{ rows: PersonListRow[]; pages: number }> {
  const rows: PersonListRow[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page: PeopleList = await people({ ...query, ...(cursor !== null && { cursor }) })
    rows.push(...page.data)
    cursor = page.nextCursor
    pages += 1
    assert.ok(pages < 100, 'paging did not end')
  } while (cursor !== null)
  return { rows, pages }
}

const ids = (rows: PersonListRow[]) => rows.map((r) => r.id)
let annId = ''
let bobId = ''
let cyId = ''

before(async () => {
  server = await startServer()
  server.engine.startWorkers()
  api = new Api(server)
  await send([
    msg({ type: 'identify', userId: ann.userId, anonymousId: ann.anon, traits: { email: ann.email, consent: { personalization: true } }, timestamp: at(0) }),
    order({ userId: ann.userId }, 1, 40),
    order({ userId: ann.userId }, 2, 60.5),
    viewed({ anonymousId: bob.anon1 }, 3),
    viewed({ anonymousId: bob.anon2 }, 4),
    viewed({ userId: cy.userId }, 5),
  ])
  // Bob's two browsers are one person once he says so on both (his phone is merged by the API below).
  await send([msg({ type: 'identify', anonymousId: bob.anon1, traits: { consent: { personalization: false } }, timestamp: at(6) })])
  const find = (id: string) =>
    waitForValue(`the person of ${id}`, async () => {
      const res = await api.secret<ProfileView>('GET', personPath(id))
      return res.status === 200 ? res.body : undefined
    })
  annId = (await waitForValue('Ann with her orders', async () => {
    const p = await find(ann.userId)
    return p.purchases.orders === 2 ? p : undefined
  })).id
  const bob1 = await waitForValue("Bob's refusal", async () => {
    const p = await find(bob.anon1)
    return p.personalization === false ? p : undefined
  })
  const bob2 = await find(bob.anon2)
  const merged = await api.secret<{ profile: ProfileView }>('POST', personPath(bob1.id, '/merge'), { otherId: bob2.id, otherType: 'person_id' })
  assert.equal(merged.status, 200, JSON.stringify(merged.body))
  bobId = merged.body.profile.id
  cyId = (await find(cy.userId)).id
})
after(() => server?.close())

describe('GET /v1/people: search by any identifier', () => {
  it('finds everyone whose identifiers start with a prefix, once each, with their numbers', async () => {
    const { data, nextCursor } = await people({ q: tag })
    assert.equal(nextCursor, null)
    assert.deepEqual(new Set(ids(data)), new Set([annId, bobId, cyId]))
    assert.equal(data.length, 3, 'Ann has three matching identifiers and Bob two: one row each')
    const a = data.find((r) => r.id === annId)!
    assert.equal(a.orders, 2)
    assert.equal(a.revenue, 100.5)
    assert.deepEqual(a.personalization, { granted: true, stated: true })
    assert.equal(a.lastSeenAt, at(2))
    assert.equal(a.firstSeenAt, at(0))
    assert.equal(a.identifierCount, 3)
    // Strongest first: the user id, then the email (stored in lower case), then the browser.
    assert.deepEqual(a.identifiers, [
      { type: 'user_id', value: ann.userId },
      { type: 'email', value: ann.email.toLowerCase() },
      { type: 'anonymous_id', value: ann.anon },
    ])
    const b = data.find((r) => r.id === bobId)!
    assert.equal(b.identifierCount, 2)
    assert.deepEqual(b.personalization, { granted: false, stated: true })
    assert.equal(b.orders, 0)
    // Rows in the order of the identifier they matched (code points), each at their first match.
    const matched = data.map((r) => r.matched!.value)
    assert.deepEqual(matched, [...matched].sort())
    assert.deepEqual(b.matched, { type: 'anonymous_id', value: bob.anon1 })
  })

  it('searches emails case-insensitively, by prefix and exactly', async () => {
    const byPrefix = await people({ q: `${tag}.ANN@exa` })
    assert.deepEqual(ids(byPrefix.data), [annId])
    assert.deepEqual(byPrefix.data[0]!.matched, { type: 'email', value: ann.email.toLowerCase() })
    assert.deepEqual(ids((await people({ q: ann.email.toUpperCase(), match: 'exact' })).data), [annId])
    assert.deepEqual((await people({ q: `${tag}.ann@exa`, match: 'exact' })).data, [])
  })

  it('matches user ids and anonymous ids exactly when asked, and by the kind named in type', async () => {
    assert.deepEqual(ids((await people({ q: cy.userId, match: 'exact' })).data), [cyId])
    assert.deepEqual((await people({ q: cy.userId.slice(0, -1), match: 'exact' })).data, [])
    assert.deepEqual(ids((await people({ q: bob.anon2, match: 'exact' })).data), [bobId], 'a merged-in browser finds the merged person')
    assert.deepEqual(ids((await people({ q: `${tag}-anon`, type: 'anonymous_id' })).data).sort(), [annId, bobId].sort())
    assert.deepEqual((await people({ q: `${tag}-user`, type: 'email' })).data, [])
    // User ids are case-sensitive (only emails are normalised).
    assert.deepEqual((await people({ q: cy.userId.toUpperCase() })).data, [])
  })

  it('finds a person by their person id or its beginning', async () => {
    assert.deepEqual(ids((await people({ q: annId, match: 'exact' })).data), [annId])
    const byPrefix = await people({ q: annId.slice(0, 12), type: 'person_id' })
    assert.ok(ids(byPrefix.data).includes(annId))
  })

  it('filters a search: user id or anonymous, consent, orders', async () => {
    assert.deepEqual(ids((await people({ q: tag, identified: 'anonymous' })).data), [bobId])
    assert.deepEqual(ids((await people({ q: tag, identified: 'user' })).data).sort(), [annId, cyId].sort())
    assert.deepEqual(ids((await people({ q: tag, consent: 'refused' })).data), [bobId])
    assert.deepEqual(ids((await people({ q: tag, consent: 'unstated' })).data), [cyId])
    // The server's default for people who never said is personalization granted: Cy counts as granted.
    assert.deepEqual(ids((await people({ q: tag, consent: 'granted' })).data).sort(), [annId, cyId].sort())
    assert.deepEqual(ids((await people({ q: tag, minOrders: 1 })).data), [annId])
    assert.deepEqual((await people({ q: tag, minOrders: 3 })).data, [])
  })

  it('pages a search without repeating or skipping anyone', async () => {
    const { rows, pages } = await allPages({ q: tag, limit: 1 })
    assert.deepEqual(ids(rows).sort(), [annId, bobId, cyId].sort())
    assert.ok(pages >= 3)
  })
})

describe('GET /v1/people: everyone by last seen', () => {
  it('lists people newest seen first and pages through them', async () => {
    const first = await people({ limit: 2 })
    assert.equal(first.data.length, 2)
    assert.ok(first.nextCursor)
    const { rows } = await allPages({ limit: 2 })
    assert.equal(new Set(ids(rows)).size, rows.length, 'no one twice')
    assert.deepEqual(ids(rows.slice(0, 2)), ids(first.data))
    for (const id of [annId, bobId, cyId]) assert.ok(ids(rows).includes(id))
    const seen = rows.map((r) => Date.parse(r.lastSeenAt!))
    assert.deepEqual(seen, [...seen].sort((x, y) => y - x))
    assert.deepEqual(rows.find((r) => r.id === cyId)?.matched, null)
  })

  it('filters the list', async () => {
    const buyers = (await allPages({ minOrders: 1 })).rows
    assert.ok(ids(buyers).includes(annId) && buyers.every((r) => r.orders >= 1))
    const anonymous = (await allPages({ identified: 'anonymous' })).rows
    assert.ok(ids(anonymous).includes(bobId) && !ids(anonymous).includes(annId) && !ids(anonymous).includes(cyId))
    assert.ok(anonymous.every((r) => r.identifiers.every((i) => i.type !== 'user_id')))
    const users = (await allPages({ identified: 'user' })).rows
    assert.ok(ids(users).includes(annId) && ids(users).includes(cyId) && !ids(users).includes(bobId))
    const refused = (await allPages({ consent: 'refused', limit: 1 })).rows
    assert.ok(ids(refused).includes(bobId) && !ids(refused).includes(cyId) && !ids(refused).includes(annId))
    assert.ok(refused.every((r) => !r.personalization.granted))
    const granted = (await allPages({ consent: 'granted' })).rows
    assert.ok(ids(granted).includes(annId) && ids(granted).includes(cyId) && !ids(granted).includes(bobId))
    const unstated = (await allPages({ consent: 'unstated' })).rows
    assert.ok(ids(unstated).includes(cyId) && unstated.every((r) => !r.personalization.stated))
  })
})

describe('GET /v1/people: bad input', () => {
  it('names the field', async () => {
    const bad = (query: string) => api.secret('GET', `/v1/people?${query}`)
    assertError(await bad('cursor=garbage'), 400, 'invalid_field', 'cursor')
    assertError(await bad('minOrders=-1'), 400, 'invalid_field', 'minOrders')
    assertError(await bad('match=fuzzy'), 400, 'invalid_field', 'match')
    assertError(await bad('consent=maybe'), 400, 'invalid_field', 'consent')
    assertError(await bad('limit=0'), 400, 'invalid_field', 'limit')
    assertError(await bad(`q=${'x'.repeat(256)}`), 400, 'invalid_field', 'q')
    // A list cursor is not a search cursor, nor one search's cursor another's.
    const list = await people({ limit: 1 })
    assertError(await bad(`q=${tag}&cursor=${list.nextCursor}`), 400, 'invalid_field', 'cursor')
    const search = await people({ q: tag, limit: 1 })
    assertError(await bad(`q=${tag}x&cursor=${search.nextCursor}`), 400, 'invalid_field', 'cursor')
  })

  it('needs the secret key', async () => {
    assertError(await request(`${api.url}/v1/people`, { auth: bearer(api.writeKey) }), 403, 'insufficient_scope')
    assertError(await request(`${api.url}/v1/people`), 401, 'missing_key')
  })
})
