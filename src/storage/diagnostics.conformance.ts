/**
 * Conformance of the diagnostics and the overview counts (refused messages, the live feed, the data-quality
 * figures, events and people per time bucket), run by store.conformance.ts on every backend.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { event, unique } from './conformance-fixtures.ts'
import type { Store } from './store.ts'

export function describeDiagnostics(store: () => Store): void {
  it('keeps refused messages newest first, by code and after a position, counts them per day and prunes by age and count', async () => {
    const code = `conf_code_${unique()}`
    const t0 = 1_700_000_000_000
    const rejected = (i: number, at: number) => ({
      receivedAt: at,
      keyId: 'key-1',
      endpoint: 'batch',
      index: i,
      code,
      field: `batch[${i}].userId`,
      message: `batch[${i}]: ünïcode ✓ <img src=x>`,
      messageId: i % 2 === 0 ? `m-${i}` : null,
      type: 'track',
      raw: `{"i":${i}}`,
      truncated: i === 3,
    })
    const day = Math.floor(t0 / 86_400_000)
    await store().diagnostics.recordRejected([0, 1, 2, 3, 4].map((i) => rejected(i, t0 + i)), [{ day, code, count: 5 }])
    await store().diagnostics.recordRejected([], [{ day, code, count: 2 }, { day: day + 1, code, count: 1 }])
    const first = await store().diagnostics.listRejected({ limit: 2, code })
    assert.deepEqual(first.data.map((r) => r.index), [4, 3])
    const { id: _id, ...rest } = first.data[1]!
    assert.deepEqual(rest, rejected(3, t0 + 3))
    const second = await store().diagnostics.listRejected({ limit: 10, code, cursor: first.nextCursor! })
    assert.deepEqual(second.data.map((r) => r.index), [2, 1, 0])
    assert.equal(second.nextCursor, null)
    const newer = await store().diagnostics.listRejected({ limit: 10, code, after: second.data[1]!.id })
    assert.deepEqual(newer.data.map((r) => r.index), [4, 3, 2])
    assert.deepEqual((await store().diagnostics.listRejected({ limit: 10, code: `${code}-other` })).data, [])
    const dq = await store().diagnostics.dataQuality(day * 86_400_000, (day + 2) * 86_400_000)
    assert.deepEqual(dq.rejected.filter((r) => r.code === code), [{ day, code, count: 7 }, { day: day + 1, code, count: 1 }])

    // Age: the two oldest are older than 3 ms at t0 + 5; count: of the rest only the newest 2 stay.
    const pruned = await store().diagnostics.pruneRejected(t0 + 5, { maxAgeMs: 3, maxRows: 1_000_000 })
    assert.ok(pruned >= 2)
    assert.deepEqual((await store().diagnostics.listRejected({ limit: 10, code })).data.map((r) => r.index), [4, 3, 2])
    await store().diagnostics.pruneRejected(t0 + 5, { maxAgeMs: 3, maxRows: 2 })
    assert.deepEqual((await store().diagnostics.listRejected({ limit: 10, code })).data.map((r) => r.index), [4, 3])
    // Day counts outlive the rows.
    const after = await store().diagnostics.dataQuality(day * 86_400_000, (day + 1) * 86_400_000)
    assert.deepEqual(after.rejected.filter((r) => r.code === code), [{ day, code, count: 7 }])
  })

  it('feeds stored events newest first with the canonical person they were stitched to', async () => {
    const tag = `feed-${unique()}`
    const a = event({ userId: `${tag}-u`, kind: 'product_viewed' })
    const b = event({ userId: null, anonymousId: `${tag}-anon`, kind: 'product_added', event: 'Product Added' })
    const c = event({ userId: `${tag}-u`, kind: 'order_completed', event: 'Order Completed', data: { orderId: 'o' } })
    await store().appendEvents([a, b, c])
    const mine = async (q: Partial<Parameters<Store['diagnostics']['feed']>[0]> = {}) =>
      (await store().diagnostics.feed({ limit: 50, ...q })).data.filter((e) => e.messageId.startsWith('conf-') && [a, b, c].some((x) => x.messageId === e.messageId))
    assert.deepEqual((await mine()).map((e) => [e.messageId, e.personId]), [[c.messageId, null], [b.messageId, null], [a.messageId, null]])
    const [stored] = await store().getEventsByMessageId([a.messageId])
    const fed = (await mine()).at(-1)!
    assert.deepEqual(fed, { ...stored, personId: null })
    // b is attributed to a node merged into the root: the feed names the root.
    await store().writePeople(async (tx) => {
      await tx.insertPeople([{ id: `${tag}-root`, createdAt: 1, mergedInto: null }, { id: `${tag}-node`, createdAt: 1, mergedInto: `${tag}-root` }])
      await tx.insertPersonEvents([{ messageId: a.messageId, personId: `${tag}-root`, timestamp: a.timestamp }, { messageId: b.messageId, personId: `${tag}-node`, timestamp: b.timestamp }])
    })
    assert.deepEqual((await mine()).map((e) => e.personId), [null, `${tag}-root`, `${tag}-root`])
    assert.deepEqual((await mine({ kind: 'product_added' })).map((e) => e.messageId), [b.messageId])
    assert.deepEqual((await mine({ id: `${tag}-u` })).map((e) => e.messageId), [c.messageId, a.messageId])
    assert.deepEqual((await mine({ id: `${tag}-anon` })).map((e) => e.messageId), [b.messageId])
    const [sa] = await store().getEventsByMessageId([a.messageId])
    assert.deepEqual((await mine({ after: sa!.seq })).map((e) => e.messageId), [c.messageId, b.messageId])
    const page1 = await store().diagnostics.feed({ limit: 1, id: `${tag}-u` })
    assert.deepEqual(page1.data.map((e) => e.messageId), [c.messageId])
    const page2 = await store().diagnostics.feed({ limit: 1, id: `${tag}-u`, cursor: page1.nextCursor! })
    assert.deepEqual(page2.data.map((e) => e.messageId), [a.messageId])
    assert.equal(page2.nextCursor, null)
  })

  it('aggregates the data-quality figures: identity, catalogue, sparsity, placements, consent', async () => {
    const n = unique()
    const tag = `dq-${n}`
    const t0 = 2_100_000_000_000 + n * 1_000_000
    const before = await store().diagnostics.dataQuality(t0, t0 + 100_000)
    // A (user id, anonymous id) with C merged into it (another anonymous id); B: two anonymous ids and no user id.
    const [A, B, C] = ['a', 'b', 'c'].map((x) => `${tag}-${x}`) as [string, string, string]
    const ghost = `${tag}-ghost`
    const evs = [
      event({ userId: 'x', itemId: ghost }),
      event({ userId: 'x', itemId: ghost }),
      event({ userId: 'x', itemId: ghost }),
      event({ userId: 'x', itemId: `${tag}-full` }),
    ]
    await store().appendEvents(evs)
    await store().upsertItems([
      { id: `${tag}-bare`, categories: [] },
      { id: `${tag}-full`, categories: ['Shoes'], price: 5, imageUrl: 'https://img.example/x.png' },
    ], new Date())
    const identity = (type: string, value: string, personId: string) => ({ type, value: `${tag}-${value}`, personId, firstSeen: 1, messageId: 'm' })
    const log = (id: string, kind: 'merge' | 'refused') => ({ id: `${tag}-${id}`, kind, personId: A, otherId: C, members: [C], cause: 'test', messageId: 'm', identifiers: [], at: 1, undoneAt: null, undoneBy: null })
    const profile = (personId: string, consent: Record<string, unknown>) => ({ personId, state: JSON.stringify({ consent }), orders: 0, revenue: 0, lastOrder: null, updatedAt: 1 })
    await store().writePeople(async (tx) => {
      await tx.insertPeople([{ id: A, createdAt: 1, mergedInto: null }, { id: B, createdAt: 1, mergedInto: null }, { id: C, createdAt: 1, mergedInto: A }])
      await tx.putIdentities([identity('user_id', 'u', A), identity('anonymous_id', 'a1', A), identity('anonymous_id', 'c1', C), identity('anonymous_id', 'b1', B), identity('anonymous_id', 'b2', B)])
      await tx.insertIdentityLog([log('merge', 'merge'), log('refused', 'refused')])
      await tx.insertPersonEvents([
        { messageId: evs[0]!.messageId, personId: A, timestamp: 1 },
        { messageId: evs[1]!.messageId, personId: C, timestamp: 1 },
        { messageId: evs[2]!.messageId, personId: C, timestamp: 1 },
        { messageId: evs[3]!.messageId, personId: B, timestamp: 1 },
      ])
      await tx.putProfiles([profile(A, { personalization: { granted: true, at: 1 }, [`${tag}_purpose`]: { granted: false, at: 1 } }), profile(B, {})])
    })
    const imp = (i: number, servedBy: string[] | null) => ({ recommId: `${tag}-r${i}`, placement: 0, strategy: 'similar', personId: null, ref: null, itemIds: [], servedAt: t0 + i, servedBy })
    await store().impressions.insert([imp(1, ['similar']), imp(2, ['similar']), imp(3, ['pinned', 'similar', 'also-viewed']), imp(4, null)])
    const now = await store().diagnostics.dataQuality(t0, t0 + 100_000)

    const delta = <T extends Record<string, unknown>>(x: T, y: T) => Object.fromEntries(Object.keys(x).filter((k) => typeof x[k] === 'number').map((k) => [k, (x[k] as number) - (y[k] as number)]))
    assert.deepEqual(delta(now.identity, before.identity), {
      people: 2, anonymousOnlyMulti: 1, withUserId: 1, multiDevice: 1, anonymousIds: 4, anonymousIdsWithUser: 2, merges: 1, undoneMerges: 0, refusedMerges: 1, reassigned: 0,
    })
    assert.deepEqual(delta(now.catalog, before.catalog), { items: 2, withoutCategory: 1, withoutPrice: 1, withoutImage: 1, eventsWithItem: 4, eventsUnknownItem: 3, unknownItems: 1 })
    assert.deepEqual(delta(now.sparsity, before.sparsity), { people: 2, events: 4 })
    const bucket = (f: typeof now, min: number) => f.sparsity.buckets.find((b) => b.min === min)!.people
    assert.equal(bucket(now, 1) - bucket(before, 1), 1, 'B has one event')
    assert.equal(bucket(now, 3) - bucket(before, 3), 1, 'A has three (one its own, two of the node merged into it)')
    assert.deepEqual(now.sparsity.buckets.map((b) => b.min), [1, 2, 3, 5, 10, 20, 50, 100])
    assert.deepEqual(
      [...now.placements].sort((x, y) => String(x.servedBy).localeCompare(String(y.servedBy))),
      [
        { strategy: 'similar', servedBy: '["pinned","similar","also-viewed"]', count: 1 },
        { strategy: 'similar', servedBy: '["similar"]', count: 2 },
        { strategy: 'similar', servedBy: null, count: 1 },
      ],
    )
    assert.equal(now.consent.profiles - before.consent.profiles, 2)
    const purpose = (f: typeof now, p: string) => f.consent.purposes.find((x) => x.purpose === p) ?? { granted: 0, denied: 0 }
    assert.deepEqual(purpose(now, `${tag}_purpose`), { purpose: `${tag}_purpose`, granted: 0, denied: 1 })
    assert.equal(purpose(now, 'personalization').granted - purpose(before, 'personalization').granted, 1)
  })

  it('counts events and distinct stitched people per time bucket, with an offset per span', async () => {
    const H = 3_600_000
    const n = unique()
    const t0 = Math.floor(1_960_000_000_000 / (24 * H)) * 24 * H + n * 7 * 24 * H
    const tag = `overview-${n}`
    const at = [t0 + 22.5 * H, t0 + 23.5 * H, t0 + 25 * H]
    const events = at.map((timestamp, i) => event({ userId: `${tag}-${i}`, timestamp }))
    await store().appendEvents([...events, event({ userId: tag, timestamp: t0 + 30 * H })])
    await store().writePeople(async (tx) => {
      await tx.insertPeople(['a', 'b', 'c'].map((n, i) => ({ id: `${tag}-${n}`, createdAt: i, mergedInto: null })))
      await tx.insertPersonEvents(events.map((e, i) => ({ messageId: e.messageId, personId: `${tag}-${'abc'[i]}`, timestamp: e.timestamp })))
      await tx.setMergedInto([`${tag}-b`], `${tag}-a`) // b is stitched to a
    })
    // UTC+1 before t0 + 23 h, UTC+2 after: the first event is local 23:30 of day d, the others on day d + 1.
    const spans = [{ before: t0 + 23 * H, offset: H }, { before: Infinity, offset: 2 * H }]
    const d = t0 / (24 * H)
    const to = t0 + 26 * H
    assert.deepEqual(await store().overview.eventsPerBucket(t0, to, { size: 'day', spans }), [{ key: d, count: 1 }, { key: d + 1, count: 2 }])
    assert.deepEqual(await store().overview.peoplePerBucket(t0, to, { size: 'day', spans }), [{ key: d, count: 1 }, { key: d + 1, count: 2 }])
    assert.deepEqual(await store().overview.eventsPerBucket(t0, to, { size: 'hour', spans }), [
      { key: t0 + 22 * H, count: 1 },
      { key: t0 + 23 * H, count: 1 },
      { key: t0 + 25 * H, count: 1 },
    ])
    assert.deepEqual(await store().overview.eventsPerBucket(t0, to, { size: 'minute', spans: [{ before: Infinity, offset: -5.5 * H }] }), at.map((key) => ({ key, count: 1 })))
    assert.equal(await store().overview.people(t0, to), 2, 'a and b are one person')
    assert.equal(await store().overview.people(t0 + 23 * H, to), 2)
    assert.equal(await store().overview.people(t0 + 24 * H, to), 1)
  })
}
