/**
 * `attune serve` hands recommendation impressions to its embedded worker thread, whose own connection
 * writes them: the report still counts every answer, and impressions of answers given just before
 * SIGTERM are stored before the process exits.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import BetterSqlite3 from 'better-sqlite3'
import path from 'node:path'
import fs from 'node:fs'
import { generateShop } from '../../src/evaluation/index.ts'
import { basicAuth, bearer, request } from '../builders/http.ts'
import { freshDataDir, startServer } from '../builders/server.ts'
import { loadShop, trainActiveModel } from '../builders/shop.ts'
import { type Child, kill, startServe } from '../support/child-server.ts'

const WRITE = 'wk_impressions_test_0123456789'
const SECRET = 'sk_impressions_test_0123456789'

describe('impressions under attune serve', () => {
  const dataDir = freshDataDir('attune-serve-impressions')
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

  before(async () => {
    // Load and train in this process, then serve the same data dir from a child: it loads the active model.
    const server = await startServer({ dataDir }, { env: { ATTUNE_WRITE_KEY: WRITE, ATTUNE_SECRET_KEY: SECRET } })
    await loadShop(server, generateShop({ seed: 9, people: 150, items: 60, days: 30 }))
    await trainActiveModel(server)
    await server.stop()
  })
  after(async () => {
    await kill(child)
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  const recommend = (url: string, body: unknown) => request(`${url}/v1/recommendations`, { auth: basicAuth(WRITE), json: body })
  const storedImpressions = () => {
    const db = new BetterSqlite3(path.join(dataDir, 'attune.db'), { readonly: true })
    try {
      return (db.prepare('SELECT recomm_id FROM recommendation_impressions').all() as { recomm_id: string }[]).map((r) => r.recomm_id)
    } finally {
      db.close()
    }
  }

  it('counts every answer in the report and stores the last ones before exiting on SIGTERM', async () => {
    child = await startServe(env)
    const ids: string[] = []
    let shown = 0
    for (let i = 0; i < 12; i++) {
      const reply = await recommend(child.url, { strategy: i % 2 ? 'trending' : 'bestsellers', count: 3 })
      assert.equal(reply.status, 200, JSON.stringify(reply.body))
      ids.push(reply.body.recommId)
      shown += reply.body.placements[0].items.length
    }
    const report = await request(`${child.url}/v1/reports/recommendations`, { auth: bearer(SECRET) })
    assert.equal(report.status, 200, JSON.stringify(report.body))
    // The report counts items shown.
    const impressions = (report.body.strategies as { impressions: number }[]).reduce((sum, s) => sum + s.impressions, 0)
    assert.ok(shown > 0)
    assert.equal(impressions, shown, JSON.stringify(report.body))

    // Answers given right before SIGTERM: their impressions are still buffered when the signal arrives.
    for (let i = 0; i < 5; i++) ids.push((await recommend(child.url, { strategy: 'trending', count: 2 })).body.recommId)
    child.process.kill('SIGTERM')
    assert.equal(await child.exited, 0, child.output())
    assert.deepEqual(new Set(storedImpressions()), new Set(ids))
  })
})
