/**
 * Checks a segment rule or a trait definition as staff sent it (JSON) and names the first bad field as a
 * path such as `rule.all[2].event.within`, with a message saying what is wrong and what is expected.
 * Limits keep a rule cheap to evaluate for every person on every event.
 */
import { EVENT_KINDS, MAX_NESTING, tooDeepAt } from '../core/index.ts'
import { parseDate, parseDuration } from './rule-time.ts'
import { PREDICTION_FIELDS, RFM_SEGMENT_NAMES, type SegmentRule, TRAIT_TYPES, type TraitDefinition } from './rule-types.ts'

export type CheckResult<T> = { ok: true; value: T } | { ok: false; field: string; message: string }

/** Levels of all / any / not. */
export const MAX_RULE_DEPTH = 8
/** Conditions and groups in one rule. */
export const MAX_RULE_NODES = 100
export const MAX_LIST = 500
export const MAX_TEXT = 500
export const MAX_PATH_SEGMENTS = 12

class Problem {
  constructor(
    readonly field: string,
    readonly message: string,
  ) {}
}

const fail = (field: string, message: string): never => {
  throw new Problem(field, message)
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 60) ?? String(v)

function object(v: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (!isObject(v)) fail(field, `must be an object, got ${show(v)}`)
  const o = v as Record<string, unknown>
  for (const key of Object.keys(o)) if (!allowed.includes(key)) fail(`${field}.${key}`, `unknown field "${key}"; expected one of ${allowed.join(', ')}`)
  return o
}

function text(v: unknown, field: string, max = MAX_TEXT): string {
  if (typeof v !== 'string' || v.length === 0) fail(field, `must be a non-empty string, got ${show(v)}`)
  const s = v as string
  if (s.length > max) fail(field, `is longer than ${max} characters`)
  return s
}

/** A string or a non-empty list of strings, each checked by `each`. */
function oneOrMany(v: unknown, field: string, each: (s: unknown, field: string) => void): void {
  if (!Array.isArray(v)) return each(v, field)
  if (v.length === 0) fail(field, 'must not be an empty list')
  if (v.length > MAX_LIST) fail(field, `lists at most ${MAX_LIST} values`)
  v.forEach((s, i) => each(s, `${field}[${i}]`))
}

function duration(v: unknown, field: string): void {
  const parsed = parseDuration(v)
  if (typeof parsed === 'string') fail(field, parsed)
}

function date(v: unknown, field: string): void {
  if (parseDate(v) === null) fail(field, `must be an ISO 8601 date such as "2026-11-27" or "2026-11-27T09:00:00Z", got ${show(v)}`)
}

function window(o: Record<string, unknown>, field: string): void {
  if (o.within !== undefined) duration(o.within, `${field}.within`)
  if (o.from !== undefined) date(o.from, `${field}.from`)
  if (o.to !== undefined) date(o.to, `${field}.to`)
  if (o.from !== undefined && o.to !== undefined && parseDate(o.from)! >= parseDate(o.to)!) fail(`${field}.to`, 'must be after from')
}

const NUMBER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const
const VALUE_OPS = [...NUMBER_OPS, 'in', 'contains', 'exists'] as const

function numberComparison(v: unknown, field: string): void {
  const o = object(v, field, NUMBER_OPS)
  if (Object.keys(o).length === 0) fail(field, `needs an operator: ${NUMBER_OPS.join(', ')}`)
  for (const op of Object.keys(o)) if (typeof o[op] !== 'number' || !Number.isFinite(o[op])) fail(`${field}.${op}`, `must be a finite number, got ${show(o[op])}`)
}

const isScalar = (v: unknown) => v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= MAX_TEXT)

/** The operators of a value condition, beside the fields in `extra` (path, key, name). */
function comparison(v: unknown, field: string, extra: readonly string[]): Record<string, unknown> {
  const o = object(v, field, [...extra, ...VALUE_OPS])
  const ops = Object.keys(o).filter((k) => !extra.includes(k))
  if (ops.length === 0) fail(field, `needs an operator: ${VALUE_OPS.join(', ')}`)
  for (const op of ops) {
    const value = o[op]
    const at = `${field}.${op}`
    if (op === 'eq' || op === 'neq') {
      if (!isScalar(value)) fail(at, `must be a string, number, boolean or null, got ${show(value)}`)
    } else if (op === 'in') {
      if (!Array.isArray(value) || value.length === 0) fail(at, 'must be a non-empty list of values')
      const list = value as unknown[]
      if (list.length > MAX_LIST) fail(at, `lists at most ${MAX_LIST} values`)
      list.forEach((x, i) => isScalar(x) || fail(`${at}[${i}]`, `must be a string, number, boolean or null, got ${show(x)}`))
    } else if (op === 'contains') {
      if (!isScalar(value) || value === null) fail(at, `must be a string, number or boolean, got ${show(value)}`)
    } else if (op === 'exists') {
      if (typeof value !== 'boolean') fail(at, `must be true or false, got ${show(value)}`)
    } else if (typeof value !== 'number' || !Number.isFinite(value)) fail(at, `must be a finite number, got ${show(value)}`)
  }
  return o
}

function path(v: unknown, field: string): void {
  const s = text(v, field, 200)
  const parts = s.split('.')
  if (parts.some((p) => p === '')) fail(field, `"${s}" is not a path: segments joined by dots, such as "properties.coupon"`)
  if (parts.length > MAX_PATH_SEGMENTS) fail(field, `has more than ${MAX_PATH_SEGMENTS} segments`)
}

function propertyConditions(v: unknown, field: string): void {
  if (!Array.isArray(v) || v.length === 0) fail(field, 'must be a non-empty list of conditions ({ "path": ..., "eq": ... })')
  const list = v as unknown[]
  if (list.length > 50) fail(field, 'lists at most 50 conditions')
  list.forEach((c, i) => {
    const o = comparison(c, `${field}[${i}]`, ['path'])
    path(o.path, `${field}[${i}].path`)
  })
}

function kind(v: unknown, field: string): void {
  if (typeof v !== 'string' || !(EVENT_KINDS as readonly string[]).includes(v)) fail(field, `unknown event kind ${show(v)}; known kinds: ${EVENT_KINDS.join(', ')}`)
}

function itemCondition(v: unknown, field: string): void {
  const o = object(v, field, ['id', 'category', 'brand', 'price', 'attributes'])
  if (Object.keys(o).length === 0) fail(field, 'needs at least one of id, category, brand, price, attributes')
  for (const key of ['id', 'category', 'brand'] as const) if (o[key] !== undefined) oneOrMany(o[key], `${field}.${key}`, (s, f) => text(s, f))
  if (o.price !== undefined) numberComparison(o.price, `${field}.price`)
  if (o.attributes !== undefined) propertyConditions(o.attributes, `${field}.attributes`)
}

const MATCH_FIELDS = ['kind', 'name', 'where', 'item'] as const

function eventMatch(o: Record<string, unknown>, field: string): void {
  if (o.kind !== undefined) oneOrMany(o.kind, `${field}.kind`, kind)
  if (o.name !== undefined) oneOrMany(o.name, `${field}.name`, (s, f) => text(s, f, 200))
  if (o.where !== undefined) propertyConditions(o.where, `${field}.where`)
  if (o.item !== undefined) itemCondition(o.item, `${field}.item`)
}

function dateCondition(v: unknown, field: string): void {
  const o = object(v, field, ['within', 'olderThan', 'from', 'to'])
  if (Object.keys(o).length === 0) fail(field, 'needs within, olderThan, from or to')
  window(o, field)
  if (o.olderThan !== undefined) duration(o.olderThan, `${field}.olderThan`)
}

const PROFILE_FIELDS = ['trait', 'consent', 'orders', 'revenue', 'firstOrder', 'lastOrder', 'lastSeen', 'rfm', 'topCategory'] as const

function profileCondition(v: unknown, field: string): void {
  const o = object(v, field, PROFILE_FIELDS)
  if (Object.keys(o).length === 0) fail(field, `needs at least one of ${PROFILE_FIELDS.join(', ')}`)
  if (o.trait !== undefined) text(comparison(o.trait, `${field}.trait`, ['name']).name, `${field}.trait.name`, 200)
  if (o.consent !== undefined) text(o.consent, `${field}.consent`, 100)
  for (const key of ['orders', 'revenue'] as const) if (o[key] !== undefined) numberComparison(o[key], `${field}.${key}`)
  for (const key of ['firstOrder', 'lastOrder', 'lastSeen'] as const) if (o[key] !== undefined) dateCondition(o[key], `${field}.${key}`)
  if (o.rfm !== undefined) {
    const rfm = object(o.rfm, `${field}.rfm`, ['code', 'segment'])
    if (rfm.code === undefined && rfm.segment === undefined) fail(`${field}.rfm`, 'needs code or segment')
    if (rfm.code !== undefined) {
      oneOrMany(rfm.code, `${field}.rfm.code`, (s, f) => (typeof s === 'string' && /^[1-4]{3}$/.test(s)) || fail(f, `must be a three-digit RFM code of quartiles 1 to 4 such as "434", got ${show(s)}`))
    }
    if (rfm.segment !== undefined) {
      oneOrMany(rfm.segment, `${field}.rfm.segment`, (s, f) => (RFM_SEGMENT_NAMES as readonly unknown[]).includes(s) || fail(f, `unknown RFM segment ${show(s)}; expected one of ${RFM_SEGMENT_NAMES.join(', ')}`))
    }
  }
  if (o.topCategory !== undefined) {
    const top = object(o.topCategory, `${field}.topCategory`, ['category', 'rank'])
    text(top.category, `${field}.topCategory.category`)
    if (top.rank !== undefined && !(Number.isInteger(top.rank) && (top.rank as number) >= 1 && (top.rank as number) <= 20)) {
      fail(`${field}.topCategory.rank`, `must be a whole number from 1 to 20, got ${show(top.rank)}`)
    }
  }
}

const KEY = /^[a-z][a-z0-9_]{0,63}$/

function key(v: unknown, field: string): void {
  if (typeof v !== 'string' || !KEY.test(v)) fail(field, `must be a snake_case key (a-z, 0-9, _; starting with a letter; at most 64), got ${show(v)}`)
}

const RULE_KINDS = ['all', 'any', 'not', 'event', 'abandonment', 'profile', 'computed', 'prediction', 'segment', 'during'] as const

function rule(v: unknown, field: string, depth: number, count: { nodes: number }): void {
  if (!isObject(v)) fail(field, `must be an object with one of ${RULE_KINDS.join(', ')}, got ${show(v)}`)
  const keys = Object.keys(v as object)
  if (keys.length !== 1) fail(field, `must have exactly one of ${RULE_KINDS.join(', ')}; got ${keys.length === 0 ? 'none' : keys.join(', ')}`)
  const op = keys[0]!
  const body = (v as Record<string, unknown>)[op]
  const at = `${field}.${op}`
  if (!(RULE_KINDS as readonly string[]).includes(op)) fail(at, `unknown operator "${op}"; expected one of ${RULE_KINDS.join(', ')}`)
  if (++count.nodes > MAX_RULE_NODES) fail(field, `a rule holds at most ${MAX_RULE_NODES} conditions and groups`)
  switch (op) {
    case 'all':
    case 'any': {
      if (!Array.isArray(body) || body.length === 0) fail(at, 'must be a non-empty list of rules')
      if (depth >= MAX_RULE_DEPTH) fail(at, `groups nest at most ${MAX_RULE_DEPTH} levels deep`)
      const list = body as unknown[]
      if (list.length > 50) fail(at, 'holds at most 50 rules')
      list.forEach((r, i) => rule(r, `${at}[${i}]`, depth + 1, count))
      break
    }
    case 'not':
      if (depth >= MAX_RULE_DEPTH) fail(at, `groups nest at most ${MAX_RULE_DEPTH} levels deep`)
      rule(body, at, depth + 1, count)
      break
    case 'event': {
      const o = object(body, at, [...MATCH_FIELDS, 'within', 'from', 'to', 'count'])
      eventMatch(o, at)
      window(o, at)
      if (o.count !== undefined) numberComparison(o.count, `${at}.count`)
      break
    }
    case 'abandonment': {
      const o = object(body, at, ['did', 'thenNot', 'timeout', 'sameItem', 'within', 'from', 'to', 'count'])
      for (const part of ['did', 'thenNot'] as const) {
        if (o[part] === undefined) fail(`${at}.${part}`, 'is required (the events to match: kind, name, where, item)')
        eventMatch(object(o[part], `${at}.${part}`, MATCH_FIELDS), `${at}.${part}`)
      }
      if (o.timeout === undefined) fail(`${at}.timeout`, 'is required: how long to wait for the second event, such as "4h"')
      duration(o.timeout, `${at}.timeout`)
      if (o.within === undefined && o.from === undefined) fail(`${at}.within`, 'is required (or from): the window the first event must fall in, such as "7d"')
      window(o, at)
      if (o.sameItem !== undefined && typeof o.sameItem !== 'boolean') fail(`${at}.sameItem`, `must be true or false, got ${show(o.sameItem)}`)
      if (o.count !== undefined) numberComparison(o.count, `${at}.count`)
      break
    }
    case 'profile':
      profileCondition(body, at)
      break
    case 'computed':
      key(comparison(body, at, ['key']).key, `${at}.key`)
      break
    case 'prediction': {
      const o = object(body, at, PREDICTION_FIELDS)
      if (Object.keys(o).length === 0) fail(at, `needs at least one of ${PREDICTION_FIELDS.join(', ')}`)
      for (const f of Object.keys(o)) numberComparison(o[f], `${at}.${f}`)
      break
    }
    case 'segment':
      key(object(body, at, ['key']).key, `${at}.key`)
      break
    case 'during': {
      const o = object(body, at, ['from', 'to'])
      if (o.from === undefined && o.to === undefined) fail(at, 'needs from or to')
      window(o, at)
      break
    }
  }
}

function run<T>(value: unknown, root: string, check: () => void): CheckResult<T> {
  const deep = tooDeepAt(value, MAX_NESTING)
  if (deep) return { ok: false, field: root, message: `nests deeper than ${MAX_NESTING} levels` }
  try {
    check()
    return { ok: true, value: value as T }
  } catch (e) {
    if (e instanceof Problem) return { ok: false, field: e.field, message: e.message }
    throw e
  }
}

/** Checks a segment rule; `root` names it in the field path (`rule`, or `definition` in an API body). */
export function checkSegmentRule(value: unknown, root = 'rule'): CheckResult<SegmentRule> {
  return run(value, root, () => rule(value, root, 0, { nodes: 0 }))
}

/** Checks a computed trait definition. */
export function checkTraitDefinition(value: unknown, root = 'trait'): CheckResult<TraitDefinition> {
  return run(value, root, () => {
    const o = object(value, root, ['type', 'event', 'property', 'within', 'from', 'to'])
    if (!(TRAIT_TYPES as readonly unknown[]).includes(o.type)) fail(`${root}.type`, `unknown trait type ${show(o.type)}; expected one of ${TRAIT_TYPES.join(', ')}`)
    if (o.event === undefined) fail(`${root}.event`, 'is required (the events to look at: kind, name, where, item)')
    eventMatch(object(o.event, `${root}.event`, MATCH_FIELDS), `${root}.event`)
    if (o.type === 'counter') {
      if (o.property !== undefined) fail(`${root}.property`, 'a counter counts events; it takes no property')
    } else {
      if (o.property === undefined) fail(`${root}.property`, `is required for ${o.type} (the value path, such as "revenue" or "properties.price")`)
      path(o.property, `${root}.property`)
    }
    window(o, root)
  })
}
