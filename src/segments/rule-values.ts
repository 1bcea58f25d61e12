/**
 * Values at a path of an event, and the comparison operators. A path walks the message ("properties.coupon",
 * "context.campaign.source"); three roots are derived instead: `revenue` (the normalised order revenue),
 * `kind` (the event kind) and `item.*` (each product line's catalogue item: id, category, brand, price,
 * attributes.*). Lists on the way are searched element by element, so a path yields several values and an
 * operator holds when one of them does (`neq` and `exists: false` when none does).
 */
import type { StoredEvent } from '../core/index.ts'
import type { FactItem } from './facts.ts'
import type { Comparison, NumberComparison } from './rule-types.ts'

const own = (o: unknown, key: string): unknown => (typeof o === 'object' && o !== null && Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined)

/** Every value at `parts` below `root`, lists searched element by element (at most 1,000 values, against hostile lists). */
export function walk(root: unknown, parts: readonly string[]): unknown[] {
  // Most paths meet no list: follow them without building arrays (this runs for every event of every person).
  let v = root
  let i = 0
  for (; i < parts.length && !Array.isArray(v); i++) v = own(v, parts[i]!)
  if (i === parts.length) return v === undefined ? [] : Array.isArray(v) ? v.slice(0, 1000) : [v]
  let level: unknown[] = [v]
  for (const part of parts.slice(i)) {
    const next: unknown[] = []
    for (const x of level) {
      if (Array.isArray(x) && /^\d+$/.test(part)) next.push(x[Number(part)])
      else for (const y of Array.isArray(x) ? x : [x]) next.push(own(y, part))
    }
    level = next.filter((x) => x !== undefined).slice(0, 1000)
  }
  return level.flatMap((x) => (Array.isArray(x) ? x : [x])).slice(0, 1000)
}

/** The catalogue facts of each product line (the line's own fields when the catalogue has no item). */
export function itemsOf(e: StoredEvent, items: ReadonlyMap<string, FactItem>): FactItem[] {
  const lines = e.data.products ?? []
  const out = lines.map(
    (l): FactItem => items.get(l.itemId) ?? { id: l.itemId, categories: l.category ? [l.category] : [], brand: l.brand ?? null, price: l.price, attributes: {} },
  )
  if (out.length === 0 && e.itemId) out.push(items.get(e.itemId) ?? { id: e.itemId, categories: [], brand: null, price: null, attributes: {} })
  return out
}

export function valuesAt(e: StoredEvent, path: string | readonly string[], items: ReadonlyMap<string, FactItem>): unknown[] {
  const parts = typeof path === 'string' ? path.split('.') : path
  const head = parts[0]
  if (parts.length === 1 && head === 'revenue') return e.data.revenue === undefined ? [] : [e.data.revenue]
  if (parts.length === 1 && head === 'kind') return [e.kind]
  if (head === 'item') {
    const docs = itemsOf(e, items).map((i) => ({ id: i.id, category: i.categories, brand: i.brand, price: i.price, attributes: i.attributes }))
    return walk(docs, parts.slice(1)).filter((v) => v !== null)
  }
  return walk(e.message, parts)
}

const scalarEq = (a: unknown, b: unknown) => a === b

function satisfies(v: unknown, op: string, want: unknown): boolean {
  switch (op) {
    case 'eq':
      return scalarEq(v, want)
    case 'gt':
      return typeof v === 'number' && v > (want as number)
    case 'gte':
      return typeof v === 'number' && v >= (want as number)
    case 'lt':
      return typeof v === 'number' && v < (want as number)
    case 'lte':
      return typeof v === 'number' && v <= (want as number)
    case 'in':
      return (want as unknown[]).some((w) => scalarEq(v, w))
    case 'contains':
      return typeof v === 'string' && typeof want === 'string' ? v.toLowerCase().includes(want.toLowerCase()) : scalarEq(v, want)
    default:
      return false
  }
}

const VALUE_OPS = new Set(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists'])

/** A test of values against every operator of the comparison (other fields, such as `path`, are ignored). */
export function compileComparison(c: Comparison): (values: readonly unknown[]) => boolean {
  const ops = Object.entries(c).filter(([op]) => VALUE_OPS.has(op))
  return (values) => {
    for (const [op, want] of ops) {
      if (op === 'neq') {
        if (values.some((v) => scalarEq(v, want))) return false
      } else if (op === 'exists') {
        if (values.some((v) => v !== null) !== want) return false
      } else if (!values.some((v) => satisfies(v, op, want))) return false
    }
    return true
  }
}

export function compareNumber(v: number | null | undefined, c: NumberComparison): boolean {
  if (typeof v !== 'number' || Number.isNaN(v)) return false
  return (
    (c.eq === undefined || v === c.eq) &&
    (c.neq === undefined || v !== c.neq) &&
    (c.gt === undefined || v > c.gt) &&
    (c.gte === undefined || v >= c.gte) &&
    (c.lt === undefined || v < c.lt) &&
    (c.lte === undefined || v <= c.lte)
  )
}

/** A category path or one of its descendants. */
export const underCategory = (category: string, path: string) => category === path || category.startsWith(`${path} > `)
