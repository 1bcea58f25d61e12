/**
 * Segments kept current on PostgreSQL, through the HTTP API and the workers (the SQLite version is
 * segments-realtime.test.ts): an acknowledged order is followed within a second by the membership and an
 * "Audience Entered" in the person's events; a window edge takes the person out through the scheduler,
 * announced by an "Audience Exited". Runs on a database of its own, dropped afterwards.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { testDatabase } from '../../src/storage/postgres/test-database.ts'
import { uniqueId } from '../builders/events.ts'
import { Api } from '../builders/http.ts'
import { personPath, waitForValue } from '../builders/people.ts'
import { startServer, type TestServer } from '../builders/server.ts'

const database = await testDatabase('segments_rt')
let server: TestServer
let api: Api

async function define(key: string, definition: unknown): Promise<void> {
  const record = await server.engine.store.segmentDefinitions.create({ id: `seg_${key}`, kind: 'segment', key, name: key, description: '', definition, builtIn: false, enabled: true, updatedBy: 'test' }, Date.now())
  assert.ok(record)
  server.engine.segmentsChanged()
  // Evaluated by the workers' reload (a full pass); wait for it so later entries come from real time.
  await server.engine.segments.reload()
}

async function personIdOf(userId: string): Promise<string> {
  return waitForValue(`person of ${userId}`, async () => {
    const res = await api.secret<{ id: string }>('GET', personPath(userId))
    return res.status === 200 ? res.body.id : undefined
  })
}

const keysOf = async (personId: string) => (await server.engine.segments.segmentsOf(personId)).map((s) => s.key).sort()

before(async () => {
  server = await startServer({}, { env: { ATTUNE_DATABASE_URL: database.url } })
  assert.equal(server.engine.store.kind, 'postgres')
  server.engine.startWorkers()
  api = new Api(server)
  await server.engine.store.upsertItems([{ id: 'shoe-9', categories: ['Shoes > Running'], brand: 'Fleet', price: 80 }], new Date())
})
after(async () => {
  await server?.close()
  await database.drop()
})

describe('segments in real time on PostgreSQL', () => {
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

  it('a window edge takes the person out through the scheduler, with an Audience Exited event', async () => {
    await define('this_minute', { event: { kind: 'product_viewed', within: '1m' } })
    const userId = uniqueId('viewer')
    // Viewed 57 seconds ago: in the one-minute window for three more seconds.
    const res = await api.batch([{ type: 'track', event: 'Product Viewed', userId, messageId: uniqueId('m'), timestamp: new Date(Date.now() - 57_000).toISOString(), properties: { product_id: 'shoe-9' } }])
    assert.equal(res.status, 200)
    const personId = await personIdOf(userId)
    await waitForValue('entry', async () => ((await keysOf(personId)).includes('this_minute') ? true : undefined), 2000)
    await waitForValue('exit by time', async () => ((await keysOf(personId)).includes('this_minute') ? undefined : true), 8000)
    const exited = await waitForValue('Audience Exited', async () => {
      const events = await server.engine.store.readEventsOfKinds(['audience_exited'], Date.now() - 60_000, Date.now() + 1000, 0, 1000)
      return events.find((e) => (e.message.properties as { person_id?: string }).person_id === personId)
    })
    assert.equal((exited.message.properties as { audience_key?: string }).audience_key, 'this_minute')
  })
})
