/**
 * `attune serve` hands the refusals it keeps to its embedded worker thread, whose own connection writes
 * them (no SQLite write on the thread that answers requests): GET /v1/events/rejected lists them at once,
 * and refusals of requests answered just before SIGTERM are stored before the process exits.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import path from 'node:path'
import fs from 'node:fs'
import { uniqueId } from '../builders/events.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { freshDataDir } from '../builders/server.ts'
import { type Child, kill, startServe } from '../support/child-server.ts'

const WRITE = 'wk_rejected_test_0123456789'
const SECRET = 'sk_rejected_test_0123456789'

describe('rejected events under attune serve', () => {
  const dataDir = freshDataDir('attune-serve-rejected')
  const env = {
    ATTUNE_DATA_DIR: dataDir,
    ATTUNE_WRITE_KEY: WRITE,
    ATTUNE_SECRET_KEY: SECRET,
    ATTUNE_DATABASE_URL: '',
    ATTUNE_REDIS_URL: '',
    ATTUNE_NATS_URL: '',
    ATTUNE_EMBEDDED_WORKER: '',
    ATTUNE_TRAIN_INTERVAL_MINUTES: '0',
  }
  let child: (Child & { url: string }) | undefined
  after(async () => {
    await kill(child)
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  const send = (url: string, body: unknown) => request(`${url}/v1/batch`, { auth: basicAuth(WRITE), json: body })
  const stored = () => {
    const db = new BetterSqlite3(path.join(dataDir, 'attune.db'), { readonly: true })
    try {
      return (db.prepare('SELECT message_id FROM rejected_events').all() as { message_id: string }[]).map((r) => r.message_id)
    } finally {
      db.close()
    }
  }

  it('lists refusals at once, counts them, and stores the last ones before exiting on SIGTERM', async () => {
    child = await startServe(env)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = uniqueId('bad')
      ids.push(id)
      const reply = await send(child.url, { batch: [{ type: 'track', messageId: id, event: 'X' }, { type: 'track', event: 'Good', userId: 'u' }] })
      assert.equal(reply.status, 400)
      assert.equal(reply.body.accepted, 1)
    }
    const listed = await request(`${child.url}/v1/events/rejected`, { auth: bearer(SECRET) })
    assert.equal(listed.status, 200, JSON.stringify(listed.body))
    assert.deepEqual(listed.body.data.map((r: { messageId: string }) => r.messageId), [...ids].reverse())
    const report = await request(`${child.url}/v1/reports/data-quality`, { auth: bearer(SECRET) })
    assert.equal(report.body.rejected.total, 3)

    // Refused right before SIGTERM: still queued when the signal arrives.
    for (let i = 0; i < 4; i++) {
      const id = uniqueId('late')
      ids.push(id)
      assert.equal((await send(child.url, { batch: [{ type: 'track', messageId: id, event: 'X' }] })).status, 400)
    }
    child.process.kill('SIGTERM')
    assert.equal(await child.exited, 0, child.output())
    assert.deepEqual(new Set(stored()), new Set(ids))
  })
})
