/** The bounded top-k selections against a full sort. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Candidate } from './sources.ts'
import { topCandidates, topIndices } from './top.ts'

describe('topIndices', () => {
  it('returns the k best positive scores, best first, lower index first on ties', () => {
    const scores = new Float32Array([0.5, 0, -1, 2, 0.5, 3, 0.25, 2, Number.NaN, 1])
    assert.deepEqual([...topIndices(scores, 4)], [5, 3, 7, 9])
    assert.deepEqual([...topIndices(scores, 6)], [5, 3, 7, 9, 0, 4])
    // Zero, negative and NaN scores are never candidates.
    assert.deepEqual([...topIndices(scores, 100)], [5, 3, 7, 9, 0, 4, 6])
    assert.deepEqual([...topIndices(new Float32Array(0), 3)], [])
  })

  it('agrees with a full sort on random scores', () => {
    let s = 7
    const scores = Float32Array.from({ length: 5000 }, () => ((s = (s * 48271) % 2147483647) % 1000) / 10 - 20)
    const expected = [...scores.keys()].filter((j) => scores[j]! > 0).sort((a, b) => scores[b]! - scores[a]! || a - b)
    assert.deepEqual([...topIndices(scores, 400)], expected.slice(0, 400))
  })
})

describe('topCandidates', () => {
  it('keeps the k best candidates in order', () => {
    const list: Candidate[] = [3, 1, 4, 1, 5, 9, 2, 6].map((score, index) => ({ index, score, reason: { kind: 'bestseller' } }))
    assert.deepEqual(topCandidates(list, 3).map((c) => c.index), [5, 7, 4])
    assert.deepEqual(topCandidates(list, 100).map((c) => c.index), [5, 7, 4, 2, 0, 6, 1, 3])
  })
})
