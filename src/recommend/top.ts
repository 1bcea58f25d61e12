/**
 * The best k candidates (score descending, index ascending on ties) without sorting them all: "for you"
 * can score the whole catalogue, and a full sort per request cost more than everything else.
 */
import type { Candidate } from './sources.ts'

const better = (a: Candidate, b: Candidate) => a.score > b.score || (a.score === b.score && a.index < b.index)

export function topCandidates(list: readonly Candidate[], k: number): Candidate[] {
  if (list.length <= k) return [...list].sort((a, b) => b.score - a.score || a.index - b.index)
  // A min-heap of the best k seen so far: its root is the weakest kept candidate.
  const heap: Candidate[] = []
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!])
  for (const c of list) {
    if (heap.length < k) {
      heap.push(c)
      for (let i = heap.length - 1; i > 0 && better(heap[(i - 1) >> 1]!, heap[i]!); i = (i - 1) >> 1) swap(i, (i - 1) >> 1)
    } else if (better(c, heap[0]!)) {
      heap[0] = c
      for (let i = 0; ; ) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < k && better(heap[m]!, heap[l]!)) m = l
        if (r < k && better(heap[m]!, heap[r]!)) m = r
        if (m === i) break
        swap(i, m)
        i = m
      }
    }
  }
  return heap.sort((a, b) => b.score - a.score || a.index - b.index)
}

/**
 * Indices of the `k` highest positive scores, best first (index ascending on ties), by a typed min-heap:
 * no object per item, so scoring the whole catalogue stays cheap. `among` (ascending indices) limits the
 * search to those entries.
 */
export function topIndices(scores: Float32Array, k: number, among?: Int32Array): Int32Array {
  const n = among ? among.length : scores.length
  const cap = Math.min(k, n)
  // A min-heap of the best seen so far (root: the weakest kept), values beside indices so a comparison
  // reads no other array; a tie ranks the later index lower, and indices only grow, so a tie never enters.
  const idx = new Int32Array(cap)
  const val = new Float32Array(cap)
  let size = 0
  let bar = 0
  for (let t = 0; t < n; t++) {
    const j = among ? among[t]! : t
    const s = scores[j]!
    if (!(s > bar)) continue
    if (size < cap) {
      // Sift up: the new entry is the latest index, so it is weaker than a parent of equal value.
      let i = size++
      while (i > 0) {
        const parent = (i - 1) >> 1
        if (val[parent]! < s) break
        idx[i] = idx[parent]!
        val[i] = val[parent]!
        i = parent
      }
      idx[i] = j
      val[i] = s
      if (size === cap) bar = val[0]!
      continue
    }
    // Replace the root and sift down.
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= cap) break
      const r = l + 1
      let m = l
      if (r < cap && (val[r]! < val[l]! || (val[r] === val[l] && idx[r]! > idx[l]!))) m = r
      if (val[m]! >= s) break
      idx[i] = idx[m]!
      val[i] = val[m]!
      i = m
    }
    idx[i] = j
    val[i] = s
    bar = val[0]!
  }
  return idx.slice(0, size).sort((a, b) => scores[b]! - scores[a]! || a - b)
}
