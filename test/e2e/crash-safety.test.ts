/**
 * Crash safety of the one-process server on SQLite: a real `attune serve` child takes batches from
 * several concurrent senders and is killed with SIGKILL mid-stream. A new child on the same data dir must
 * hold every event of every acknowledged batch exactly once; a batch whose answer was lost is stored
 * whole or not at all, and retrying any batch stores nothing twice.
 */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import { after, describe, it } from 'node:test'
import { uniqueId } from '../builders/events.ts'
import { Api, basicAuth, request } from '../builders/http.ts'
import { freshDataDir } from '../builders/server.ts'
import { type Child, kill, startServe } from '../support/child-server.ts'

const WRITE = 'wk_crash_safety_test_key_01'
const SECRET = 'sk_crash_safety_test_key_01'
const SENDERS = 6
const EVENTS_PER_BATCH = 100
/** Kill once this many batches are acknowledged... */
const KILL_AFTER_ACKED = 200
/** ...or after this long, whichever comes first (the machine may be slow), provided some were acknowledged. */
const KILL_AFTER_MS = 12_000
/** Bound on the whole stream. */
const MAX_BATCHES = 320

interface SentBatch {
  userId: string
  messageIds: string[]
  body: string
  /** 'acked': 200; 'lost': the connection failed (the kill); a number: any other HTTP status. */
  outcome: 'pending' | 'acked' | 'lost' | number
}

function batchBody(userId: string): { body: string; messageIds: string[] } {
  const messageIds = Array.from({ length: EVENTS_PER_BATCH }, () => uniqueId('crash'))
  const batch = messageIds.map((messageId, i) => ({
    type: 'track',
    event: i % 10 === 0 ? 'Product Added' : 'Product Viewed',
    userId,
    messageId,
    properties: { product_id: `sku-${i % 17}`, price: 3.5 },
  }))
  return { body: JSON.stringify({ batch, sentAt: new Date().toISOString() }), messageIds }
}

const post = (url: string, body: string) => request(`${url}/v1/batch`, { body, auth: basicAuth(WRITE) })

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!)
    }),
  )
}

describe('SIGKILL of the server mid-stream', () => {
  const dataDir = freshDataDir('attune-crash')
  const env = {
    ATTUNE_DATA_DIR: dataDir,
    ATTUNE_WRITE_KEY: WRITE,
    ATTUNE_SECRET_KEY: SECRET,
    ATTUNE_LOG_LEVEL: 'warn',
    // One-process mode on SQLite whatever the surrounding environment says.
    ATTUNE_DATABASE_URL: '',
    ATTUNE_REDIS_URL: '',
    ATTUNE_NATS_URL: '',
    ATTUNE_EMBEDDED_WORKER: '',
    ATTUNE_RATE_LIMIT: '0',
    ATTUNE_SQLITE_SYNC: 'full',
  }
  const children: Child[] = []
  after(async () => {
    await Promise.all(children.map((c) => kill(c)))
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('keeps every event of every acknowledged batch exactly once, and retries add nothing', async (t) => {
    const first = await startServe(env)
    children.push(first)

    const sent: SentBatch[] = []
    let acked = 0
    let inFlight = 0
    let killed: Promise<unknown> | null = null
    let inFlightAtKill = 0
    const started = Date.now()

    const maybeKill = () => {
      if (killed !== null || inFlight === 0) return
      if (acked >= KILL_AFTER_ACKED || (acked >= 20 && Date.now() - started > KILL_AFTER_MS)) {
        inFlightAtKill = inFlight
        killed = kill(first, 'SIGKILL')
      }
    }

    await Promise.all(
      Array.from({ length: SENDERS }, async (_, s) => {
        for (let b = 0; killed === null && sent.length < MAX_BATCHES && Date.now() - started < 30_000; b++) {
          const userId = `crash-${s}-${b}-${uniqueId('u').slice(-8)}`
          const { body, messageIds } = batchBody(userId)
          const entry: SentBatch = { userId, messageIds, body, outcome: 'pending' }
          sent.push(entry)
          inFlight += 1
          try {
            const reply = await post(first.url, body)
            entry.outcome = reply.status === 200 ? 'acked' : reply.status
            if (reply.status === 200) acked += 1
          } catch {
            entry.outcome = 'lost'
          } finally {
            inFlight -= 1
          }
          maybeKill()
        }
      }),
    )
    assert.ok(killed, `the server was killed mid-stream (${acked} acknowledged, ${sent.length} sent, ${Date.now() - started} ms)\n${first.output()}`)
    assert.equal(await killed, 'SIGKILL')
    t.diagnostic(`${acked} batches acknowledged, ${inFlightAtKill} in flight at the kill, ${sent.length} sent in ${Date.now() - started} ms`)
    assert.ok(inFlightAtKill > 0, 'requests were in flight when the server died')
    const unexpected = sent.filter((b) => typeof b.outcome === 'number')
    assert.deepEqual(unexpected.map((b) => b.outcome), [], 'every answer before the kill was 200')
    const ackedBatches = sent.filter((b) => b.outcome === 'acked')
    const lostBatches = sent.filter((b) => b.outcome === 'lost')
    assert.equal(ackedBatches.length + lostBatches.length, sent.length)

    const second = await startServe(env)
    children.push(second)
    const api = new Api({ url: second.url, writeKey: WRITE, secretKey: SECRET })
    const storedIds = async (userId: string) => (await api.allEvents(userId)).events.map((e) => e.messageId)

    // Every acknowledged batch: all its events, each once.
    await pool(ackedBatches, 4, async (b) => {
      const ids = await storedIds(b.userId)
      assert.equal(ids.length, EVENTS_PER_BATCH, `acknowledged batch of ${b.userId}: ${ids.length} events stored`)
      assert.deepEqual(ids.sort(), [...b.messageIds].sort(), `acknowledged batch of ${b.userId} is stored exactly`)
    })
    // A batch whose answer was lost: one transaction, so all of it or none of it.
    const before = new Map<string, number>()
    await pool(lostBatches, 4, async (b) => {
      const ids = await storedIds(b.userId)
      assert.ok(ids.length === 0 || ids.length === EVENTS_PER_BATCH, `unanswered batch of ${b.userId}: ${ids.length} events stored`)
      before.set(b.userId, ids.length)
    })
    t.diagnostic(`${[...before.values()].filter((n) => n > 0).length} of ${lostBatches.length} unanswered batches had been committed`)

    // Clients retry: acknowledged batches are all duplicates; unanswered ones end up stored exactly once.
    for (const b of ackedBatches.slice(0, 25)) {
      const reply = await post(second.url, b.body)
      assert.equal(reply.status, 200)
      assert.deepEqual(reply.body, { success: true, accepted: 0, duplicates: EVENTS_PER_BATCH })
    }
    for (const b of lostBatches) {
      const reply = await post(second.url, b.body)
      assert.equal(reply.status, 200)
      const had = before.get(b.userId)!
      assert.deepEqual(reply.body, { success: true, accepted: EVENTS_PER_BATCH - had, duplicates: had })
    }
    await pool([...ackedBatches.slice(0, 25), ...lostBatches], 4, async (b) => {
      const ids = await storedIds(b.userId)
      assert.equal(new Set(ids).size, ids.length)
      assert.deepEqual(ids.sort(), [...b.messageIds].sort(), `after the retry, ${b.userId} is stored exactly once`)
    })
  })
})
