/**
 * The live-events debugger on PostgreSQL: refused messages whose text holds a NUL (which PostgreSQL's
 * text cannot store) are kept with U+FFFD in its place, next to the feed and the data-quality report.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { uniqueId } from '../builders/events.ts'
import { Api } from '../builders/http.ts'
import { startServer, type TestServer } from '../builders/server.ts'
import { testDatabase } from '../../src/storage/postgres/test-database.ts'

const database = await testDatabase('rejected')

describe('rejected events on PostgreSQL', () => {
  let server: TestServer
  let api: Api
  before(async () => {
    server = await startServer({}, { env: { ATTUNE_DATABASE_URL: database.url } })
    server.engine.startWorkers()
    api = new Api(server)
  })
  after(async () => {
    await server?.close()
    await database.drop()
  })

  it('keeps a refusal whose ids and type hold a NUL, and lists it with the feed and the report', async () => {
    const id = uniqueId('nul')
    const good = { type: 'track', messageId: uniqueId('ok'), event: 'Product Viewed', userId: 'pg-user', properties: { product_id: 'p1' } }
    const res = await api.batch([{ type: `tr\u0000ack`, messageId: `${id}\u0000x`, userId: 'u' }, { type: 'track', messageId: `${id}-2`, event: 'X' }, good])
    assert.equal(res.status, 400)
    assert.equal(res.body.accepted, 1)
    const rejected = await api.secret('GET', '/v1/events/rejected')
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body))
    assert.deepEqual(
      rejected.body.data.map((r: { messageId: string; code: string; index: number }) => [r.messageId, r.code, r.index]),
      [[`${id}-2`, 'missing_field', 1], [`${id}\ufffdx`, 'unknown_call_type', 0]],
    )
    assert.deepEqual(JSON.parse(rejected.body.data[1].raw), { type: 'tr\u0000ack', messageId: `${id}\u0000x`, userId: 'u' }, 'the copy is JSON, NUL escaped')
    const feed = await api.secret('GET', '/v1/events?id=pg-user')
    assert.deepEqual(feed.body.data.map((e: { messageId: string }) => e.messageId), [good.messageId])
    const report = await api.secret('GET', '/v1/reports/data-quality')
    assert.equal(report.status, 200, JSON.stringify(report.body))
    assert.deepEqual(report.body.rejected.byCode, [{ code: 'missing_field', count: 1 }, { code: 'unknown_call_type', count: 1 }])
  })
})
