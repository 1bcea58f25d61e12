/**
 * GET /v1/reports/data-quality over real HTTP on a small shop seeded through the API, with every figure
 * counted by hand from the seed below (the comments say which people and events make each number).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Json, uniqueId } from '../builders/events.ts'
import { Api, assertError, basicAuth, request } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { trainActiveModel } from '../builders/shop.ts'
import { waitFor } from '../support/child-server.ts'
import type { DataQualityReport } from '../../src/server/api-types.ts'

let server: TestServer
let api: Api
const msg = (m: Json): Json => ({ messageId: uniqueId('msg'), ...m })
const view = (who: Json, itemId: string) => msg({ type: 'track', event: 'Product Viewed', ...who, properties: { product_id: itemId } })
const identify = (who: Json, traits: Json = {}) => msg({ type: 'identify', ...who, traits })

// Four items: i3 has no category, price or image; i2 no image; i4 no price.
const items = [
  { id: 'i1', title: 'One', categories: ['Shoes'], price: 10, imageUrl: 'https://img.example/1.png' },
  { id: 'i2', title: 'Two', categories: ['Shoes'], price: 20 },
  { id: 'i3', title: '<img src=x onerror=alert(1)>' },
  { id: 'i4', title: 'Four', categories: ['Bags'], imageUrl: 'https://img.example/4.png' },
]

/*
 * People (6 canonical):
 *   ann   user id, anonymous ids a1 and a2 (two devices, both signed in)   5 events: 2 views, 2 identifies, 1 consent change
 *   bob   user id, no anonymous id, refuses personalization in his traits 3 events: 1 identify, 2 views (i1, ghost-1)
 *   cleo  no user id: anonymous ids c1 and c2 joined by one email         4 events: 2 identifies, 2 views (ghost-1, ghost-2)
 *   dan   anonymous id d1 only                                             1 event: 1 view (i3)
 *   mum, son  user ids sharing a family email: the second merge refused    1 event each
 */
const seed = [
  view({ anonymousId: 'a1' }, 'i1'),
  view({ anonymousId: 'a2' }, 'i2'),
  identify({ anonymousId: 'a1', userId: 'ann' }),
  identify({ anonymousId: 'a2', userId: 'ann' }),
  identify({ userId: 'bob' }, { consent: { personalization: false } }),
  view({ userId: 'bob' }, 'i1'),
  view({ userId: 'bob' }, 'ghost-1'),
  identify({ anonymousId: 'c1' }, { email: 'cleo@example.com' }),
  identify({ anonymousId: 'c2' }, { email: 'cleo@example.com' }),
  view({ anonymousId: 'c1' }, 'ghost-1'),
  view({ anonymousId: 'c2' }, 'ghost-2'),
  view({ anonymousId: 'd1' }, 'i3'),
  identify({ userId: 'mum' }, { email: 'family@example.com' }),
  identify({ userId: 'son' }, { email: 'family@example.com' }),
]

async function report(query = ''): Promise<DataQualityReport> {
  const res = await api.secret<DataQualityReport>('GET', `/v1/reports/data-quality${query}`)
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 400))
  return res.body
}

before(async () => {
  server = await startServer()
  server.engine.startWorkers()
  api = new Api(server)
  assert.equal((await api.secret('POST', '/v1/items', { items })).status, 200)
  assert.equal((await api.batch(seed)).status, 200)
  await waitFor(async () => server.engine.projector.stats.events >= seed.length, 10_000)
  const consent = await api.secret('PUT', '/v1/people/ann/consent', { email: true })
  assert.equal(consent.status, 200, JSON.stringify(consent.body))
  // Three refusals: two missing ids, one bad time.
  const bad = await api.batch([msg({ type: 'track', event: 'X' }), msg({ type: 'track', event: 'X' }), msg({ type: 'track', event: 'X', userId: 'u', timestamp: 'soon' })])
  assert.equal(bad.status, 400)
})
after(() => server?.close())

describe('GET /v1/reports/data-quality', () => {
  it('measures identity fragmentation', async () => {
    const { identity } = await report()
    assert.deepEqual(identity, {
      people: 6,
      anonymousOnlyMultiple: 1, // cleo
      anonymousOnlyMultipleShare: 0.1667,
      withUserId: 4, // ann, bob, mum, son
      multiDevice: 1, // ann
      stitchingRate: 0.25,
      anonymousIds: 5, // a1, a2, c1, c2, d1
      anonymousIdsStitched: 2, // a1, a2
      anonymousIdsStitchedShare: 0.4,
      merges: 1, // a2's visitor into ann (c2's first event already named cleo's email: linked, not merged)
      undoneMerges: 0,
      refusedMerges: 1, // son and mum's email
      reassigned: 0,
    })
  })

  it('measures catalogue coverage', async () => {
    const { catalog } = await report()
    assert.deepEqual(catalog, {
      items: 4,
      withoutCategory: 1,
      withoutPrice: 2,
      withoutImage: 2,
      withoutCategoryShare: 0.25,
      withoutPriceShare: 0.5,
      withoutImageShare: 0.5,
      eventsNamingItems: 7, // the seven views
      eventsNamingUnknownItems: 3, // ghost-1 twice, ghost-2 once
      eventsNamingUnknownItemsShare: 0.4286,
      unknownItems: 2,
      topUnknownItems: [{ itemId: 'ghost-1', events: 2 }, { itemId: 'ghost-2', events: 1 }],
    })
  })

  it('measures sparsity: events per person', async () => {
    const { sparsity } = await report()
    assert.equal(sparsity.people, 6)
    assert.equal(sparsity.events, 15)
    assert.equal(sparsity.meanEventsPerPerson, 2.5)
    assert.deepEqual(
      sparsity.buckets.map((b) => [b.label, b.people]),
      [['1', 3], ['2', 0], ['3–4', 2], ['5–9', 1], ['10–19', 0], ['20–49', 0], ['50–99', 0], ['100+', 0]],
    )
    assert.equal(sparsity.buckets[0]!.share, 0.5)
  })

  it('measures consent coverage against the defaults', async () => {
    const { consent } = await report()
    assert.equal(consent.people, 6)
    const of = (p: string) => consent.purposes.find((x) => x.purpose === p)
    assert.deepEqual(of('personalization'), {
      purpose: 'personalization', granted: 0, denied: 1, unset: 5, default: true,
      grantedShare: 0, deniedShare: 0.1667, unsetShare: 0.8333, effectiveGrantedShare: 0.8333,
    })
    assert.deepEqual(of('email'), {
      purpose: 'email', granted: 1, denied: 0, unset: 5, default: false,
      grantedShare: 0.1667, deniedShare: 0, unsetShare: 0.8333, effectiveGrantedShare: 0.1667,
    })
    assert.deepEqual(consent.purposes.map((p) => p.purpose), ['advertising', 'email', 'personalization', 'sensitive'])
  })

  it('counts refused events per code and per UTC day', async () => {
    const { rejected } = await report()
    assert.equal(rejected.total, 3)
    assert.deepEqual(rejected.byCode, [{ code: 'missing_field', count: 2 }, { code: 'invalid_field', count: 1 }])
    const today = new Date().toISOString().slice(0, 10)
    assert.deepEqual(rejected.days.at(-1), { day: today, total: 3, byCode: { missing_field: 2, invalid_field: 1 } })
    assert.ok(rejected.days.slice(0, -1).every((d) => d.total === 0 && Object.keys(d.byCode).length === 0))
    assert.equal(rejected.days.length, 31, 'every day of the default 30-day range, today included')
    // A range without today has none.
    const old = await report(`?from=2020-01-01T00:00:00Z&to=2020-01-03T00:00:00Z`)
    assert.deepEqual(old.rejected, { total: 0, byCode: [], days: [{ day: '2020-01-01', total: 0, byCode: {} }, { day: '2020-01-02', total: 0, byCode: {} }] })
  })

  it('shares of recommendation placements served by fallback levels, per strategy', async () => {
    await trainActiveModel(server)
    const answers: { strategy: string; servedBy: string[] }[] = []
    for (const body of [
      { strategy: 'similar', itemId: 'i1', count: 2 },
      { strategy: 'similar', itemId: 'i3', count: 3 },
      { strategy: 'bestsellers', count: 2 },
    ]) {
      const res = await api.secret('POST', '/v1/recommendations', body)
      assert.equal(res.status, 200, JSON.stringify(res.body))
      answers.push(...res.body.placements)
    }
    const { fallback } = await report()
    // Expected from the answers themselves: a placement used a fallback when any level but the chain's first supplied items.
    const own: Record<string, string> = { similar: 'similar', bestsellers: 'category-bestsellers' }
    for (const strategy of ['bestsellers', 'similar']) {
      const mine = answers.filter((a) => a.strategy === strategy)
      const levels = mine.map((a) => a.servedBy.filter((l) => l !== 'pinned'))
      const row = fallback.find((f) => f.strategy === strategy)!
      assert.equal(row.ownLevel, own[strategy])
      assert.equal(row.answers, mine.length)
      assert.equal(row.unrecorded, 0)
      assert.equal(row.empty, levels.filter((l) => l.length === 0).length)
      assert.equal(row.usedFallback, levels.filter((l) => l.some((x) => x !== own[strategy])).length)
      assert.equal(row.ownLevelOnly, levels.filter((l) => l.length > 0 && l.every((x) => x === own[strategy])).length)
      const used = new Set(levels.flat())
      assert.deepEqual(new Set(row.levels.map((l) => l.level)), used)
    }
    assert.deepEqual(fallback.map((f) => f.strategy), ['bestsellers', 'similar'])
    // With a bestsellers answer of two placements there is something to show on a chart.
    assert.ok(fallback.every((f) => f.answers > 0))
  })

  it('refuses bad ranges with the field named, and a write key', async () => {
    assertError(await api.secret('GET', '/v1/reports/data-quality?from=yesterday'), 400, 'invalid_field', 'from')
    assertError(await api.secret('GET', '/v1/reports/data-quality?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'), 400, 'invalid_field', 'from')
    assertError(await api.secret('GET', '/v1/reports/data-quality?from=2000-01-01T00:00:00Z&to=2026-01-01T00:00:00Z'), 400, 'invalid_field', 'from')
    assert.equal((await request(`${server.url}/v1/reports/data-quality`, { auth: basicAuth(server.writeKey) })).status, 403)
  })
})
