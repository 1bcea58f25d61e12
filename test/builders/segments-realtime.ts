/**
 * Segments kept current through the real HTTP API and the workers, on whichever backend `server` runs:
 * helpers to define a segment as the API does and read a person's memberships, and the two checks every
 * backend must pass (test/e2e/segments-realtime.test.ts on SQLite, segments-realtime-postgres.integration.test.ts
 * on PostgreSQL): an acknowledged order is followed within a second by the membership and an "Audience
 * Entered"; a window edge takes the person out through the scheduler, announced by an "Audience Exited".
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { uniqueId } from './events.ts'
import { Api } from './http.ts'
import { personPath, waitForValue } from './people.ts'
import type { TestServer } from './server.ts'

export interface RealtimeSegments {
  api: Api
  /** Writes a definition to the store, announces it as the API does and waits for the workers' full pass. */
  define(key: string, definition: unknown): Promise<string>
  personIdOf(userId: string): Promise<string>
  /** The keys of the segments a person is in now, sorted. */
  keysOf(personId: string): Promise<string[]>
}

export function realtimeSegments(server: () => TestServer): RealtimeSegments {
  const api = () => new Api(server())
  return {
    get api() {
      return api()
    },
    async define(key, definition) {
      const engine = server().engine
      const record = await engine.store.segmentDefinitions.create({ id: `seg_${key}`, kind: 'segment', key, name: key, description: '', definition, builtIn: false, enabled: true, updatedBy: 'test' }, Date.now())
      assert.ok(record)
      engine.segmentsChanged()
      // Evaluated by the workers' reload (a full pass); wait for it so later entries come from real time.
      await engine.segments.reload()
      return record.id
    },
    personIdOf(userId) {
      return waitForValue(`person of ${userId}`, async () => {
        const res = await api().secret<{ id: string }>('GET', personPath(userId))
        return res.status === 200 ? res.body.id : undefined
      })
    },
    async keysOf(personId) {
      return (await server().engine.segments.segmentsOf(personId)).map((s) => s.key).sort()
    },
  }
}

/** The checks every backend passes; call inside a describe whose `before` started `server` with workers. */
export function itKeepsSegmentsCurrent(server: () => TestServer): void {
  const { define, personIdOf, keysOf } = realtimeSegments(server)
  const api = () => new Api(server())

  it('an acknowledged order puts the buyer in the segment within a second, with an Audience Entered event', async () => {
    await define('buyers_now', { event: { kind: 'order_completed', within: '30d' } })
    const userId = uniqueId('buyer')
    const res = await api().batch([{ type: 'track', event: 'Order Completed', userId, messageId: uniqueId('m'), properties: { order_id: uniqueId('o'), revenue: 30 } }])
    assert.equal(res.status, 200)
    const acknowledged = performance.now()
    const personId = await personIdOf(userId)
    await waitForValue('membership', async () => ((await keysOf(personId)).includes('buyers_now') ? true : undefined), 1000)
    const latency = performance.now() - acknowledged
    assert.ok(latency < 1000, `member ${latency.toFixed(0)} ms after the acknowledgement`)
    const entered = await waitForValue('Audience Entered in the person events', async () => {
      const events = await api().secret<{ data: { event: string; properties?: Record<string, unknown> }[] }>('GET', personPath(userId, '/events'))
      return events.body.data.find((e) => e.event === 'Audience Entered')
    })
    assert.equal(entered.properties?.audience_key, 'buyers_now')
  })

  it('a window edge takes the person out through the scheduler, without a new event, with an Audience Exited event', async () => {
    await define('this_minute', { event: { kind: 'product_viewed', within: '1m' } })
    const userId = uniqueId('viewer')
    // Viewed 57 seconds ago: in the one-minute window for three more seconds.
    const res = await api().batch([{ type: 'track', event: 'Product Viewed', userId, messageId: uniqueId('m'), timestamp: new Date(Date.now() - 57_000).toISOString(), properties: { product_id: 'shoe-9' } }])
    assert.equal(res.status, 200)
    const personId = await personIdOf(userId)
    await waitForValue('entry', async () => ((await keysOf(personId)).includes('this_minute') ? true : undefined), 2000)
    await waitForValue('exit by time', async () => ((await keysOf(personId)).includes('this_minute') ? undefined : true), 8000)
    const exited = await waitForValue('Audience Exited', async () => {
      const events = await server().engine.store.readEventsOfKinds(['audience_exited'], Date.now() - 60_000, Date.now() + 1000, 0, 1000)
      return events.find((e) => (e.message.properties as { person_id?: string }).person_id === personId)
    })
    assert.equal((exited.message.properties as { audience_key?: string }).audience_key, 'this_minute')
  })
}
