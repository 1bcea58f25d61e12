/** AnswerCache: reuse within the TTL, recompute after it, bounded, and off at 0. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AnswerCache } from './answer-cache.ts'
import type { PlacementAnswer } from './recommender.ts'

const placement = (id: string): PlacementAnswer => ({ id, strategy: 'trending', items: [], servedBy: ['trending'], partial: false, note: null })

describe('AnswerCache', () => {
  it('answers an identical key within the TTL and not after it', () => {
    const cache = new AnswerCache(2000)
    assert.equal(cache.get('k', 0), null)
    const answer = [placement('home')]
    cache.set('k', answer, 1000)
    assert.equal(cache.get('k', 2999), answer)
    assert.equal(cache.get('other', 2999), null)
    assert.equal(cache.get('k', 3000), null, 'expired at the TTL')
    assert.deepEqual([cache.hits, cache.misses], [1, 3])
  })

  it('stays bounded', () => {
    const cache = new AnswerCache(60_000, 3)
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, [placement(k)], 0)
    assert.equal(cache.get('a', 1), null, 'cleared when full')
    assert.equal(cache.get('d', 1)?.[0]?.id, 'd')
  })

  it('is off at a TTL of 0', () => {
    const cache = new AnswerCache(0)
    assert.equal(cache.enabled, false)
    cache.set('k', [placement('x')], 0)
    assert.equal(cache.get('k', 0), null)
  })
})
