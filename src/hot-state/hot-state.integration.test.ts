/** The same behaviour from both hot-state backends: memory, and a real Redis under a per-run prefix. */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createClient } from 'redis'
import type { HotState } from './hot-state.ts'
import { MemoryHotState } from './memory-hot-state.ts'
import { RedisHotState } from './redis-hot-state.ts'

const prefix = `hotstate_test_${process.pid}_${Date.now().toString(36)}:`
const REDIS_URL = 'redis://127.0.0.1:6379'

after(async () => {
  const redis = createClient({ url: REDIS_URL })
  await redis.connect()
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys)
  await redis.quit()
})

function describeHotState(name: string, open: () => Promise<HotState>) {
  describe(`hot state: ${name}`, () => {
    it('keeps profile documents, deletes them, and answers null for unknown people', async () => {
      const hot = await open()
      const doc = JSON.stringify({ events: 3, kinds: { page_viewed: 3 } })
      await hot.putProfile('p1', doc)
      await hot.putProfile('p3', '{}')
      assert.equal(await hot.getProfile('p1'), doc)
      assert.equal(await hot.getProfile('p2'), null)
      await hot.deleteProfiles(['p1', 'p2'])
      assert.equal(await hot.getProfile('p1'), null)
      assert.equal(await hot.getProfile('p3'), '{}')
      await hot.check()
      await hot.close()
    })

    it('counts hits per key in a window', async () => {
      const hot = await open()
      const key = `k-${Math.random()}`
      const counts = [await hot.hit(key, 60), await hot.hit(key, 60), await hot.hit(`${key}-other`, 60), await hot.hit(key, 60)]
      assert.deepEqual(counts, [1, 2, 1, 3])
      await hot.close()
    })
  })
}

describeHotState('memory', async () => new MemoryHotState())
describeHotState('redis', async () => RedisHotState.open(REDIS_URL, prefix))

describe('RedisHotState', () => {
  it('shares state between two clients with the same prefix, and isolates other prefixes', async () => {
    const a = await RedisHotState.open(REDIS_URL, prefix)
    const b = await RedisHotState.open(REDIS_URL, prefix)
    const c = await RedisHotState.open(REDIS_URL, `${prefix}other:`)
    await a.putProfile('shared', '{"events":1}')
    assert.equal(await b.getProfile('shared'), '{"events":1}')
    assert.equal(await c.getProfile('shared'), null)
    await Promise.all([a.close(), b.close(), c.close()])
  })

  it('names ATTUNE_REDIS_URL when Redis cannot be reached', async () => {
    await assert.rejects(RedisHotState.open('redis://127.0.0.1:1', prefix), /ATTUNE_REDIS_URL: cannot connect to Redis/)
  })
})
