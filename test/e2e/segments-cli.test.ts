/**
 * `attune segments recompute` in a child process on a data dir whose store holds a history but no
 * memberships (as after restoring the log): it stores them, announces each entry once, and prints the
 * figures; a second run changes nothing. Exit codes follow cli/exit-codes.ts.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { MemoryHotState } from '../../src/hot-state/index.ts'
import { DEFAULT_LIMITS } from '../../src/identity/index.ts'
import { toEventRecord } from '../../src/ingest/index.ts'
import { DEFAULT_WEIGHTS, ProfileProjector } from '../../src/profiles/index.ts'
import { SqliteStore } from '../../src/storage/index.ts'

const BIN = path.resolve(import.meta.dirname, '../../bin/attune.mjs')

describe('attune segments recompute', () => {
  let dataDir: string
  const attune = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ATTUNE_DATA_DIR: dataDir, ATTUNE_DATABASE_URL: '', ATTUNE_LOG_LEVEL: 'warn', ATTUNE_BUILT_IN_SEGMENTS: 'false', ...env }, encoding: 'utf8', timeout: 60_000 })

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-segments-cli-'))
    const store = new SqliteStore(path.join(dataDir, 'attune.db'))
    await store.migrate()
    const now = Date.now()
    const records = ['u1', 'u2', 'u3'].map((userId, i) => {
      const r = toEventRecord({ type: 'track', event: 'Order Completed', userId, messageId: `cli-${i}`, timestamp: new Date(now - i * 86_400_000).toISOString(), properties: { order_id: `o${i}`, revenue: 10 * (i + 1) } }, null, { receivedAt: now, batchSentAt: null, maxEventBytes: 32_000 })
      assert.ok(r.ok)
      return r.value
    })
    await store.appendEvents(records)
    await new ProfileProjector(store, new MemoryHotState(), { halfLifeMs: 864e5, weights: DEFAULT_WEIGHTS, consentDefaults: {}, limits: DEFAULT_LIMITS }).apply(records)
    await store.segmentDefinitions.create({ id: 'seg_big', kind: 'segment', key: 'big', name: 'Big orders', description: '', definition: { event: { kind: 'order_completed', where: [{ path: 'revenue', gte: 20 }] } }, builtIn: false, enabled: true, updatedBy: 'test' }, now)
    await store.close()
  })
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  it('stores the memberships, announces each entry, and a second run changes nothing', async () => {
    const first = attune(['segments', 'recompute', '--json'])
    assert.equal(first.status, 0, first.stderr)
    const result = JSON.parse(first.stdout) as { people: number; changes: number; seconds: number; segments: number; traits: number }
    assert.deepEqual({ ...result, seconds: typeof result.seconds }, { people: 3, changes: 2, seconds: 'number', segments: 1, traits: 0 })
    const second = attune(['segments', 'recompute'])
    assert.equal(second.status, 0, second.stderr)
    assert.match(second.stdout, /^recomputed 1 segments and 0 computed traits over 3 people in \d+\.\d s: 0 membership changes\n$/)
    const store = new SqliteStore(path.join(dataDir, 'attune.db'))
    try {
      assert.equal(await store.segmentMembers.count('seg_big'), 2)
      const entered = await store.readEventsOfKinds(['audience_entered'], 0, Date.now() + 1000, 0, 100)
      assert.equal(entered.length, 2)
      assert.deepEqual(entered.map((e) => e.userId).sort(), ['u2', 'u3'])
    } finally {
      await store.close()
    }
  })

  it('exits 2 for a bad option and 3 when the store cannot be reached', () => {
    const bad = attune(['segments', 'recompute', '--bogus'])
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /unknown option '--bogus'/)
    const down = attune(['segments', 'recompute'], { ATTUNE_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
    assert.equal(down.status, 3, down.stderr)
    assert.doesNotMatch(down.stderr, /\n\s+at /)
  })
})
