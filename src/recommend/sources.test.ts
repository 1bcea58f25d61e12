/**
 * "For you" scores only the best factor items and the neighbours' items; this checks it against the
 * plain blend over the whole catalogue on a random model.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FactorScorer, type Neighbours } from '../models/index.ts'
import type { Artifact } from '../training/index.ts'
import { candidates, type SourceContext } from './sources.ts'

function rng(seed: number) {
  let s = seed
  return () => ((s = (s * 48271) % 2147483647) / 2147483647)
}

function randomArtifact(n: number, people: number, dim: number, k: number, seed: number): Artifact {
  const r = rng(seed)
  const indptr = Int32Array.from({ length: n + 1 }, (_, i) => i * k)
  const indices = new Int32Array(n * k)
  const scores = new Float32Array(n * k)
  for (let i = 0; i < n; i++) for (let t = 0; t < k; t++) [indices[i * k + t], scores[i * k + t]] = [Math.floor(r() * n), r()]
  const personal: Neighbours = { indptr, indices, scores }
  return {
    items: Array.from({ length: n }, (_, i) => `i${i}`),
    people: Array.from({ length: people }, (_, i) => `p${i}`),
    personal,
    factors: { dim, people: Float32Array.from({ length: people * dim }, () => r() - 0.4), items: Float32Array.from({ length: n * dim }, () => r() - 0.4) },
    blend: { neighbours: 1.5, factors: 1, popularity: 0 },
  } as unknown as Artifact
}

/** The blend over every item, as "for you" defines it, best first. */
function fullBlend(a: Artifact, row: number, seeds: [string, number][]): { index: number; score: number }[] {
  const n = a.items.length
  const f = a.factors!
  const nb = new Float64Array(n)
  for (const [id, w] of seeds) {
    const i = a.items.indexOf(id)
    for (let t = a.personal.indptr[i]!; t < a.personal.indptr[i + 1]!; t++) nb[a.personal.indices[t]!]! += w * a.personal.scores[t]!
  }
  const factor = Array.from({ length: n }, (_, j) => {
    let s = 0
    for (let d = 0; d < f.dim; d++) s += f.people[row * f.dim + d]! * f.items[j * f.dim + d]!
    return Math.max(0, s)
  })
  const fMax = Math.max(...factor)
  const nbMax = Math.max(...nb)
  return factor
    .map((x, index) => ({ index, score: (a.blend.factors * x) / fMax + (a.blend.neighbours * nb[index]!) / (nbMax || 1) }))
    .filter((c) => c.score > 0)
    .sort((x, y) => y.score - x.score)
}

describe('personal candidates', () => {
  const a = randomArtifact(600, 20, 12, 15, 3)
  const itemIndex = new Map(a.items.map((id, i) => [id, i]))
  const scorer = new FactorScorer(a.factors!.people, a.factors!.items, a.factors!.dim)

  for (const [row, recent, purchased, limit] of [
    [0, ['i5', 'i17', 'i300'], ['i42'], 40],
    [7, [], ['i1', 'i2', 'i3', 'i4'], 100],
    [13, ['i599'], [], 25],
  ] as const) {
    it(`equals the best ${limit} of the full blend (person ${row}, ${recent.length} views, ${purchased.length} purchases)`, (t) => {
      const ctx: SourceContext = { artifact: a, itemIndex, recent, purchased, factorRow: row, scorer, limit }
      const got = candidates('personal', ctx)
      // recentSeeds: a view r places back weighs 2^(-r/5); a purchase adds 0.5.
      const seeds = new Map<string, number>()
      recent.forEach((id, r) => seeds.set(id, (seeds.get(id) ?? 0) + 2 ** (-r / 5)))
      purchased.forEach((id) => seeds.set(id, (seeds.get(id) ?? 0) + 0.5))
      const want = fullBlend(a, row, [...seeds]).slice(0, limit)
      assert.equal(got.length, limit)
      got.forEach((c, r) => assert.ok(Math.abs(c.score - want[r]!.score) < 1e-5, `rank ${r}: ${c.score} vs ${want[r]!.score}`))
      const exact = new Map(fullBlend(a, row, [...seeds]).map((c) => [c.index, c.score]))
      for (const c of got) assert.ok(Math.abs(c.score - exact.get(c.index)!) < 1e-5, `item ${c.index} scored as in the full blend`)
      // A candidate reached by neighbours names a seed; one reached by factors alone says so.
      for (const c of got) assert.ok(c.reason.kind === 'picked' || (['viewed', 'bought'].includes(c.reason.kind) && seeds.has(c.reason.itemId!)))
      // A reason names a seed only when that seed's own neighbour part is at least half of the score:
      // the best part of every candidate, computed here from the neighbour lists.
      const nb = new Float64Array(a.items.length)
      const parts = new Map<number, Map<string, number>>()
      for (const [id, w] of seeds) {
        const i = a.items.indexOf(id)
        for (let t = a.personal.indptr[i]!; t < a.personal.indptr[i + 1]!; t++) {
          const j = a.personal.indices[t]!
          nb[j]! += w * a.personal.scores[t]!
          const m = parts.get(j) ?? new Map<string, number>()
          m.set(id, (m.get(id) ?? 0) + w * a.personal.scores[t]!)
          parts.set(j, m)
        }
      }
      const scale = a.blend.neighbours / Math.max(...nb)
      let picked = 0
      for (const c of got) {
        const best = Math.max(0, ...[...(parts.get(c.index)?.values() ?? [])].map((x) => x * scale))
        if (c.reason.kind === 'picked') {
          picked++
          assert.ok(best < 0.5 * c.score + 1e-6, `item ${c.index} is "picked" although one seed gave ${best} of ${c.score}`)
        } else {
          assert.ok(parts.get(c.index)!.get(c.reason.itemId!)! * scale >= 0.5 * c.score - 1e-6, `item ${c.index} names ${c.reason.itemId}, which gave too little of ${c.score}`)
          assert.equal(c.reason.kind, recent.includes(c.reason.itemId as never) ? 'viewed' : 'bought')
        }
      }
      t.diagnostic(`${picked} of ${got.length} candidates are picked by the factors`)
    })
  }
})
