/** How a recommended item is shown: its display fields, the extra fields asked for, and a readable reason. */
import type { Item } from '../core/index.ts'
import type { ExtraField } from './request.ts'
import type { Candidate, Reason } from './sources.ts'

export interface RecommendedItem {
  id: string
  score: number
  reason: string
  title: string | null
  price: number | null
  currency: string | null
  imageUrl: string | null
  url: string | null
  categories: string[]
  brand: string | null
  /** Present when asked for in `fields`. */
  description?: string | null
  tags?: string[]
  available?: boolean
  createdAt?: string
  inventory?: number | null
  attributes?: Record<string, unknown>
}

/** `named` holds the items that reasons name ("Because you viewed <title>"). */
export function itemView(item: Item, c: Candidate, named: ReadonlyMap<string, Item>, fields: readonly ExtraField[] = []): RecommendedItem {
  const view: RecommendedItem = {
    id: item.id,
    score: Math.round(c.score * 1e4) / 1e4,
    reason: reasonText(c.reason, named),
    title: item.title,
    price: item.price,
    currency: item.currency,
    imageUrl: item.imageUrl,
    url: item.url,
    categories: item.categories,
    brand: item.brand,
  }
  for (const f of fields) (view as unknown as Record<string, unknown>)[f] = item[f]
  return view
}

export function reasonText(r: Reason, named: ReadonlyMap<string, Item>): string {
  const title = (r.itemId && named.get(r.itemId)?.title) ?? r.itemId ?? 'an item'
  switch (r.kind) {
    case 'viewed':
      return `Because you viewed ${title}`
    case 'bought':
      return `Because you bought ${title}`
    case 'picked':
      return 'Picked for you from your activity'
    case 'also-bought':
      return `Customers who bought ${title} also bought this`
    case 'also-viewed':
      return `Customers who viewed ${title} also viewed this`
    case 'similar':
      return `Similar to ${title}`
    case 'complete-the-look':
      return `Goes with ${title}`
    case 'cart':
      return `Goes with ${title} in your cart`
    case 'trending':
      return 'Trending now'
    case 'category-bestseller':
      return `Popular in ${leaf(r.category)}`
    case 'same-brand':
      return `More from ${r.brand ?? 'this brand'}`
    case 'complement':
      return `Popular in ${leaf(r.category)}, often bought with ${leaf(r.with)}`
    case 'favourite-category':
      return `Popular in ${leaf(r.category)}, one of your interests`
    case 'favourite-brand':
      return `From ${r.brand ?? 'a brand'}, a brand you often choose`
    case 'bestseller':
      return 'Bestseller'
    case 'recently-viewed':
      return 'You viewed this recently'
    case 'new':
      return 'New in'
    case 'featured':
      return 'Featured'
  }
}

/** The last part of a category path ("Running" of "Shoes > Running"). */
function leaf(path: string | undefined): string {
  return path?.split(' > ').at(-1) || 'this category'
}
