/**
 * Business rules of a placement: pinned items, boost and bury by attribute, a boost for new items, and
 * diversity (at most N items of one primary category or brand). Scores are rescaled here; the recommender
 * applies pins first and diversity as it fills the answer.
 */
import type { Item } from '../core/index.ts'
import type { AttributeRule, Rules } from './request.ts'

const DAY_MS = 86_400_000

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix} > `)

/**
 * Whether an item has `value` for `attribute`: `brand` (equal), `category` (any of its category paths is
 * the value or under it), `tag` (one of its tags), `attributes.<name>` (equal, or contained when the
 * attribute is an array).
 */
export function attributeMatches(item: Item, attribute: string, value: string | number | boolean): boolean {
  if (attribute === 'brand') return item.brand !== null && item.brand === value
  if (attribute === 'category') return typeof value === 'string' && item.categories.some((c) => under(c, value))
  if (attribute === 'tag') return item.tags.includes(String(value))
  if (attribute.startsWith('attributes.')) {
    const actual = item.attributes[attribute.slice('attributes.'.length)]
    return Array.isArray(actual) ? actual.includes(value) : actual === value
  }
  return false
}

/** The product of every matching boost and bury factor, times the new-item factor when it applies. */
export function ruleFactor(item: Item, rules: Rules | undefined, now: number = Date.now()): number {
  if (!rules) return 1
  let factor = 1
  const apply = (list: readonly AttributeRule[] | undefined) => {
    for (const r of list ?? []) if (attributeMatches(item, r.attribute, r.value)) factor *= r.factor
  }
  apply(rules.boost)
  apply(rules.bury)
  const fresh = rules.newItemBoost
  if (fresh) {
    const created = Date.parse(item.createdAt)
    if (Number.isFinite(created) && now - created <= fresh.days * DAY_MS) factor *= fresh.factor
  }
  return factor
}

/** True when the rules change scores (so candidates must be re-ordered once their details are known). */
export function rescores(rules: Rules | undefined): boolean {
  return !!rules && (!!rules.boost?.length || !!rules.bury?.length || rules.newItemBoost !== undefined)
}

/**
 * Orders scored entries by their score times the rules' factor, best first; ties keep the given order.
 * Returns new entries with the adjusted score.
 */
export function rerank<T extends { score: number }>(entries: readonly T[], itemOf: (entry: T) => Item | undefined, rules: Rules | undefined, now: number = Date.now()): T[] {
  if (!rescores(rules)) return [...entries]
  return entries
    .map((e, order) => {
      const item = itemOf(e)
      return { entry: item ? { ...e, score: e.score * ruleFactor(item, rules, now) } : e, order }
    })
    .sort((a, b) => b.entry.score - a.entry.score || a.order - b.order)
    .map((x) => x.entry)
}

/** Counts a placement's items per primary category and brand against `maxPerCategory` / `maxPerBrand`. */
export class Diversity {
  readonly #maxPerCategory: number
  readonly #maxPerBrand: number
  readonly #categories = new Map<string, number>()
  readonly #brands = new Map<string, number>()

  constructor(rules: Rules | undefined) {
    this.#maxPerCategory = rules?.maxPerCategory ?? Infinity
    this.#maxPerBrand = rules?.maxPerBrand ?? Infinity
  }

  /** Whether one more of this item's primary category and brand still fits. */
  allows(item: Item): boolean {
    const category = item.categories[0]
    if (category !== undefined && (this.#categories.get(category) ?? 0) >= this.#maxPerCategory) return false
    if (item.brand !== null && (this.#brands.get(item.brand) ?? 0) >= this.#maxPerBrand) return false
    return true
  }

  add(item: Item): void {
    const category = item.categories[0]
    if (category !== undefined) this.#categories.set(category, (this.#categories.get(category) ?? 0) + 1)
    if (item.brand !== null) this.#brands.set(item.brand, (this.#brands.get(item.brand) ?? 0) + 1)
  }
}
