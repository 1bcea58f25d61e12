/**
 * The segment engine on a real SQLite file with the real projector: entries on an event, exits with
 * time alone (the scheduler), audience events with stable ids, merges, consent, definition changes,
 * computed traits and previews.
 */
import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { DAY, type SegmentHarness, segmentHarness } from '../../test/builders/segments.ts'

const order = (userId: string, total = 40, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  userId,
  properties: { order_id: `o-${userId}-${Math.random()}`, revenue: total, products: [{ product_id: 'shoe-1', price: total, quantity: 1 }] },
  ...extra,
})
const view = (userId: string, productId: string, extra: Record<string, unknown> = {}) => ({ type: 'track', event: 'Product Viewed', userId, properties: { product_id: productId }, ...extra })

describe('SegmentEngine', () => {
  let h: SegmentHarness
  beforeEach(async () => {
    h = await segmentHarness()
    await h.items([
      { id: 'shoe-1', categories: ['Shoes > Running'], brand: 'Fleet', price: 40 },
      { id: 'pill-1', categories: ['Health > Vitamins'], brand: 'Vita', price: 9 },
    ])
  })
  afterEach(() => h.close())

  it('an entry whose audience event could not be appended stays in the outbox and goes out on the next tick, once', async () => {
    await h.define('segment', 'recent_buyers', { event: { kind: 'order_completed', within: '30d' } })
    h.failAppends = 1
    await assert.rejects(h.send([order('bea')]), /append failed/)
    const bea = await h.personOf('bea')
    assert.deepEqual(await h.segmentsOf(bea), ['recent_buyers'], 'the change is stored')
    assert.equal(h.audience.length, 0)
    assert.deepEqual((await h.store.segmentMembers.pendingAudience(10)).map((c) => [c.personId, c.entered]), [[bea, true]])
    // A re-evaluation finds nothing to change (she is a member): only the outbox still knows.
    await h.engine.onPeople([bea])
    assert.equal(h.audience.length, 0)
    await h.engine.tick()
    assert.deepEqual(h.audience.map((e) => [e.event, e.userId]), [['Audience Entered', 'bea']])
    assert.deepEqual(await h.store.segmentMembers.pendingAudience(10), [])
    await h.engine.tick()
    assert.equal(h.audience.length, 1, 'appended once, then marked')
    const timeline = await h.store.listPersonEvents({ personId: bea, personNodes: [bea], limit: 10 })
    assert.equal(timeline.data.filter((e) => e.event === 'Audience Entered').length, 1)
  })

  it('a pending audience event of a deleted segment is dropped, not appended', async () => {
    const seg = await h.define('segment', 'recent_buyers', { event: { kind: 'order_completed', within: '30d' } })
    h.failAppends = 1
    await assert.rejects(h.send([order('cy')]))
    await h.store.segmentDefinitions.delete(seg.id)
    await h.engine.reload()
    assert.equal(await h.engine.republish(), 0, 'clearing the deleted segment took its pending events too')
    assert.equal(h.audience.length, 0)
  })

  it('enters on the event, announces it, and leaves with time alone when the window passes', async () => {
    const recent = await h.define('segment', 'recent_buyers', { event: { kind: 'order_completed', within: '30d' } }, { name: 'Bought in the last 30 days' })
    const bought = h.now
    await h.send([order('ann')])
    const ann = await h.personOf('ann')
    assert.deepEqual(await h.segmentsOf(ann), ['recent_buyers'])
    assert.equal(h.audience.length, 1)
    const entered = h.audience[0]!
    assert.equal(entered.event, 'Audience Entered')
    assert.equal(entered.kind, 'audience_entered')
    assert.equal(entered.userId, 'ann')
    assert.deepEqual((entered.message as { properties: unknown }).properties, { audience_key: 'recent_buyers', audience_id: recent.id, audience_name: 'Bought in the last 30 days', version: 1, person_id: ann })
    // The audience event is in the person's timeline, and folded as nothing.
    const timeline = await h.store.listPersonEvents({ personId: ann, personNodes: [ann], limit: 10 })
    assert.ok(timeline.data.some((e) => e.messageId === entered.messageId))
    const [profile] = await h.store.readPeople((tx) => tx.getProfiles([ann]))
    assert.equal(JSON.parse(profile!.state).events, 1, 'the audience event is not counted as behaviour')

    h.now = bought + 30 * DAY - 60_000
    assert.equal(await h.engine.tick(), 0, 'nobody is due before the window edge')
    assert.deepEqual(await h.segmentsOf(ann), ['recent_buyers'])
    h.now = bought + 30 * DAY + 60_000
    assert.equal(await h.engine.tick(), 1)
    assert.deepEqual(await h.segmentsOf(ann), [])
    assert.deepEqual(h.audience.map((e) => e.event), ['Audience Entered', 'Audience Exited'])
    assert.equal(await h.engine.tick(), 0, 'nothing more is scheduled for her')
    const history = await h.store.segmentMembers.sizeHistory(recent.id, bought - DAY, bought + 32 * DAY)
    assert.equal(history.reduce((s, p) => s + p.entered, 0), 1)
    assert.equal(history.reduce((s, p) => s + p.exited, 0), 1)
    assert.equal(history.at(-1)!.size, 0)
  })

  it('announces a change once: the same pass again appends nothing, and message ids are stable', async () => {
    await h.define('segment', 'recent_buyers', { event: { kind: 'order_completed', within: '30d' } })
    await h.send([order('bo')])
    const ids = h.audience.map((e) => e.messageId)
    await h.engine.onPeople([await h.personOf('bo')])
    assert.deepEqual(h.audience.map((e) => e.messageId), ids)
    const stored = await h.store.getEventsByMessageId(ids)
    assert.equal(stored.length, 1)
  })

  it('keeps computed traits current and segments read them', async () => {
    await h.define('trait', 'views_7d', { type: 'counter', event: { kind: 'product_viewed' }, within: '7d' })
    await h.define('segment', 'browsers', { computed: { key: 'views_7d', gte: 2 } })
    await h.send([view('cy', 'shoe-1')])
    const cy = await h.personOf('cy')
    assert.deepEqual({ ...(await h.engine.traitValues(cy)) }, { views_7d: 1 })
    assert.deepEqual(await h.segmentsOf(cy), [])
    h.now += 60_000
    await h.send([view('cy', 'shoe-1')])
    assert.deepEqual({ ...(await h.engine.traitValues(cy)) }, { views_7d: 2 })
    assert.deepEqual(await h.segmentsOf(cy), ['browsers'])
    h.now += 7 * DAY - 30_000
    assert.equal(await h.engine.tick(), 1, 'the first view left the window')
    assert.deepEqual({ ...(await h.engine.traitValues(cy)) }, { views_7d: 1 })
    assert.deepEqual(await h.segmentsOf(cy), [])
    h.now += 60_000
    assert.equal(await h.engine.tick(), 1)
    assert.deepEqual({ ...(await h.engine.traitValues(cy)) }, { views_7d: 0 })
    assert.deepEqual(await h.segmentsOf(cy), [])
  })

  it('a person merged into another leaves every segment; the survivor is evaluated with both histories', async () => {
    await h.define('segment', 'recent_buyers', { event: { kind: 'order_completed', within: '30d' } })
    await h.define('segment', 'two_orders', { event: { kind: 'order_completed', count: { gte: 2 } } })
    await h.send([order('di'), { type: 'track', event: 'Order Completed', anonymousId: 'anon-di', properties: { order_id: 'o-anon', revenue: 5 } }])
    const di = await h.personOf('di')
    const [anonRow] = await h.store.readPeople((tx) => tx.findIdentities([{ type: 'anonymous_id', value: 'anon-di' }]))
    const anon = anonRow!.personId
    assert.notEqual(anon, di)
    assert.deepEqual((await h.engine.segmentsOf(anon)).map((s) => s.key), ['recent_buyers'])
    h.now += 60_000
    // The anonymous visitor logs in: the two are one person now.
    await h.send([{ type: 'identify', userId: 'di', anonymousId: 'anon-di' }])
    const root = await h.personOf('di')
    const gone = root === di ? anon : di
    assert.deepEqual(await h.segmentsOf(gone), [])
    assert.deepEqual(await h.segmentsOf(root), ['recent_buyers', 'two_orders'])
    const exits = h.audience.filter((e) => e.kind === 'audience_exited')
    assert.deepEqual(exits.map((e) => (e.message as { properties: { person_id: string } }).properties.person_id), [gone])
  })

  it('segments on inferred interests need personalization consent; sensitive categories need the sensitive purpose', async () => {
    h.consentDefaults = { personalization: false }
    await h.store.setCategorySensitivity([{ path: 'Health', sensitive: true }])
    await h.define('segment', 'runners', { profile: { topCategory: { category: 'Shoes' } } })
    await h.define('segment', 'vitamins', { event: { kind: 'product_viewed', item: { category: 'Health' } } })
    await h.send([{ type: 'identify', userId: 'fay', traits: { consent: { personalization: true } } }])
    h.now += 1000
    await h.send([view('ed', 'shoe-1'), view('ed', 'pill-1'), view('fay', 'shoe-1'), view('fay', 'pill-1')])
    assert.deepEqual(await h.segmentsOf(await h.personOf('ed')), [], 'no personalization consent: in no inferred segment')
    assert.deepEqual(await h.segmentsOf(await h.personOf('fay')), ['runners'], 'consent to personalization, not to sensitive categories')
    h.now += 60_000
    await h.send([{ type: 'identify', userId: 'fay', traits: { consent: { sensitive: true } } }])
    assert.deepEqual(await h.segmentsOf(await h.personOf('fay')), ['runners', 'vitamins'])
  })

  it('evaluates everyone when a definition changes or is disabled, and clears a deleted one', async () => {
    const seg = await h.define('segment', 'big_orders', { event: { kind: 'order_completed', where: [{ path: 'revenue', gte: 100 }] } })
    await h.send([order('gus', 50), order('hal', 150)])
    const [gus, hal] = [await h.personOf('gus'), await h.personOf('hal')]
    assert.deepEqual([await h.segmentsOf(gus), await h.segmentsOf(hal)], [[], ['big_orders']])
    await h.store.segmentDefinitions.update(seg.id, { key: 'big_orders', name: 'Big', description: '', definition: { event: { kind: 'order_completed', where: [{ path: 'revenue', gte: 40 }] } }, enabled: true }, { updatedBy: 'test', now: h.now })
    await h.engine.reload()
    assert.deepEqual([await h.segmentsOf(gus), await h.segmentsOf(hal)], [['big_orders'], ['big_orders']])
    assert.equal((await h.engine.segmentsOf(gus))[0]!.version, 2)
    await h.store.segmentDefinitions.update(seg.id, { key: 'big_orders', name: 'Big', description: '', definition: { event: { kind: 'order_completed' } }, enabled: false }, { updatedBy: 'test', now: h.now })
    await h.engine.reload()
    assert.equal(await h.store.segmentMembers.count(seg.id), 0, 'a disabled segment has no members')
    assert.equal(h.audience.filter((e) => e.kind === 'audience_exited').length, 2)
    await h.store.segmentDefinitions.update(seg.id, { key: 'big_orders', name: 'Big', description: '', definition: { event: { kind: 'order_completed' } }, enabled: true }, { updatedBy: 'test', now: h.now })
    await h.engine.reload()
    assert.equal(await h.store.segmentMembers.count(seg.id), 2)
    await h.store.segmentDefinitions.delete(seg.id)
    await h.engine.reload()
    assert.equal(await h.store.segmentMembers.count(seg.id), 0)
    assert.deepEqual(await h.store.segmentMembers.definitionsInUse(), [])
  })

  it('recompute gives what real time kept; after a reset of memberships it restores them', async () => {
    await h.define('segment', 'recent_buyers', { event: { kind: 'order_completed', within: '30d' } })
    await h.send([order('ivy'), order('jo'), view('kim', 'shoe-1')])
    const before = await h.store.segmentMembers.counts()
    const same = await h.engine.recompute()
    assert.equal(same.changes, 0)
    assert.equal(same.people, 3)
    await h.store.segmentMembers.clear()
    const again = await h.engine.recompute()
    assert.equal(again.changes, 2)
    assert.deepEqual(await h.store.segmentMembers.counts(), before)
  })

  it('previews an unsaved rule over everyone, and names the bad field of an invalid one', async () => {
    await h.send([order('lu', 20), order('max', 200), order('ned', 300), view('oz', 'shoe-1')])
    const preview = await h.engine.preview({ event: { kind: 'order_completed', where: [{ path: 'revenue', gte: 100 }] } }, { sample: 1 })
    assert.equal(preview.size, 2)
    assert.equal(preview.population, 4)
    assert.equal(preview.size, 2)
    assert.equal(preview.sample.length, 1)
    assert.ok([await h.personOf('max'), await h.personOf('ned')].includes(preview.sample[0]!))
    // Rules on events alone are answered from the events' index; the same rule with a condition that holds for
    // everyone on the profile goes through the scan of people: both give the same answer.
    await h.send([{ type: 'identify', userId: 'pat', traits: { consent: { personalization: false } } }, { type: 'identify', userId: 'quin', traits: { consent: { personalization: false } } }])
    await h.send([view('pat', 'shoe-1')])
    const inferred = { event: { kind: 'product_viewed', item: { category: 'Shoes' } } }
    for (const rule of [{ not: { event: { kind: 'order_completed', where: [{ path: 'revenue', gte: 100 }] } } }, { event: { kind: 'product_viewed', within: '1d' } }, inferred, { not: inferred }]) {
      const fast = await h.engine.preview(rule, { sample: 10 })
      const scanned = await h.engine.preview({ all: [rule, { profile: { orders: { gte: 0 } } }] }, { sample: 10 })
      assert.deepEqual({ ...fast, ms: 0, sample: [...fast.sample].sort() }, { ...scanned, ms: 0, sample: [...scanned.sample].sort() })
    }
    assert.equal((await h.engine.preview({ not: { event: { kind: 'order_completed', where: [{ path: 'revenue', gte: 100 }] } } }, { sample: 10 })).size, 4)
    assert.equal((await h.engine.preview(inferred, { sample: 10 })).size, 1, 'oz viewed shoes with consent; pat without')
    assert.equal((await h.engine.preview({ not: inferred }, { sample: 10 })).size, 3, 'lu, max, ned: an inferred rule is false without consent (pat, quin), negated or not')
    await assert.rejects(h.engine.preview({ all: [{ event: { kind: 'order_completed', within: 'soon' } }] }, { sample: 1 }), (e: Error & { field?: string }) => {
      assert.match(e.field ?? '', /^rule\.all\[0\]\.event\.within/)
      return true
    })
  })
})
