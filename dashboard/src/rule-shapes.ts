/**
 * The shapes of the segment rule language (docs/segments.md) that the visual builder edits. The builder
 * works on the rule's JSON itself: each node it recognises gets a form, anything else keeps its JSON and
 * is edited as text, so no rule is ever changed by opening it.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The one key of a single-key object (`{ all: [...] }` → 'all'), or null. */
export function onlyKey(node: unknown): string | null {
  if (!isObject(node)) return null
  const keys = Object.keys(node)
  return keys.length === 1 ? keys[0]! : null
}

export type NodeKind = 'all' | 'any' | 'not' | 'event' | 'profile' | 'rfm' | 'prediction' | 'segment' | 'json'

/** Which form edits this node ('json': none, edited as text). */
export function kindOf(node: unknown): NodeKind {
  const key = onlyKey(node)
  const value = key === null ? undefined : (node as JsonObject)[key]
  if ((key === 'all' || key === 'any') && Array.isArray(value)) return key
  if (key === 'not' && isObject(value)) return 'not'
  if ((key === 'event' || key === 'profile' || key === 'rfm' || key === 'prediction') && isObject(value) && knownFields(key, value)) return key
  if (key === 'segment' && typeof value === 'string') return 'segment'
  return 'json'
}

const FIELDS: Record<string, readonly string[]> = {
  event: ['kind', 'name', 'where', 'count', 'within'],
  profile: ['path', 'op', 'value'],
  rfm: ['segment', 'code'],
  prediction: ['measure', 'op', 'value'],
}

/** A node with a field the form does not know is left as JSON, so saving the form cannot drop it. */
function knownFields(key: string, value: JsonObject): boolean {
  return Object.keys(value).every((f) => FIELDS[key]!.includes(f))
}

export const COMPARISONS = ['>=', '>', '=', '!=', '<=', '<'] as const
export const PROPERTY_OPS = [
  { value: 'eq', label: 'is' },
  { value: 'neq', label: 'is not' },
  { value: 'contains', label: 'contains' },
  { value: 'gte', label: 'at least' },
  { value: 'lte', label: 'at most' },
  { value: 'exists', label: 'is set' },
] as const

/** Property paths the event form offers by name (any other path can be typed). */
export const PROPERTY_PATHS = [
  { value: 'item.category', label: 'Item category (and its subcategories)' },
  { value: 'item.brand', label: 'Item brand' },
  { value: 'item.price', label: 'Item price' },
  { value: 'properties.', label: 'Another property (type its path)' },
] as const

export const PROFILE_PATHS = [
  { value: 'orders', label: 'Orders' },
  { value: 'revenue', label: 'Revenue' },
  { value: 'lastOrderDays', label: 'Days since the last order' },
  { value: 'consent.personalization', label: 'Consent: personalization' },
  { value: 'topCategory', label: 'Top affinity category' },
  { value: 'traits.', label: 'A trait or computed trait (type its key)' },
] as const

export const RFM_SEGMENTS = ['Premium Customer', 'Repeat Customer', 'Top Spender', 'At Risk Customer', 'Inactive Customer', 'Other'] as const

export const PREDICTION_MEASURES = [
  { value: 'clv_percentile', label: 'CLV percentile (0–1)' },
  { value: 'probability_alive', label: 'Probability of being active (0–1)' },
  { value: 'expected_orders_90', label: 'Expected orders, next 90 days' },
  { value: 'expected_orders_365', label: 'Expected orders, next 365 days' },
] as const

/** What "Add condition" puts in a group, by the kind chosen. */
export function blank(kind: Exclude<NodeKind, 'json'>): JsonObject {
  switch (kind) {
    case 'all':
    case 'any':
      return { [kind]: [] }
    case 'not':
      return { not: { event: { kind: 'order_completed', within: { days: 30 } } } }
    case 'event':
      return { event: { kind: 'product_viewed', count: { op: '>=', value: 1 }, within: { days: 14 } } }
    case 'profile':
      return { profile: { path: 'orders', op: '>=', value: 1 } }
    case 'rfm':
      return { rfm: { segment: 'Premium Customer' } }
    case 'prediction':
      return { prediction: { measure: 'clv_percentile', op: '>=', value: 0.8 } }
    case 'segment':
      return { segment: '' }
  }
}

export const KIND_NAMES: Record<NodeKind, string> = {
  all: 'All of (and)',
  any: 'Any of (or)',
  not: 'Not',
  event: 'Event',
  profile: 'Profile',
  rfm: 'RFM segment',
  prediction: 'Prediction (CLV)',
  segment: 'Member of a segment',
  json: 'JSON',
}

/** The rule a new segment starts from: people who viewed something in the last 14 days. */
export const STARTER_RULE: JsonObject = { all: [blank('event')] }
