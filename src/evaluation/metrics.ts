/**
 * Ranking metrics at K over the test people of a split, as the BASELINES.md files define them: each a
 * mean over test people, with binary relevance. Recommendations come from the model's scores over every
 * training item minus the person's exclusions, cut to the top K by partial selection (a size-K heap),
 * not by sorting the whole catalogue for every person.
 */
import { peoplePerItem, type TrainedModel } from '../models/index.ts'
import type { Split } from './split.ts'

export interface MetricValues {
  recall: number
  ndcg: number
  precision: number
  hitrate: number
  map: number
  /** Distinct items shown to all test people together / training items. */
  coverage: number
  /** Mean self-information -log2(share of training people who have the item) of recommended items. */
  novelty: number
  /** Test people the means are over. */
  people: number
}

/**
 * The indices of the K highest scores into `out`, best first; returns how many (fewer than K when
 * fewer items are finite). Equal scores rank the lower index first, so results are deterministic.
 * -Infinity and NaN never make the list: that is how exclusions are applied.
 */
export function topK(scores: Float32Array, k: number, out: Int32Array): number {
  // Min-heap on (score, -index): the root is the worst of the kept items.
  const hs = new Float64Array(k)
  const hi = new Int32Array(k)
  let size = 0
  const worse = (a: number, b: number) => hs[a]! < hs[b]! || (hs[a] === hs[b] && hi[a]! > hi[b]!)
  const swap = (a: number, b: number) => {
    const s = hs[a]!
    hs[a] = hs[b]!
    hs[b] = s
    const i = hi[a]!
    hi[a] = hi[b]!
    hi[b] = i
  }
  const down = (from: number) => {
    let p = from
    for (;;) {
      const l = 2 * p + 1
      const r = l + 1
      let m = p
      if (l < size && worse(l, m)) m = l
      if (r < size && worse(r, m)) m = r
      if (m === p) return
      swap(p, m)
      p = m
    }
  }
  for (let j = 0; j < scores.length; j++) {
    const s = scores[j]!
    if (!(s > -Infinity)) continue // -Infinity (excluded) and NaN
    if (size < k) {
      hs[size] = s
      hi[size] = j
      let c = size++
      while (c > 0) {
        const p = (c - 1) >> 1
        if (!worse(c, p)) break
        swap(c, p)
        c = p
      }
    } else if (s > hs[0]!) {
      // Strictly better than the worst kept; on a tie the kept (lower) index stays.
      hs[0] = s
      hi[0] = j
      down(0)
    }
  }
  // Pop the heap from worst to best.
  const n = size
  for (let at = n - 1; at >= 0; at--) {
    out[at] = hi[0]!
    size -= 1
    if (size > 0) {
      swap(0, size)
      down(0)
    }
  }
  return n
}

/** Per-person figures for one ranked list (`isTruth` marks the person's truth items). */
export function listMetrics(list: ArrayLike<number>, length: number, isTruth: (item: number) => boolean, truthSize: number, k: number) {
  const best = Math.min(k, truthSize)
  let hits = 0
  let dcg = 0
  let ap = 0
  for (let r = 0; r < Math.min(length, k); r++) {
    if (!isTruth(list[r]!)) continue
    hits += 1
    dcg += 1 / Math.log2(r + 2)
    ap += hits / (r + 1)
  }
  let idcg = 0
  for (let r = 0; r < best; r++) idcg += 1 / Math.log2(r + 2)
  return {
    recall: best === 0 ? 0 : hits / best,
    ndcg: idcg === 0 ? 0 : dcg / idcg,
    precision: hits / k,
    hit: hits > 0 ? 1 : 0,
    ap: best === 0 ? 0 : ap / best,
  }
}

export interface EvaluateOptions {
  k: number
  /** Called every few hundred people with the share done. */
  onProgress?: (fraction: number) => void
}

/** Scores every test person of `split` with `model` and averages the metrics at K. */
export function evaluate(model: TrainedModel, split: Split, options: EvaluateOptions): MetricValues {
  const { k } = options
  const items = split.items.length
  const scores = new Float32Array(items)
  const list = new Int32Array(k)
  const mark = new Uint8Array(items)
  const shown = new Uint8Array(items)
  // Self-information of each item from its share of training people (every training item has one).
  const counts = peoplePerItem(split.train)
  const info = new Float64Array(items)
  for (let j = 0; j < items; j++) info[j] = counts[j]! > 0 ? -Math.log2(counts[j]! / split.train.rows) : 0
  const sum = { recall: 0, ndcg: 0, precision: 0, hitrate: 0, map: 0, novelty: 0 }
  const people = split.test.length
  for (let p = 0; p < people; p++) {
    const person = split.test[p]!
    scores.fill(0)
    model.scoreRow(person.row, scores)
    for (const c of person.exclude) scores[c] = -Infinity
    const n = topK(scores, k, list)
    for (const c of person.truth) mark[c] = 1
    const m = listMetrics(list, n, (c) => mark[c] === 1, person.truth.length, k)
    for (const c of person.truth) mark[c] = 0
    sum.recall += m.recall
    sum.ndcg += m.ndcg
    sum.precision += m.precision
    sum.hitrate += m.hit
    sum.map += m.ap
    let nov = 0
    for (let r = 0; r < n; r++) {
      shown[list[r]!] = 1
      nov += info[list[r]!]!
    }
    sum.novelty += n > 0 ? nov / n : 0
    if (options.onProgress && (p + 1) % 200 === 0) options.onProgress((p + 1) / people)
  }
  let distinct = 0
  for (let j = 0; j < items; j++) distinct += shown[j]!
  const mean = (x: number) => (people === 0 ? 0 : x / people)
  return {
    recall: mean(sum.recall),
    ndcg: mean(sum.ndcg),
    precision: mean(sum.precision),
    hitrate: mean(sum.hitrate),
    map: mean(sum.map),
    coverage: items === 0 ? 0 : distinct / items,
    novelty: mean(sum.novelty),
    people,
  }
}
