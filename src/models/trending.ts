/**
 * Popularity that moves: trending (interactions decayed with a short half-life, so last week's hit fades),
 * bestsellers per category, and new arrivals. Each is a ranking of item indices, best first.
 */

export interface Interaction {
  item: number
  time: number
  weight: number
}

/** Scores decayed to `now` with `halfLifeMs` (three days by default). */
export function trendingScores(interactions: Iterable<Interaction>, items: number, now: number, halfLifeMs = 3 * 864e5): Float32Array {
  const scores = new Float32Array(items)
  for (const x of interactions) if (x.time <= now) scores[x.item]! += x.weight * 2 ** (-(now - x.time) / halfLifeMs)
  return scores
}

/** Item indices with a positive score, best first (ties by index, so rankings are stable). */
export function ranking(scores: Float32Array, limit = scores.length): Int32Array {
  const order: number[] = []
  for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) order.push(i)
  order.sort((a, b) => scores[b]! - scores[a]! || a - b)
  return Int32Array.from(order.slice(0, limit))
}

/** Bestsellers within each category path (an item counts for its category and every ancestor). */
export function perCategoryRankings(scores: Float32Array, categoriesOf: (item: number) => readonly string[], limit = 200): Map<string, Int32Array> {
  const members = new Map<string, number[]>()
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! <= 0) continue
    const paths = new Set<string>()
    for (const c of categoriesOf(i)) {
      const parts = c.split(' > ')
      parts.forEach((_, k) => paths.add(parts.slice(0, k + 1).join(' > ')))
    }
    for (const p of paths) {
      let list = members.get(p)
      if (!list) members.set(p, (list = []))
      list.push(i)
    }
  }
  const out = new Map<string, Int32Array>()
  for (const [path, list] of members) out.set(path, Int32Array.from(list.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, limit)))
  return out
}

/** Bestsellers per key (a brand): an item counts for each key `keysOf` gives it ('' is no key). */
export function rankingsBy(scores: Float32Array, keysOf: (item: number) => readonly string[], limit = 200): Map<string, Int32Array> {
  const members = new Map<string, number[]>()
  for (let i = 0; i < scores.length; i++) {
    if (scores[i]! <= 0) continue
    for (const key of new Set(keysOf(i))) {
      if (key === '') continue
      let list = members.get(key)
      if (!list) members.set(key, (list = []))
      list.push(i)
    }
  }
  const out = new Map<string, Int32Array>()
  for (const [key, list] of members) out.set(key, Int32Array.from(list.sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, limit)))
  return out
}

/** Newest first by creation time. */
export function newArrivals(createdAt: readonly number[], limit = 200): Int32Array {
  return Int32Array.from(
    createdAt
      .map((t, i) => [t, i] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, limit)
      .map(([, i]) => i),
  )
}
