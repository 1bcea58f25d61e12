/** PeopleCache on a real SQLite store, hot state and projector: id lookups cached for a TTL, profile changes seen at once. */
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { EventRecord } from '../core/index.ts'
import { MemoryHotState } from '../hot-state/index.ts'
import { DEFAULT_LIMITS } from '../identity/index.ts'
import { toEventRecord } from '../ingest/index.ts'
import { DEFAULT_WEIGHTS, ProfileProjector, ProfileService, type ProfileState } from '../profiles/index.ts'
import { SqliteStore } from '../storage/index.ts'
import { anEvent, type Json, uniqueId } from '../../test/builders/events.ts'
import { PeopleCache } from './index.ts'

const TTL = 5000
const T = Date.UTC(2025, 5, 1)

describe('PeopleCache', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-people-cache-'))
  const store = new SqliteStore(path.join(dir, 'a.db'))
  const hot = new MemoryHotState()
  const projector = new ProfileProjector(store, hot, { halfLifeMs: 7 * 864e5, weights: DEFAULT_WEIGHTS, consentDefaults: { personalization: true }, limits: DEFAULT_LIMITS })
  const service = new ProfileService(store, hot, projector, async () => assert.fail('no commands here'))
  let finds = 0
  const find = service.find.bind(service)
  service.find = async (ref, type) => {
    finds += 1
    return find(ref, type)
  }

  /** Appends the Segment calls to the log and applies them with the projector, as the worker does. */
  async function project(...calls: Json[]): Promise<void> {
    const records: EventRecord[] = calls.map((call) => {
      const r = toEventRecord(call, null, { receivedAt: Date.now(), batchSentAt: null, maxEventBytes: 32 * 1024 })
      assert.ok(r.ok, JSON.stringify(r))
      return r.value
    })
    await store.appendEvents(records)
    await projector.apply(records)
  }
  const view = (who: Json, sku: string) => anEvent({ userId: undefined, ...who, properties: { product_id: sku, price: 10 } })
  const latest = (state: ProfileState | null | undefined) => state?.recent[0]?.[0]

  before(() => store.migrate())
  after(async () => {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('gives null for an unknown id without remembering it: the first event counts on the next request', async () => {
    const cache = new PeopleCache(service, hot, TTL)
    const anon = uniqueId('anon')
    assert.equal(await cache.get(anon, 'anonymous_id', T), null)
    await project(view({ anonymousId: anon }, 'sku-first'))
    const served = await cache.get(anon, 'anonymous_id', T + 1)
    assert.ok(served, 'the new visitor is found within the TTL of the miss')
    assert.equal(served.root, await find(anon, 'anonymous_id'))
    assert.equal(latest(served.state), 'sku-first')
  })

  it('serves a known user id with its root and parsed state, looking the id up once per TTL', async () => {
    const user = uniqueId('user')
    await project(view({ userId: user }, 'sku-a'))
    const root = await find(user, 'user_id')
    assert.ok(root)
    const cache = new PeopleCache(service, hot, TTL)
    const before = finds
    const first = await cache.get(user, 'user_id', T)
    assert.equal(first?.root, root)
    assert.deepEqual(first?.state, JSON.parse((await hot.getProfile(root))!))
    assert.equal(latest(first?.state), 'sku-a')
    assert.equal(finds - before, 1)

    const second = await cache.get(user, 'user_id', T + TTL - 1)
    assert.equal(second?.root, root)
    assert.equal(second?.state, first?.state, 'an unchanged document is not parsed again')
    assert.equal(finds - before, 1, 'no store lookup within the TTL')

    await cache.get(user, 'user_id', T + TTL)
    assert.equal(finds - before, 2, 'the id is looked up again once the TTL has passed')
  })

  it('shows a profile change from the projector on the very next get, while the id lookup stays cached', async () => {
    const user = uniqueId('user')
    await project(view({ userId: user }, 'sku-a'))
    const cache = new PeopleCache(service, hot, TTL)
    const first = await cache.get(user, 'user_id', T)
    assert.equal(latest(first?.state), 'sku-a')
    const before = finds

    await project(view({ userId: user }, 'sku-b'))
    const next = await cache.get(user, 'user_id', T + 1)
    assert.equal(next?.root, first?.root)
    assert.deepEqual(next?.state?.recent.map(([id]) => id), ['sku-b', 'sku-a'])
    assert.equal(finds, before, 'the id lookup came from the cache')
  })

  it('reads a profile the hot state lacks from the store, reuses it within the TTL and reads it again after', async () => {
    const user = uniqueId('user')
    await project(view({ userId: user }, 'sku-a'))
    const cold = new MemoryHotState() // the projector never writes here
    const cache = new PeopleCache(service, cold, TTL)
    const first = await cache.get(user, 'user_id', T)
    assert.ok(first, 'found through the store')
    assert.equal(latest(first.state), 'sku-a')

    await project(view({ userId: user }, 'sku-b')) // the store changes; this cache's hot state does not
    const within = await cache.get(user, 'user_id', T + TTL - 1)
    assert.equal(within?.state, first.state, 'within the TTL the store read is reused')
    assert.equal(latest(within?.state), 'sku-a')

    const afterTtl = await cache.get(user, 'user_id', T + TTL)
    assert.equal(afterTtl?.root, first.root)
    assert.equal(latest(afterTtl?.state), 'sku-b', 'after the TTL the store is read again')
  })

  it('follows a merge at once: an id whose person was merged away is looked up again', async () => {
    const anon = uniqueId('anon')
    const user = uniqueId('user')
    await project(view({ anonymousId: anon }, 'sku-phone'), view({ userId: user }, 'sku-desktop'))
    const cache = new PeopleCache(service, hot, TTL)
    const before = await cache.get(anon, 'anonymous_id', T)
    assert.equal(latest(before?.state), 'sku-phone')
    await project(anEvent({ userId: user, anonymousId: anon, event: 'Signed In' }))
    const merged = await find(anon, 'anonymous_id')
    assert.equal(merged, await find(user, 'user_id'))
    const after = await cache.get(anon, 'anonymous_id', T + 1)
    assert.equal(after?.root, merged, 'within the TTL, yet the merged person is served')
    assert.deepEqual(new Set(after?.state?.recent.map(([id]) => id)), new Set(['sku-phone', 'sku-desktop']))
  })
})
