/** Relevance filters applied to candidates once their catalogue details are known. */
import type { Item } from '../core/index.ts'
import { conditionHolds } from './conditions.ts'
import type { Filters } from './request.ts'

export interface PersonFacts {
  bought: ReadonlySet<string>
  cart: ReadonlySet<string>
  notForMe: ReadonlySet<string>
  dislikedCategories: readonly string[]
  dislikedBrands: readonly string[]
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix} > `)

// Per sensitivity test (one per refresh of the marked categories), what it said of each catalogue item.
const sensitiveMemo = new WeakMap<(path: string) => boolean, WeakMap<Item, boolean>>()

/** Whether one of the item's category paths, or a parent of one, is sensitive. */
export function inSensitiveCategory(item: Item, sensitive: (path: string) => boolean): boolean {
  let memo = sensitiveMemo.get(sensitive)
  if (!memo) sensitiveMemo.set(sensitive, (memo = new WeakMap()))
  let answer = memo.get(item)
  if (answer === undefined) {
    answer = item.categories.some((c) => c.split(' > ').some((_, i, parts) => sensitive(parts.slice(0, i + 1).join(' > '))))
    memo.set(item, answer)
  }
  return answer
}

/** Returns why an item is filtered out, or null when it may be shown. */
export function rejection(item: Item, f: Filters, person: PersonFacts, sensitive: (path: string) => boolean, mayUseSensitive: boolean): string | null {
  if ((f.inStock ?? true) && (!item.available || item.inventory === 0)) return 'out of stock'
  if ((f.excludeBought ?? true) && person.bought.has(item.id) && !f.rebuyCategories?.some((p) => item.categories.some((c) => under(c, p)))) return 'bought'
  if ((f.excludeCart ?? true) && person.cart.has(item.id)) return 'in cart'
  if (person.notForMe.has(item.id) || f.exclude?.includes(item.id)) return 'excluded'
  const cats = item.categories
  if (cats.some((c) => person.dislikedCategories.some((d) => under(c, d)))) return 'disliked category'
  if (item.brand && person.dislikedBrands.includes(item.brand)) return 'disliked brand'
  if (!mayUseSensitive && inSensitiveCategory(item, sensitive)) return 'sensitive'
  if (f.categories?.length && !cats.some((c) => f.categories!.some((p) => under(c, p)))) return 'category'
  if (f.excludeCategories?.some((p) => cats.some((c) => under(c, p)))) return 'category'
  if (f.brands?.length && (!item.brand || !f.brands.includes(item.brand))) return 'brand'
  if (item.brand && f.excludeBrands?.includes(item.brand)) return 'brand'
  if (f.minPrice !== undefined && (item.price === null || item.price < f.minPrice)) return 'price'
  if (f.maxPrice !== undefined && (item.price === null || item.price > f.maxPrice)) return 'price'
  if (f.where?.some((c) => !conditionHolds(item, c))) return 'attribute'
  return null
}
