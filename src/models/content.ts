/**
 * Content similarity from item attributes: TF-IDF over words of the title, description, tags and brand,
 * plus whole-category and price-band tokens, compared by cosine. It knows new items on the day they are
 * added, which no behaviour-based model can.
 */
import type { Neighbours } from './cooccurrence.ts'

export interface ContentItem {
  title: string | null
  description: string | null
  categories: string[]
  brand: string | null
  tags: string[]
  price: number | null
}

const STOP = new Set('a an and are as at be by for from has in is it its of on or that the this to with your our you'.split(' '))

/** Price bands on a log scale, so 9.99 and 12 are neighbours and 12 and 120 are not. */
export function priceBand(price: number | null): string | null {
  return price === null || price <= 0 ? null : `price:${Math.round(Math.log2(price) * 2)}`
}

/** The weighted tokens of an item: words once each, categories, brand and price band as whole tokens. */
export function itemTokens(item: ContentItem): Map<string, number> {
  const tokens = new Map<string, number>()
  const add = (token: string, weight: number) => tokens.set(token, (tokens.get(token) ?? 0) + weight)
  const words = (text: string | null, weight: number) => {
    for (const w of (text ?? '').toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w.length > 1 && !STOP.has(w)) add(`w:${w}`, weight)
  }
  words(item.title, 2)
  words(item.description, 1)
  for (const t of item.tags) add(`tag:${t.toLowerCase()}`, 1)
  for (const c of item.categories) {
    const parts = c.split(' > ')
    parts.forEach((_, i) => add(`cat:${parts.slice(0, i + 1).join(' > ')}`, 1 + i))
  }
  if (item.brand) add(`brand:${item.brand.toLowerCase()}`, 2)
  const band = priceBand(item.price)
  if (band) add(band, 1)
  return tokens
}

/** Top-k content neighbours of every item (cosine of TF-IDF vectors, through an inverted index). */
export function contentNeighbours(items: readonly ContentItem[], k = 50): Neighbours {
  const docs = items.map(itemTokens)
  const df = new Map<string, number>()
  for (const d of docs) for (const t of d.keys()) df.set(t, (df.get(t) ?? 0) + 1)
  const n = items.length
  // Unit-length TF-IDF vectors; a token every item has carries nothing.
  const vectors = docs.map((d) => {
    const v = new Map<string, number>()
    let norm = 0
    for (const [t, tf] of d) {
      const w = (1 + Math.log(tf)) * Math.log((n + 1) / (df.get(t)! + 0.5))
      if (w <= 0) continue
      v.set(t, w)
      norm += w * w
    }
    norm = Math.sqrt(norm) || 1
    for (const [t, w] of v) v.set(t, w / norm)
    return v
  })
  const postings = new Map<string, [number, number][]>()
  vectors.forEach((v, i) => {
    for (const [t, w] of v) {
      let list = postings.get(t)
      if (!list) postings.set(t, (list = []))
      list.push([i, w])
    }
  })
  const indptr = new Int32Array(n + 1)
  const indices: number[] = []
  const scores: number[] = []
  const acc = new Float64Array(n)
  const touched: number[] = []
  for (let i = 0; i < n; i++) {
    for (const [t, w] of vectors[i]!) {
      // Very common tokens (a whole top-level category) make every pair a candidate; they add little.
      const list = postings.get(t)!
      if (list.length > Math.max(1000, n / 4)) continue
      for (const [j, wj] of list) {
        if (j === i) continue
        if (acc[j] === 0) touched.push(j)
        acc[j]! += w * wj
      }
    }
    const ranked = touched.map((j) => [j, acc[j]!] as [number, number]).sort((a, b) => b[1] - a[1] || a[0] - b[0])
    for (const j of touched) acc[j] = 0
    touched.length = 0
    for (const [j, s] of ranked.slice(0, k)) {
      indices.push(j)
      scores.push(s)
    }
    indptr[i + 1] = indices.length
  }
  return { indptr, indices: Int32Array.from(indices), scores: Float32Array.from(scores) }
}
