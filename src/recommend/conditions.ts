/**
 * `filters.where`: attribute conditions that must all hold for an item to be shown.
 *
 * An attribute has a list of values: `brand`, `price`, `title` one (none when null); `category` the item's
 * category paths; `tag` its tags; `attributes.<name>` the attribute's value, or its elements when it is an
 * array (none when absent or null). An attribute with no values is missing; an empty array counts as missing.
 *
 * - `eq` holds when one of the values equals `value` (so on an array: contains it). Equality is strict: no
 *   conversions ("40" is not 40) and strings are case-sensitive. For `category`, a path equals `value` when
 *   it is that path or one under it ("Shoes" holds for "Shoes > Running", not for "Shoes2").
 * - `in` holds when `eq` holds for one of the listed values (contains any of them).
 * - `gt`, `gte`, `lt`, `lte` hold when one of the values compares so with `value`: a number only with a
 *   number, a string only with a string (by UTF-16 code units, not locale: ISO dates in the same format
 *   compare chronologically). A number and a string, or a boolean, never compare.
 * - `ne`, `notIn`, `notExists` are the negations of `eq`, `in`, `exists`.
 * - So a missing attribute fails every op except `ne`, `notIn` and `notExists`.
 */
import { AttuneError, type Item } from '../core/index.ts'
import type { Condition } from './request.ts'

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix} > `)

/** The attribute's values; empty when the item does not have it. */
function valuesOf(item: Item, attribute: string): readonly unknown[] {
  switch (attribute) {
    case 'brand':
      return item.brand === null ? [] : [item.brand]
    case 'category':
      return item.categories
    case 'tag':
      return item.tags
    case 'price':
      return item.price === null ? [] : [item.price]
    case 'title':
      return item.title === null ? [] : [item.title]
  }
  if (!attribute.startsWith('attributes.')) return []
  const name = attribute.slice('attributes.'.length)
  // Own properties only: "attributes.constructor" must not find Object's.
  const value = Object.hasOwn(item.attributes, name) ? item.attributes[name] : undefined
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== undefined && v !== null)
}

function equals(attribute: string, actual: unknown, expected: unknown): boolean {
  if (attribute === 'category') return typeof actual === 'string' && typeof expected === 'string' && under(actual, expected)
  return actual === expected
}

function compares(actual: unknown, op: 'gt' | 'gte' | 'lt' | 'lte', expected: unknown): boolean {
  const comparable = (typeof actual === 'number' && typeof expected === 'number') || (typeof actual === 'string' && typeof expected === 'string')
  if (!comparable) return false
  const [a, b] = [actual as number | string, expected as number | string]
  return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b
}

/** Whether the item meets the condition. Never throws: a value of the wrong shape for its op fails the condition. */
export function conditionHolds(item: Item, condition: Condition): boolean {
  const values = valuesOf(item, condition.attribute)
  const has = (expected: unknown) => values.some((v) => equals(condition.attribute, v, expected))
  const anyOf = (list: unknown) => Array.isArray(list) && list.some(has)
  switch (condition.op) {
    case 'eq':
      return has(condition.value)
    case 'ne':
      return !has(condition.value)
    case 'in':
      return anyOf(condition.value)
    case 'notIn':
      return !anyOf(condition.value)
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const { op, value } = condition
      return values.some((v) => compares(v, op, value))
    }
    case 'exists':
      return values.length > 0
    case 'notExists':
      return values.length === 0
  }
}

/** Why a condition's value does not fit its op, or null. The route schema has checked everything else. */
function valueProblem(condition: Condition): { code: 'missing_field' | 'invalid_field'; message: string } | null {
  const { op } = condition
  const value: unknown = (condition as { value?: unknown }).value
  const invalid = (message: string) => ({ code: 'invalid_field' as const, message })
  if (op === 'exists' || op === 'notExists') return value === undefined ? null : invalid(`must be left out for op "${op}"`)
  if (value === undefined) return { code: 'missing_field', message: `is required for op "${op}"` }
  if (op === 'in' || op === 'notIn') return Array.isArray(value) ? null : invalid(`must be an array for op "${op}"`)
  if (Array.isArray(value)) return invalid(`must be a single value for op "${op}" (use "in" or "notIn" for a list)`)
  if (op !== 'eq' && op !== 'ne' && typeof value === 'boolean') return invalid(`must be a number or a string for op "${op}"`)
  return null
}

/**
 * Checks that every condition's `value` fits its `op` (required except for exists/notExists, an array for
 * in/notIn, a single value otherwise, a number or string for comparisons). Throws `missing_field` or
 * `invalid_field` naming the value: `${path}[i].value`, e.g. "placements[0].filters.where[1].value".
 */
export function checkConditions(where: readonly Condition[] | undefined, path: string): void {
  where?.forEach((condition, i) => {
    const problem = valueProblem(condition)
    const field = `${path}[${i}].value`
    if (problem) throw new AttuneError(problem.code, `${field} ${problem.message}`, field)
  })
}
