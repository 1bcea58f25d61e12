/**
 * Segments kept current through the real HTTP API and the workers: an event's acknowledgement is followed
 * within a second by the membership and an "Audience Entered" in the person's events; a window edge takes
 * the person out with no new event (the scheduler); consent withdrawn through the people API takes them out
 * of a segment built on inferred interests; a merge leaves the merged-away person in no segment.
 * Definitions are written to the store and announced with `engine.segmentsChanged()`, as the API does.
 */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { uniqueId } from '../builders/events.ts'
import { personPath, waitForValue } from '../builders/people.ts'
import { itKeepsSegmentsCurrent, realtimeSegments } from '../builders/segments-realtime.ts'
import { startServer, type TestServer } from '../builders/server.ts'

let server: TestServer
const segments = realtimeSegments(() => server)
const { define, personIdOf, keysOf } = segments
const api = () => segments.api

before(async () => {
  server = await startServer({}, { env: { ATTUNE_CONSENT_DEFAULTS: 'personalization=denied' } })
  server.engine.startWorkers()
  await server.engine.store.upsertItems([{ id: 'shoe-9', categories: ['Shoes > Running'], brand: 'Fleet', price: 80 }], new Date())
})
after(() => server.close())

describe('segments in real time, through HTTP', () => {
  itKeepsSegmentsCurrent(() => server)

  it('consent gates a segment built on inferred interests, both ways', async () => {
    await define('runners', { profile: { topCategory: { category: 'Shoes' } } })
    const userId = uniqueId('runner')
    await api().batch([{ type: 'track', event: 'Product Viewed', userId, messageId: uniqueId('m'), properties: { product_id: 'shoe-9' } }])
    const personId = await personIdOf(userId)
    await sleep(300)
    assert.ok(!(await keysOf(personId)).includes('runners'), 'no personalization consent (the default here): not in')
    const granted = await api().secret('PUT', personPath(userId, '/consent'), { personalization: true })
    assert.equal(granted.status, 200)
    // Interests are inferred only from events while consent holds: a view after the grant.
    await api().batch([{ type: 'track', event: 'Product Viewed', userId, messageId: uniqueId('m'), properties: { product_id: 'shoe-9' } }])
    await waitForValue('in runners', async () => ((await keysOf(personId)).includes('runners') ? true : undefined), 2000)
    const withdrawn = await api().secret('PUT', personPath(userId, '/consent'), { personalization: false })
    assert.equal(withdrawn.status, 200)
    await waitForValue('out of runners', async () => ((await keysOf(personId)).includes('runners') ? undefined : true), 2000)
  })

  it('a merge leaves the merged-away person in no segment', async () => {
    const [a, b] = [uniqueId('ma'), uniqueId('mb')]
    await api().batch([a, b].map((userId) => ({ type: 'track', event: 'Order Completed', userId, messageId: uniqueId('m'), properties: { order_id: uniqueId('o'), revenue: 10 } })))
    const [pa, pb] = [await personIdOf(a), await personIdOf(b)]
    for (const p of [pa, pb]) await waitForValue('both buyers', async () => ((await keysOf(p)).includes('buyers_now') ? true : undefined), 2000)
    const merged = await api().secret('POST', personPath(a, '/merge'), { otherId: b, force: true })
    assert.equal(merged.status, 200, JSON.stringify(merged.body))
    const root = await personIdOf(a)
    const gone = root === pa ? pb : pa
    await waitForValue('merged-away out', async () => ((await keysOf(gone)).length === 0 ? true : undefined), 2000)
    assert.deepEqual(await keysOf(root), ['buyers_now'])
  })
})
