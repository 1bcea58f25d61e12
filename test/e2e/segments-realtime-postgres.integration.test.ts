/**
 * Segments kept current on PostgreSQL, through the HTTP API and the workers (the SQLite version is
 * segments-realtime.test.ts): an acknowledged order is followed within a second by the membership and an
 * "Audience Entered" in the person's events; a window edge takes the person out through the scheduler,
 * announced by an "Audience Exited". Runs on a database of its own, dropped afterwards.
 */
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import { testDatabase } from '../../src/storage/postgres/test-database.ts'
import { itKeepsSegmentsCurrent } from '../builders/segments-realtime.ts'
import { startServer, type TestServer } from '../builders/server.ts'

const database = await testDatabase('segments_rt')
let server: TestServer

before(async () => {
  server = await startServer({}, { env: { ATTUNE_DATABASE_URL: database.url } })
  assert.equal(server.engine.store.kind, 'postgres')
  server.engine.startWorkers()
  await server.engine.store.upsertItems([{ id: 'shoe-9', categories: ['Shoes > Running'], brand: 'Fleet', price: 80 }], new Date())
})
after(async () => {
  await server?.close()
  await database.drop()
})

describe('segments in real time on PostgreSQL', () => {
  itKeepsSegmentsCurrent(() => server)
})
