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
 * no object per item, so scoring the whole catalogue stays cheap.
 */
export function topIndices(scores: Float32Array, k: number): Int32Array {
  const heap = new Int32Array(Math.min(k, scores.length))
  let size = 0
  // a ranks below b
  const worse = (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && a > b)
  const down = (from: number) => {
    for (let i = from; ; ) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < size && worse(heap[l]!, heap[m]!)) m = l
      if (r < size && worse(heap[r]!, heap[m]!)) m = r
      if (m === i) return
      ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
      i = m
    }
  }
  for (let j = 0; j < scores.length; j++) {
    if (!(scores[j]! > 0)) continue
    if (size < heap.length) {
      heap[size] = j
      for (let i = size++; i > 0 && worse(heap[i]!, heap[(i - 1) >> 1]!); i = (i - 1) >> 1) [heap[i], heap[(i - 1) >> 1]] = [heap[(i - 1) >> 1]!, heap[i]!]
    } else if (worse(heap[0]!, j)) {
      heap[0] = j
      down(0)
    }
  }
  return heap.slice(0, size).sort((a, b) => scores[b]! - scores[a]! || a - b)
}
