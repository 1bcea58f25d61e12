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
import { Api } from '../builders/http.ts'
import { personPath, waitForValue } from '../builders/people.ts'
import { startServer, type TestServer } from '../builders/server.ts'

let server: TestServer
let api: Api

async function define(key: string, definition: unknown): Promise<string> {
  const record = await server.engine.store.segmentDefinitions.create({ id: `seg_${key}`, kind: 'segment', key, name: key, description: '', definition, builtIn: false, enabled: true, updatedBy: 'test' }, Date.now())
  assert.ok(record)
  server.engine.segmentsChanged()
  // Evaluated by the workers' reload (a full pass); wait for it so later entries come from real time.
  await server.engine.segments.reload()
  return record.id
}

async function personIdOf(userId: string): Promise<string> {
  return waitForValue(`person of ${userId}`, async () => {
    const res = await api.secret<{ id: string }>('GET', personPath(userId))
    return res.status === 200 ? res.body.id : undefined
  })
}

const keysOf = async (personId: string) => (await server.engine.segments.segmentsOf(personId)).map((s) => s.key).sort()

before(async () => {
  server = await startServer({}, { env: { ATTUNE_CONSENT_DEFAULTS: 'personalization=denied' } })
  server.engine.startWorkers()
  api = new Api(server)
  await server.engine.store.upsertItems([{ id: 'shoe-9', categories: ['Shoes > Running'], brand: 'Fleet', price: 80 }], new Date())
})
after(() => server.close())

describe('segments in real time, through HTTP', () => {
  it('an acknowledged order puts the buyer in the segment within a second, with an Audience Entered event', async () => {
    await define('buyers_now', { event: { kind: 'order_completed', within: '30d' } })
    const userId = uniqueId('buyer')
    const res = await api.batch([{ type: 'track', event: 'Order Completed', userId, messageId: uniqueId('m'), properties: { order_id: uniqueId('o'), revenue: 30 } }])
    assert.equal(res.status, 200)
    const acknowledged = performance.now()
    const personId = await personIdOf(userId)
    await waitForValue('membership', async () => ((await keysOf(personId)).includes('buyers_now') ? true : undefined), 1000)
    const latency = performance.now() - acknowledged
    assert.ok(latency < 1000, `member ${latency.toFixed(0)} ms after the acknowledgement`)
    const entered = await waitForValue('Audience Entered in the person events', async () => {
      const events = await api.secret<{ data: { event: string; properties?: Record<string, unknown> }[] }>('GET', personPath(userId, '/events'))
      return events.body.data.find((e) => e.event === 'Audience Entered')
    })
    assert.equal(entered.properties?.audience_key, 'buyers_now')
  })

  it('a window edge takes the person out without a new event', async () => {
    await define('this_minute', { event: { kind: 'product_viewed', within: '1m' } })
    const userId = uniqueId('viewer')
    // Viewed 57 seconds ago: in the one-minute window for three more seconds.
    const res = await api.batch([{ type: 'track', event: 'Product Viewed', userId, messageId: uniqueId('m'), timestamp: new Date(Date.now() - 57_000).toISOString(), properties: { product_id: 'shoe-9' } }])
    assert.equal(res.status, 200)
    const personId = await personIdOf(userId)
    await waitForValue('entry', async () => ((await keysOf(personId)).includes('this_minute') ? true : undefined), 2000)
    const left = await waitForValue('exit by time', async () => ((await keysOf(personId)).includes('this_minute') ? undefined : Date.now()), 8000)
    assert.ok(left >= Date.now() - 8000)
    // Announced right after the change is stored.
    await waitForValue('Audience Exited', async () => {
      const events = await server.engine.store.readEventsOfKinds(['audience_exited'], Date.now() - 60_000, Date.now() + 1000, 0, 1000)
      return events.find((e) => (e.message.properties as { person_id?: string }).person_id === personId)
    })
  })

  it('consent gates a segment built on inferred interests, both ways', async () => {
    await define('runners', { profile: { topCategory: { category: 'Shoes' } } })
    const userId = uniqueId('runner')
    await api.batch([{ type: 'track', event: 'Product Viewed', userId, messageId: uniqueId('m'), properties: { product_id: 'shoe-9' } }])
    const personId = await personIdOf(userId)
    await sleep(300)
    assert.ok(!(await keysOf(personId)).includes('runners'), 'no personalization consent (the default here): not in')
    const granted = await api.secret('PUT', personPath(userId, '/consent'), { personalization: true })
    assert.equal(granted.status, 200)
    // Interests are inferred only from events while consent holds: a view after the grant.
    await api.batch([{ type: 'track', event: 'Product Viewed', userId, messageId: uniqueId('m'), properties: { product_id: 'shoe-9' } }])
    await waitForValue('in runners', async () => ((await keysOf(personId)).includes('runners') ? true : undefined), 2000)
    const withdrawn = await api.secret('PUT', personPath(userId, '/consent'), { personalization: false })
    assert.equal(withdrawn.status, 200)
    await waitForValue('out of runners', async () => ((await keysOf(personId)).includes('runners') ? undefined : true), 2000)
  })

  it('a merge leaves the merged-away person in no segment', async () => {
    const [a, b] = [uniqueId('ma'), uniqueId('mb')]
    await api.batch([a, b].map((userId) => ({ type: 'track', event: 'Order Completed', userId, messageId: uniqueId('m'), properties: { order_id: uniqueId('o'), revenue: 10 } })))
    const [pa, pb] = [await personIdOf(a), await personIdOf(b)]
    for (const p of [pa, pb]) await waitForValue('both buyers', async () => ((await keysOf(p)).includes('buyers_now') ? true : undefined), 2000)
    const merged = await api.secret('POST', personPath(a, '/merge'), { otherId: b, force: true })
    assert.equal(merged.status, 200, JSON.stringify(merged.body))
    const root = await personIdOf(a)
    const gone = root === pa ? pb : pa
    await waitForValue('merged-away out', async () => ((await keysOf(gone)).length === 0 ? true : undefined), 2000)
    assert.deepEqual(await keysOf(root), ['buyers_now'])
  })
})
