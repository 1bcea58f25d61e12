/** Metrics on hand-computed examples, and top-K selection against a full sort. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MODELS } from '../models/index.ts'
import { evaluate, listMetrics, topK } from './metrics.ts'
import { buildSplit } from './split.ts'

const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`)

describe('topK', () => {
  it('returns the K best, best first, lower index first on ties, never -Infinity or NaN', () => {
    const scores = Float32Array.from([0.5, 2, 2, -Infinity, Number.NaN, 1])
    const out = new Int32Array(10)
    assert.equal(topK(scores, 3, out), 3)
    assert.deepEqual([...out.subarray(0, 3)], [1, 2, 5])
    assert.equal(topK(scores, 10, out), 4)
    assert.deepEqual([...out.subarray(0, 4)], [1, 2, 5, 0])
  })

  it('agrees with a stable full sort on random scores with many ties', () => {
    let state = 12345
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(next() * 300)
      const scores = Float32Array.from({ length: n }, () => (next() < 0.1 ? -Infinity : Math.floor(next() * 20)))
      const k = 1 + Math.floor(next() * 15)
      const expected = [...scores.keys()].filter((j) => scores[j]! > -Infinity).sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, k)
      const out = new Int32Array(k)
      const got = topK(scores, k, out)
      assert.deepEqual([...out.subarray(0, got)], expected)
    }
  })
})

describe('listMetrics', () => {
  it('K = 3, one hit at rank 2 of two truth items', () => {
    const truth = new Set([2, 9])
    const m = listMetrics([5, 2, 7], 3, (c) => truth.has(c), 2, 3)
    close(m.recall, 1 / 2) // hits / min(K, |truth|)
    close(m.ndcg, 1 / Math.log2(3) / (1 + 1 / Math.log2(3))) // ideal DCG over min(K, |truth|) = 2 hits
    close(m.precision, 1 / 3)
    assert.equal(m.hit, 1)
    close(m.ap, 1 / 2 / 2) // precision at the hit (1/2), over min(K, |truth|)
  })

  it('K = 4, hits at ranks 1 and 3 of five truth items', () => {
    const truth = new Set([1, 3, 10, 11, 12])
    const m = listMetrics([1, 2, 3, 4], 4, (c) => truth.has(c), 5, 4)
    close(m.recall, 2 / 4)
    close(m.ndcg, (1 + 1 / 2) / (1 + 1 / Math.log2(3) + 1 / 2 + 1 / Math.log2(5)))
    close(m.precision, 2 / 4)
    close(m.ap, (1 / 1 + 2 / 3) / 4)
  })

  it('a short list (fewer candidates than K) still divides precision by K; no hit is all zeros', () => {
    const m = listMetrics([7], 1, (c) => c === 7, 1, 10)
    close(m.precision, 0.1)
    close(m.recall, 1)
    close(m.ndcg, 1)
    const none = listMetrics([1, 2], 2, () => false, 3, 2)
    assert.deepEqual(none, { recall: 0, ndcg: 0, precision: 0, hit: 0, ap: 0 })
  })
})

describe('evaluate', () => {
  it('averages over test people, applies exclusions, and measures coverage and novelty', async () => {
    // Training: u1 {a, b}, u2 {b, c}, u3 {c, d}: people per item a 1, b 2, c 2, d 1.
    const split = buildSplit({
      train: [
        ['u1', 'a'], ['u1', 'b'], ['u2', 'b'], ['u2', 'c'], ['u3', 'c'], ['u3', 'd'],
      ].map(([user, item]) => ({ user: user!, item: item!, value: 1 })),
      test: new Map([['u1', ['c', 'zz']], ['u2', ['a', 'd']]]),
      repeats: false,
    }) // prettier-ignore
    const model = await MODELS.popularity!.train(split.train, {}, { threads: 1, seed: 1 })
    const m = evaluate(model, split, { k: 2 })
    // u1 (a, b excluded): [c, d], truth {c} -> recall 1, ndcg 1, precision 1/2, AP 1.
    // u2 (b, c excluded): [a, d] (equal counts: lower index first), truth {a, d} -> all 1.
    assert.equal(m.people, 2)
    close(m.recall, 1)
    close(m.ndcg, 1)
    close(m.precision, 0.75)
    close(m.hitrate, 1)
    close(m.map, 1)
    close(m.coverage, 3 / 4) // a, c, d of 4 training items
    // Self-information -log2(people with item / 3): a, d log2(3); c log2(3/2).
    close(m.novelty, ((Math.log2(1.5) + Math.log2(3)) / 2 + Math.log2(3)) / 2)
  })
})
