/**
 * The SQLite event append runs on its own connection in a worker thread (file databases only). These
 * check what that must not change: errors, ordering with close(), and the process lifetime.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import type { EventRecord } from '../../core/index.ts'
import { SqliteStore } from './sqlite-store.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-append-thread-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

function event(messageId: string, overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    messageId,
    type: 'track',
    event: 'Product Viewed',
    kind: 'product_viewed',
    userId: 'u1',
    anonymousId: null,
    itemId: 'sku-1',
    timestamp: 1_700_000_000_000,
    receivedAt: 1_700_000_000_000,
    message: { properties: { product_id: 'sku-1' } },
    data: { products: [{ itemId: 'sku-1', quantity: 1, price: null, category: null, name: null }] },
    ...overrides,
  }
}

async function openFile(name: string): Promise<SqliteStore> {
  const store = new SqliteStore(path.join(dir, name))
  await store.migrate()
  return store
}

describe('SqliteStore append thread', () => {
  it('reports a failed append with better-sqlite3’s error code, like the in-memory path, and stores nothing of it', async () => {
    const bad = [event('ok-1'), event('bad-1', { type: null as unknown as EventRecord['type'] })]
    const file = await openFile('errors.db')
    const memory = new SqliteStore(':memory:')
    await memory.migrate()
    for (const store of [file, memory]) {
      await assert.rejects(store.appendEvents(bad), (error: Error & { code?: string }) => {
        assert.equal(error.name, 'SqliteError')
        assert.equal(error.code, 'SQLITE_CONSTRAINT_NOTNULL')
        return true
      })
      assert.equal(await store.countEvents(), 0)
      assert.deepEqual(await store.appendEvents([event('ok-1')]), { inserted: 1, duplicates: [] })
      await store.close()
    }
  })

  it('reports duplicates, within a call and against the log, as the synchronous path does', async () => {
    const store = await openFile('duplicates.db')
    assert.deepEqual(await store.appendEvents([event('a'), event('b'), event('a')]), { inserted: 2, duplicates: ['a'] })
    assert.deepEqual(await store.appendEvents([event('b'), event('c')]), { inserted: 1, duplicates: ['b'] })
    assert.equal((await store.getEventsByMessageId(['a', 'b', 'c'])).length, 3)
    await store.close()
  })

  it('finishes appends already sent before close() resolves, then refuses new ones', async () => {
    const file = 'close.db'
    const store = await openFile(file)
    const sent = Array.from({ length: 4 }, (_, i) => store.appendEvents(Array.from({ length: 500 }, (_, j) => event(`close-${i}-${j}`))))
    const closed = store.close()
    const results = await Promise.all(sent)
    await closed
    assert.deepEqual(
      results.map((r) => r.inserted),
      [500, 500, 500, 500],
    )
    await assert.rejects(store.appendEvents([event('late')]), /not open/)
    const reopened = await openFile(file)
    assert.equal(await reopened.countEvents(), 2000)
    await reopened.close()
  })

  it('does not keep the process alive once appends are done, even when the store is never closed', () => {
    const script = `
      import { SqliteStore } from ${JSON.stringify(path.resolve(import.meta.dirname, 'sqlite-store.ts'))}
      const store = new SqliteStore(${JSON.stringify(path.join(dir, 'lifetime.db'))})
      await store.migrate()
      const result = await store.appendEvents([${JSON.stringify(event('lifetime-1'))}])
      console.log(result.inserted)
    `
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 })
    assert.equal(child.signal, null, 'the child had to be killed: something kept it alive')
    assert.equal(child.status, 0, child.stderr)
    assert.equal(child.stdout.trim(), '1')
  })
})
