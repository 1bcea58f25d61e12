/**
 * A backend that drops while the server runs: /readyz fails and requests that need it get 503
 * `unavailable`; when it returns, service resumes by itself. Each backend is reached through a
 * loopback TCP proxy that the test cuts, so the shared servers stay up for other tests.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { testDatabase } from '../../src/storage/postgres/test-database.ts'
import { type Child, kill, startServe, waitFor } from '../support/child-server.ts'
import { TcpProxy } from '../support/tcp-proxy.ts'

const WRITE = 'wk_outage_test_key_00001'
const SECRET = 'sk_outage_test_key_00001'
const run = `${process.pid}_${Date.now().toString(36)}`

describe('backend outages during operation', () => {
  let database: Awaited<ReturnType<typeof testDatabase>>
  let pgProxy: TcpProxy
  let redisProxy: TcpProxy
  let natsProxy: TcpProxy
  let node: Child & { url: string }

  before(async () => {
    database = await testDatabase('outage')
    pgProxy = await TcpProxy.start(5432)
    redisProxy = await TcpProxy.start(6379)
    natsProxy = await TcpProxy.start(4222)
    const dbUrl = new URL(database.url)
    dbUrl.port = String(pgProxy.port)
    node = await startServe({
      ATTUNE_DATABASE_URL: dbUrl.toString(),
      ATTUNE_REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
      ATTUNE_REDIS_PREFIX: `outage_${run}:`,
      ATTUNE_NATS_URL: `nats://127.0.0.1:${natsProxy.port}`,
      ATTUNE_NATS_STREAM: `OUTAGE_${run}`,
      ATTUNE_NATS_SUBJECT: `outage_${run}.events`,
      ATTUNE_EMBEDDED_WORKER: '1',
      ATTUNE_WRITE_KEY: WRITE,
      ATTUNE_SECRET_KEY: SECRET,
    })
  })
  after(async () => {
    await kill(node)
    for (const p of [pgProxy, redisProxy, natsProxy]) await p?.close()
    const nc = await connect({ servers: '127.0.0.1:4222' })
    await (await jetstreamManager(nc)).streams.delete(`OUTAGE_${run}`).catch(() => {})
    await nc.close()
    await database?.drop()
  })

  const ready = async () => (await fetch(`${node.url}/readyz`)).status
  const send = (person: string) =>
    fetch(`${node.url}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WRITE}` },
      body: JSON.stringify({ userId: person, event: 'Product Viewed', properties: { product_id: 'p' }, messageId: randomUUID() }),
    })
  const person = (id: string) => fetch(`${node.url}/v1/people/${id}`, { headers: { authorization: `Bearer ${SECRET}` } })

  for (const [name, proxy] of [
    ['PostgreSQL', () => pgProxy],
    ['Redis', () => redisProxy],
    ['NATS', () => natsProxy],
  ] as const) {
    it(`reports ${name} down on /readyz, answers 503, and recovers by itself`, async () => {
      const id = `outage-${name}-${run}`
      assert.equal((await send(id)).status, 200)
      await waitFor(async () => (await person(id)).status === 200, 20_000, () => node.output())

      proxy().cut()
      await waitFor(async () => (await ready()) === 503, 20_000, () => node.output())
      const body = (await (await fetch(`${node.url}/readyz`)).json()) as { reason: string }
      assert.match(body.reason, name === 'PostgreSQL' ? /store/ : name === 'Redis' ? /hot state/ : /stream/)
      if (name === 'Redis') {
        const res = await person(id)
        assert.equal(res.status, 503)
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unavailable')
      } else {
        const res = await send(id)
        assert.equal(res.status, 503, `an event is not acknowledged while ${name} is down`)
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'unavailable')
      }

      proxy().restore()
      await waitFor(async () => (await ready()) === 200, 30_000, () => node.output())
      assert.equal((await send(id)).status, 200)
    })
  }
})
