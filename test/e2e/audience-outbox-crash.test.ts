/**
 * The audience events' outbox across a crash: a real `attune serve` child (one process on SQLite, the
 * embedded worker evaluating segments) runs with the test-only fault point `ATTUNE_TEST_FAULT=
 * segments-after-apply`, which kills the process with SIGKILL right after the segment engine committed a
 * membership change and before its Audience Entered event is appended. A new child on the same data dir
 * (without the fault) must append the event at start from what the store left pending: exactly once.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import { uniqueId } from '../builders/events.ts'
import { Api } from '../builders/http.ts'
import { freshDataDir } from '../builders/server.ts'
import { type Child, kill, startServe, waitFor } from '../support/child-server.ts'

const WRITE = 'wk_outbox_crash_test_key_01'
const SECRET = 'sk_outbox_crash_test_key_01'

describe('SIGKILL between storing a segment entry and appending its audience event', () => {
  const dataDir = freshDataDir('attune-outbox-crash')
  const env = {
    ATTUNE_DATA_DIR: dataDir,
    ATTUNE_WRITE_KEY: WRITE,
    ATTUNE_SECRET_KEY: SECRET,
    // One-process mode on SQLite whatever the surrounding environment says.
    ATTUNE_DATABASE_URL: '',
    ATTUNE_REDIS_URL: '',
    ATTUNE_NATS_URL: '',
    ATTUNE_EMBEDDED_WORKER: '',
    ATTUNE_SQLITE_SYNC: 'full',
    ATTUNE_TRAIN_INTERVAL_MINUTES: '0',
    // Only the test's segment: the first change the engine stores is its entry.
    ATTUNE_BUILT_IN_SEGMENTS: 'false',
  }
  const children: Child[] = []
  after(async () => {
    await Promise.all(children.map((c) => kill(c)))
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('appends the Audience Entered event after the restart, exactly once', async () => {
    const first = await startServe({ ...env, ATTUNE_TEST_FAULT: 'segments-after-apply' })
    children.push(first)
    const api = new Api({ url: first.url, writeKey: WRITE, secretKey: SECRET })
    const created = await api.secret<{ id: string; key: string }>('POST', '/v1/segments', { name: 'Viewers', definition: { event: { kind: 'product_viewed', within: '30d' } } })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    // Whether the worker's engine evaluates the view in real time or in the full pass of its reload (if the
    // new definition reaches it after the view), the viewer's entry is the first change it stores.
    const userId = uniqueId('outbox')
    const sent = await api.batch([{ type: 'track', event: 'Product Viewed', userId, messageId: uniqueId('m'), properties: { product_id: 'sku-1' } }])
    assert.equal(sent.status, 200)
    const exit = await Promise.race([first.exited, sleep(20_000).then(() => 'still running')])
    assert.equal(exit, 'SIGKILL', `the fault point killed the server after the entry was stored\n${first.output()}`)

    const second = await startServe(env)
    children.push(second)
    const api2 = new Api({ url: second.url, writeKey: WRITE, secretKey: SECRET })
    const entered = async () => (await api2.allEvents(userId)).events.filter((e) => e.event === 'Audience Entered')
    await waitFor(async () => (await entered()).length > 0, 20_000, () => second.output())
    const members = await api2.secret<{ data: unknown[] }>('GET', `/v1/segments/${encodeURIComponent(created.body.id)}/members?limit=5`)
    assert.equal(members.status, 200)
    assert.equal(members.body.data.length, 1, 'one member, stored before the kill')
    // Several ticks later (each re-appends what is still pending): still one.
    await sleep(3000)
    const events = await entered()
    assert.equal(events.length, 1, JSON.stringify(events))
    assert.equal(events[0]!.userId, userId)
  })
})
