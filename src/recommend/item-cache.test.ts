/** The serving catalogue cache: one read for what is missing, stale entries re-read after the TTL. */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, it } from 'node:test'
import { SqliteStore } from '../storage/index.ts'
import { ItemCache } from './item-cache.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-item-cache-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

it('serves items from memory and sees a stock change once the entry is older than its TTL', async () => {
  const store = new SqliteStore(path.join(dir, 'a.db'))
  await store.migrate()
  await store.upsertItems([{ id: 'a', title: 'A', available: true }, { id: 'b', title: 'B' }], new Date())
  const cache = new ItemCache(store, 100)
  const first = await cache.get(['a', 'b', 'nope'])
  assert.deepEqual([...first.keys()].sort(), ['a', 'b'])
  await store.upsertItems([{ id: 'a', title: 'A', available: false }], new Date())
  assert.equal((await cache.get(['a'])).get('a')?.available, true, 'within the TTL the cached entry answers')
  await new Promise((r) => setTimeout(r, 120))
  assert.equal((await cache.get(['a'])).get('a')?.available, false, 'after the TTL the store is read again')
  assert.equal((await cache.get(['nope'])).size, 0)
  await store.close()
})
