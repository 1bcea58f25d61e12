/**
 * Production topology on real servers: two API nodes and a worker against PostgreSQL, Redis and NATS
 * JetStream (all on loopback, each run with its own database, key prefix and stream). The worker is
 * killed with SIGKILL mid-stream and restarted; every acknowledged event must be counted exactly once.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { createClient } from 'redis'
import { testDatabase } from '../../src/storage/postgres/test-database.ts'
import { type Child, kill, spawnAttune, startServe, waitFor } from '../support/child-server.ts'

const WRITE = 'wk_multinode_test_key_0001'
const SECRET = 'sk_multinode_test_key_0001'
const run = `${process.pid}_${Date.now().toString(36)}`

const database = await testDatabase('multinode')
const env = {
  ATTUNE_DATABASE_URL: database.url,
  ATTUNE_REDIS_URL: 'redis://127.0.0.1:6379',
  ATTUNE_REDIS_PREFIX: `test_${run}:`,
  ATTUNE_NATS_URL: 'nats://127.0.0.1:4222',
  ATTUNE_NATS_STREAM: `T_${run}`,
  ATTUNE_NATS_SUBJECT: `t_${run}.events`,
  ATTUNE_WRITE_KEY: WRITE,
  ATTUNE_SECRET_KEY: SECRET,
  ATTUNE_EMBEDDED_WORKER: '0',
}

async function cleanUp(): Promise<void> {
  const nc = await connect({ servers: '127.0.0.1:4222' })
  await (await jetstreamManager(nc)).streams.delete(env.ATTUNE_NATS_STREAM).catch(() => {})
  await nc.close()
  const redis = createClient({ url: env.ATTUNE_REDIS_URL })
  await redis.connect()
  for await (const keys of redis.scanIterator({ MATCH: `${env.ATTUNE_REDIS_PREFIX}*`, COUNT: 500 })) if (keys.length) await redis.del(keys)
  await redis.quit()
  await database.drop()
}

async function sendBatch(url: string, events: object[]): Promise<Response> {
  return fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE}:`).toString('base64')}` },
    body: JSON.stringify({ batch: events }),
  })
}

async function activityOf(url: string, person: string): Promise<number> {
  const res = await fetch(`${url}/v1/people/${encodeURIComponent(person)}`, { headers: { authorization: `Bearer ${SECRET}` } })
  if (res.status === 404) return 0
  assert.equal(res.status, 200)
  return ((await res.json()) as { activity: { events: number } }).activity.events
}

describe('two API nodes and a worker on PostgreSQL, Redis and NATS', () => {
  let nodeA: Child & { url: string }
  let nodeB: Child & { url: string }
  let workers: Child[] = []

  before(async () => {
    nodeA = await startServe(env)
    nodeB = await startServe(env)
  })
  after(async () => {
    await Promise.all([nodeA, nodeB, ...workers].map((c) => kill(c)))
    await cleanUp()
  })

  it('shows events sent to one node through the other at once', async () => {
    const person = `visible-${randomUUID()}`
    const res = await sendBatch(nodeA.url, [{ type: 'track', event: 'Product Viewed', userId: person, properties: { product_id: 'p1' }, messageId: randomUUID() }])
    assert.equal(res.status, 200)
    const listed = await fetch(`${nodeB.url}/v1/people/${person}/events`, { headers: { authorization: `Bearer ${SECRET}` } })
    const body = (await listed.json()) as { data: { kind: string }[] }
    assert.deepEqual(body.data.map((e) => e.kind), ['product_viewed'])
  })

  it('processes every acknowledged event exactly once across a worker SIGKILL and restart', async () => {
    workers.push(spawnAttune(['worker'], env))
    const acked = new Map<string, number>() // person -> acknowledged events
    const ackedBatches: object[][] = []
    let sent = 0
    let killed = false
    const senders = Array.from({ length: 4 }, async (_, s) => {
      for (let b = 0; b < 40; b++) {
        const person = `p-${run}-${s}-${b % 5}`
        const events = Array.from({ length: 25 }, (_, i) => ({
          type: 'track',
          event: i % 5 === 0 ? 'Product Added' : 'Product Viewed',
          userId: person,
          messageId: randomUUID(),
          properties: { product_id: `item-${i}` },
        }))
        const res = await sendBatch(b % 2 === 0 ? nodeA.url : nodeB.url, events)
        sent += 1
        if (res.status === 200) {
          acked.set(person, (acked.get(person) ?? 0) + events.length)
          ackedBatches.push(events)
        }
        if (sent >= 50 && !killed) {
          killed = true
          // Kill only once the worker is demonstrably consuming, so the kill lands mid-stream.
          await waitFor(async () => (await activityOf(nodeA.url, person)) > 0, 30_000, () => workers[0]!.output())
          await kill(workers[0]) // SIGKILL
          setTimeout(() => workers.push(spawnAttune(['worker'], env)), 1000)
        }
      }
    })
    await Promise.all(senders)
    assert.ok(killed)
    assert.equal(ackedBatches.length, 160, 'every batch was acknowledged')

    // Retries of acknowledged batches, through the other node: stored and counted once.
    for (const events of ackedBatches.slice(0, 10)) {
      const res = await sendBatch(nodeB.url, events)
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { success: true, accepted: 0, duplicates: 25 })
    }

    const people = [...acked.keys()]
    await waitFor(
      async () => {
        for (const p of people) if ((await activityOf(nodeB.url, p)) < acked.get(p)!) return false
        return true
      },
      90_000,
      () => workers.map((w) => w.output()).join('\n'),
    )
    // A marker sent last, after the retries: once it is processed, the retries have been too.
    const marker = `marker-${run}`
    await sendBatch(nodeA.url, [{ type: 'track', event: 'Marker', userId: marker, messageId: randomUUID() }])
    await waitFor(async () => (await activityOf(nodeA.url, marker)) === 1, 30_000)
    for (const p of people) assert.equal(await activityOf(nodeA.url, p), acked.get(p), `events of ${p} counted exactly once`)
  })
})

describe('misconfigured backends at start-up', () => {
  it('names the setting and exits without a stack trace', async () => {
    for (const [name, value, exitCode] of [
      ['ATTUNE_NATS_URL', 'nats://127.0.0.1:1', 3],
      ['ATTUNE_DATABASE_URL', 'postgres://postgres@127.0.0.1:1/none', 3],
      ['ATTUNE_REDIS_URL', 'mysql://127.0.0.1', 2],
    ] as const) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-misconfig-'))
      const child = spawnAttune(['serve', '--port', '0'], { ATTUNE_DATA_DIR: dataDir, [name]: value })
      const code = await child.exited
      assert.equal(code, exitCode, child.output())
      assert.match(child.output(), new RegExp(`attune: ${name}`))
      assert.doesNotMatch(child.output(), /\n\s+at /, 'no stack trace')
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
