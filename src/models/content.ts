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

/**
 * The TF-IDF space of a catalogue: document frequencies and, per token, the items that have it with their
 * weight in the item's unit vector. Kept in the model so an item added after training (which only the
 * live catalogue knows) can be compared with every trained item on the day it is added.
 */
export interface ContentIndex {
  n: number
  df: Map<string, number>
  /** Only tokens rare enough to discriminate: a token most items share (a whole top-level category) adds little. */
  postings: Map<string, { items: Int32Array; weights: Float32Array }>
}

/** Postings longer than this are left out: they make nearly every pair a candidate. */
const maxPosting = (n: number) => Math.max(1000, n / 4)

/** An item's unit-length TF-IDF vector in `index`'s space (tokens the index never saw count for the norm only). */
export function contentVector(index: { n: number; df: ReadonlyMap<string, number> }, item: ContentItem): Map<string, number> {
  const v = new Map<string, number>()
  let norm = 0
  for (const [t, tf] of itemTokens(item)) {
    const w = (1 + Math.log(tf)) * Math.log((index.n + 1) / ((index.df.get(t) ?? 0) + 0.5))
    if (w <= 0) continue
    v.set(t, w)
    norm += w * w
  }
  norm = Math.sqrt(norm) || 1
  for (const [t, w] of v) v.set(t, w / norm)
  return v
}

export function contentIndex(items: readonly ContentItem[]): ContentIndex {
  const docs = items.map(itemTokens)
  const df = new Map<string, number>()
  for (const d of docs) for (const t of d.keys()) df.set(t, (df.get(t) ?? 0) + 1)
  const n = items.length
  const lists = new Map<string, [number, number][]>()
  items.forEach((item, i) => {
    for (const [t, w] of contentVector({ n, df }, item)) {
      if (df.get(t)! > maxPosting(n)) continue
      let list = lists.get(t)
      if (!list) lists.set(t, (list = []))
      list.push([i, w])
    }
  })
  const postings = new Map<string, { items: Int32Array; weights: Float32Array }>()
  for (const [t, list] of lists) postings.set(t, { items: Int32Array.from(list, (x) => x[0]), weights: Float32Array.from(list, (x) => x[1]) })
  return { n, df, postings }
}

/** The `k` indexed items most similar to `vector` (cosine), best first; `skip` is left out (the item itself). */
export function similarTo(index: ContentIndex, vector: ReadonlyMap<string, number>, k: number, skip = -1, acc = new Float64Array(index.n)): { items: Int32Array; scores: Float32Array } {
  const touched: number[] = []
  for (const [t, w] of vector) {
    const list = index.postings.get(t)
    if (!list) continue
    for (let a = 0; a < list.items.length; a++) {
      const j = list.items[a]!
      if (j === skip) continue
      if (acc[j] === 0) touched.push(j)
      acc[j]! += w * list.weights[a]!
    }
  }
  const ranked = touched.map((j) => [j, acc[j]!] as [number, number]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k)
  for (const j of touched) acc[j] = 0
  return { items: Int32Array.from(ranked, (x) => x[0]), scores: Float32Array.from(ranked, (x) => x[1]) }
}

/** Top-k content neighbours of every item (cosine of TF-IDF vectors, through the inverted index). */
export function contentNeighbours(items: readonly ContentItem[], k = 50, index = contentIndex(items)): Neighbours {
  const n = items.length
  const indptr = new Int32Array(n + 1)
  const indices: number[] = []
  const scores: number[] = []
  const acc = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const found = similarTo(index, contentVector(index, items[i]!), k, i, acc)
    indices.push(...found.items)
    scores.push(...found.scores)
    indptr[i + 1] = indices.length
  }
  return { indptr, indices: Int32Array.from(indices), scores: Float32Array.from(scores) }
}
