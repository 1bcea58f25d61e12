/**
 * The shapes of the segment rule language (docs/segments.md) that the visual builder edits. The builder
 * works on the rule's JSON itself: each node it recognises gets a form, anything else (a list of kinds, two
 * operators in one comparison, item attributes, `during`) keeps its JSON and is edited as text, so opening
 * and saving a rule never changes what the form does not show.
 */
import type { Comparison, NumberComparison, PredictionField, ProfileCondition, RfmSegmentName, SegmentRule } from '../../src/segments/index.ts'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The one key of a single-key object (`{ all: [...] }` → 'all'), or null. */
export function onlyKey(node: unknown): string | null {
  if (!isObject(node)) return null
  const keys = Object.keys(node)
  return keys.length === 1 ? keys[0]! : null
}

const only = (o: JsonObject, allowed: readonly string[]) => Object.keys(o).every((k) => allowed.includes(k))

export const NUMBER_OPS = [
  { value: 'gte', label: 'at least' },
  { value: 'gt', label: 'more than' },
  { value: 'eq', label: 'exactly' },
  { value: 'neq', label: 'not' },
  { value: 'lte', label: 'at most' },
  { value: 'lt', label: 'less than' },
] as const satisfies readonly { value: keyof NumberComparison; label: string }[]
export const VALUE_OPS = [
  { value: 'eq', label: 'is' },
  { value: 'neq', label: 'is not' },
  { value: 'contains', label: 'contains' },
  { value: 'gte', label: 'at least' },
  { value: 'gt', label: 'more than' },
  { value: 'lte', label: 'at most' },
  { value: 'lt', label: 'less than' },
  { value: 'exists', label: 'is set' },
] as const satisfies readonly { value: keyof Comparison; label: string }[]
const NUMBER_OP_NAMES: readonly string[] = NUMBER_OPS.map((o) => o.value)
const VALUE_OP_NAMES: readonly string[] = VALUE_OPS.map((o) => o.value)

/** The one operator of a comparison beside `extra` fields (`{ path, gte: 2 }` → gte), or null when not exactly one. */
export function singleOp(o: JsonObject, numeric: boolean, extra: readonly string[] = []): string | null {
  const ops = Object.keys(o).filter((k) => !extra.includes(k))
  if (ops.length !== 1) return null
  const op = ops[0]!
  const value = o[op]
  // A number still being typed ("1e", "lots") stays in the form, which shows the check's error beside it.
  const numberish = typeof value === 'number' || typeof value === 'string'
  if (numeric) return NUMBER_OP_NAMES.includes(op) && numberish ? op : null
  if (!VALUE_OP_NAMES.includes(op)) return null
  if (op === 'exists') return typeof value === 'boolean' ? op : null
  if (['gt', 'gte', 'lt', 'lte'].includes(op)) return numberish ? op : null
  return value === null || ['string', 'number', 'boolean'].includes(typeof value) ? op : null
}

const numberCmp = (v: Json | undefined) => isObject(v) && singleOp(v, true) !== null
export const DURATION = /^(\d+)(m|h|d|w)$/
const duration = (v: Json | undefined) => typeof v === 'string' && DURATION.test(v)
const text = (v: Json | undefined) => typeof v === 'string'

/** An event condition the form shows: one kind, one name, single-operator comparisons, a window. */
function isFormEvent(e: JsonObject, fields: readonly string[] = ['kind', 'name', 'where', 'item', 'count', 'within', 'from', 'to']): boolean {
  if (!only(e, fields)) return false
  if (e.kind !== undefined && !text(e.kind)) return false
  if (e.name !== undefined && !text(e.name)) return false
  if (e.count !== undefined && !numberCmp(e.count)) return false
  if (e.within !== undefined && !duration(e.within)) return false
  if ((e.from !== undefined && !text(e.from)) || (e.to !== undefined && !text(e.to))) return false
  if (e.where !== undefined && !(Array.isArray(e.where) && e.where.every((c) => isObject(c) && text(c.path) && singleOp(c, false, ['path']) !== null))) return false
  if (e.item !== undefined) {
    const item = e.item
    if (!isObject(item) || !only(item, ['category', 'brand', 'price'])) return false
    if ((item.category !== undefined && !text(item.category)) || (item.brand !== undefined && !text(item.brand))) return false
    if (item.price !== undefined && !numberCmp(item.price)) return false
  }
  return true
}

const MATCH_FIELDS = ['kind', 'name', 'where', 'item'] as const

/** "Did X and then did not do Y within a timeout", with both events in the form's shape. */
function isFormAbandonment(a: JsonObject): boolean {
  if (!only(a, ['did', 'thenNot', 'timeout', 'sameItem', 'count', 'within', 'from', 'to'])) return false
  if (!isObject(a.did) || !isFormEvent(a.did, MATCH_FIELDS) || !isObject(a.thenNot) || !isFormEvent(a.thenNot, MATCH_FIELDS)) return false
  if (!duration(a.timeout) || (a.within !== undefined && !duration(a.within))) return false
  if ((a.from !== undefined && !text(a.from)) || (a.to !== undefined && !text(a.to))) return false
  return (a.sameItem === undefined || typeof a.sameItem === 'boolean') && (a.count === undefined || numberCmp(a.count))
}

export const PROFILE_FIELDS = [
  { value: 'orders', label: 'Orders' },
  { value: 'revenue', label: 'Revenue' },
  { value: 'lastOrder', label: 'Last order' },
  { value: 'firstOrder', label: 'First order' },
  { value: 'lastSeen', label: 'Last seen' },
  { value: 'consent', label: 'Consent for a purpose' },
  { value: 'trait', label: 'A trait (from identify)' },
  { value: 'topCategory', label: 'Top affinity category' },
] as const satisfies readonly { value: Exclude<keyof ProfileCondition, 'rfm'>; label: string }[]

/** A profile condition on one field (the form edits one; several in one object stay JSON). */
function isFormProfile(p: JsonObject): boolean {
  const field = onlyKey(p)
  const v = field === null ? undefined : p[field]
  switch (field) {
    case 'orders':
    case 'revenue':
      return numberCmp(v)
    case 'lastOrder':
    case 'firstOrder':
    case 'lastSeen': {
      const k = onlyKey(v)
      return isObject(v) && (k === 'within' || k === 'olderThan') && duration(v[k])
    }
    case 'consent':
      return text(v)
    case 'trait':
      return isObject(v) && text(v.name) && singleOp(v, false, ['name']) !== null
    case 'topCategory':
      return isObject(v) && only(v, ['category', 'rank']) && text(v.category) && (v.rank === undefined || typeof v.rank === 'number')
    default:
      return false
  }
}

export const RFM_SEGMENTS = ['Premium Customer', 'Repeat Customer', 'Top Spender', 'At Risk Customer', 'Inactive Customer', 'Other'] as const satisfies readonly RfmSegmentName[]

export const PREDICTION_FIELDS = [
  { value: 'percentile', label: 'CLV percentile (0–1: the share of buyers predicted to spend less)' },
  { value: 'predictedValue12m', label: 'Predicted value, next 12 months' },
  { value: 'probabilityAlive', label: 'Probability of being active (0–1)' },
  { value: 'expectedOrders90', label: 'Expected orders, next 90 days' },
  { value: 'expectedOrders365', label: 'Expected orders, next 365 days' },
] as const satisfies readonly { value: PredictionField; label: string }[]

export type NodeKind = 'all' | 'any' | 'not' | 'event' | 'abandonment' | 'profile' | 'rfm' | 'prediction' | 'computed' | 'segment' | 'json'

/** Which form edits this node ('json': none, edited as text). */
export function kindOf(node: unknown): NodeKind {
  const key = onlyKey(node)
  const v = key === null ? undefined : (node as JsonObject)[key]
  if ((key === 'all' || key === 'any') && Array.isArray(v)) return key
  if (!isObject(v)) return 'json'
  switch (key) {
    case 'not':
      return 'not'
    case 'event':
      return isFormEvent(v) ? 'event' : 'json'
    case 'abandonment':
      return isFormAbandonment(v) ? 'abandonment' : 'json'
    case 'profile': {
      const rfm = v.rfm
      if (onlyKey(v) === 'rfm' && isObject(rfm) && onlyKey(rfm) === 'segment' && text(rfm.segment)) return 'rfm'
      return isFormProfile(v) ? 'profile' : 'json'
    }
    case 'prediction': {
      const field = onlyKey(v)
      return field !== null && PREDICTION_FIELDS.some((f) => f.value === field) && numberCmp(v[field]) ? 'prediction' : 'json'
    }
    case 'computed':
      return text(v.key) && singleOp(v, false, ['key']) !== null ? 'computed' : 'json'
    case 'segment':
      return onlyKey(v) === 'key' && text(v.key) ? 'segment' : 'json'
    default:
      return 'json'
  }
}

/**
 * What "Add condition" puts in a group, by the kind chosen; typed against the language's own types, so a
 * change there fails the dashboard's type check here.
 */
const BLANKS = {
  all: { all: [] },
  any: { any: [] },
  not: { not: { event: { kind: 'order_completed', within: '30d' } } },
  event: { event: { kind: 'product_viewed', within: '14d' } },
  abandonment: { abandonment: { did: { kind: 'product_added' }, thenNot: { kind: 'order_completed' }, timeout: '4h', within: '7d' } },
  profile: { profile: { orders: { gte: 1 } } },
  rfm: { profile: { rfm: { segment: 'Premium Customer' } } },
  prediction: { prediction: { percentile: { gte: 0.8 } } },
  computed: { computed: { key: '', gte: 1 } },
  segment: { segment: { key: '' } },
} as const satisfies Record<Exclude<NodeKind, 'json'>, SegmentRule>

export function blank(kind: Exclude<NodeKind, 'json'>): JsonObject {
  return structuredClone(BLANKS[kind]) as unknown as JsonObject
}

export const KIND_NAMES: Record<NodeKind, string> = {
  all: 'All of (and)',
  any: 'Any of (or)',
  not: 'Not',
  event: 'Event',
  abandonment: 'Did, then did not (abandonment)',
  profile: 'Profile',
  rfm: 'RFM segment',
  prediction: 'Prediction (CLV)',
  computed: 'Computed trait',
  segment: 'Member of a segment',
  json: 'JSON',
}

/** The rule a new segment starts from: people who viewed a product in the last 14 days. */
export const STARTER_RULE: JsonObject = { all: [blank('event')] }
