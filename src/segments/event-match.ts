/**
 * Event matching and windows, shared by event conditions, the abandonment shape and computed traits.
 *
 * Time rules (docs/segments.md, "Windows"): at time `now` an event counts when its time is at most `now`
 * (an event stamped ahead of the server counts from its time on), at least `now - within` (an event exactly
 * 14 days old is still "within 14d"; it leaves one millisecond later), at or after `from` and before `to`.
 */
import type { EventKind, StoredEvent } from '../core/index.ts'
import type { FactItem, PersonFacts } from './facts.ts'
import { durationMs, parseDate } from './rule-time.ts'
import type { EventMatch, EventWindow } from './rule-types.ts'
import { compareNumber, compileComparison, itemsOf, underCategory, valuesAt, walk } from './rule-values.ts'

/** Kinds that are facts (cart, orders): filtering them on items is not inference. */
const FACT_KINDS: ReadonlySet<EventKind> = new Set(['product_added', 'product_removed', 'cart_viewed', 'checkout_started', 'order_completed', 'order_refunded', 'order_cancelled'])

/** Some of these kinds (null: any) are browsing rather than cart or order facts. */
export const includesBrowsing = (kinds: readonly EventKind[] | null) => kinds === null || kinds.some((k) => !FACT_KINDS.has(k))

/**
 * The engine's own Audience Entered / Exited events match only a condition that names their kind: a rule
 * such as "any event in the last 7 days" must not keep someone in because they entered it.
 */
const ENGINE_KINDS: ReadonlySet<string> = new Set(['audience_entered', 'audience_exited'])

export const list = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v])

export interface CompiledMatch {
  test(e: StoredEvent, items: ReadonlyMap<string, FactItem>): boolean
  /** The kinds it can match, null for any. */
  kinds: EventKind[] | null
  /** Category paths it names (for the sensitive-category gate). */
  categories: string[]
  /** It reads browsing behaviour's item categories, brands or attributes (needs personalization consent). */
  inferred: boolean
  /** It needs catalogue facts of the events' items. */
  usesItems: boolean
}

/** A path that reads what an item is (category, brand, attributes): an interest when read off browsing. */
export const readsInterest = (path: string) => /^item\.(category|brand|attributes)(\.|$)/.test(path)
const namesCategory = (path: string) => /(^|\.)(category|categories)$/.test(path)

export function compileMatch(m: EventMatch): CompiledMatch {
  const kinds = list(m.kind)
  const names = list(m.name)
  const where = m.where ?? []
  const conditions = where.map((c) => ({ parts: c.path.split('.'), holds: compileComparison(c) }))
  const attributes = (m.item?.attributes ?? []).map((c) => ({ parts: c.path.split('.'), holds: compileComparison(c) }))
  const item = m.item
  const ids = list(item?.id)
  const cats = list(item?.category)
  const brands = list(item?.brand)
  const browsing = includesBrowsing(kinds ?? null)
  const interest = (item !== undefined && (cats !== undefined || brands !== undefined || item.attributes !== undefined)) || where.some((c) => readsInterest(c.path))
  const categories = [...(cats ?? [])]
  for (const c of where) {
    if (!namesCategory(c.path)) continue
    for (const v of [c.eq, c.contains, ...(c.in ?? [])]) if (typeof v === 'string') categories.push(v)
  }
  const itemMatches = (i: FactItem) =>
    (ids === undefined || ids.includes(i.id)) &&
    (cats === undefined || cats.some((c) => i.categories.some((ic) => underCategory(ic, c)))) &&
    (brands === undefined || (i.brand !== null && brands.includes(i.brand))) &&
    (item?.price === undefined || compareNumber(i.price, item.price)) &&
    attributes.every((a) => a.holds(walk(i.attributes, a.parts)))
  return {
    kinds: kinds ?? null,
    categories,
    inferred: interest && browsing,
    usesItems: item !== undefined || where.some((c) => c.path.startsWith('item.')),
    test(e, items) {
      if (kinds === undefined ? ENGINE_KINDS.has(e.kind) : !kinds.includes(e.kind)) return false
      if (names !== undefined && (e.event === null || !names.includes(e.event))) return false
      for (const c of conditions) if (!c.holds(valuesAt(e, c.parts, items))) return false
      return item === undefined || itemsOf(e, items).some(itemMatches)
    },
  }
}

export interface TimeWindow {
  /** Sliding length (ms), or null. */
  slideMs: number | null
  fromMs: number
  toMs: number
}

export function compileWindow(w: EventWindow): TimeWindow {
  return {
    slideMs: w.within === undefined ? null : durationMs(w.within),
    fromMs: w.from === undefined ? -Infinity : parseDate(w.from)!,
    toMs: w.to === undefined ? Infinity : parseDate(w.to)!,
  }
}

/** How far back events are needed for this window (Infinity for all time or an absolute start). */
export const lookbackOf = (w: TimeWindow) => (w.slideMs !== null ? w.slideMs : Infinity)

export function inWindow(t: number, now: number, w: TimeWindow): boolean {
  return t <= now && t >= w.fromMs && t < w.toMs && (w.slideMs === null || t >= now - w.slideMs)
}

/** The first time after `now` at which an event at `t` enters or leaves the window, or null. */
export function windowChange(t: number, now: number, w: TimeWindow): number | null {
  if (t < w.fromMs || t >= w.toMs) return null
  if (t > now) return t
  if (w.slideMs !== null && t + w.slideMs >= now) return t + w.slideMs + 1
  return null
}

export const minTime = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b))

/** The events matching `m` in the window at `now`, and the first time that set can change by time alone. */
export function matchingEvents(facts: PersonFacts, m: CompiledMatch, w: TimeWindow, now: number): { events: StoredEvent[]; recheckAt: number | null } {
  const events: StoredEvent[] = []
  let recheckAt: number | null = null
  const gone = w.slideMs === null ? -Infinity : now - w.slideMs
  for (const e of facts.events) {
    const t = e.timestamp
    // Out of the window for good (too old, or outside the dates): no need to match it.
    if (t < gone || t < w.fromMs || t >= w.toMs) continue
    if (!m.test(e, facts.items)) continue
    recheckAt = minTime(recheckAt, windowChange(e.timestamp, now, w))
    if (inWindow(e.timestamp, now, w)) events.push(e)
  }
  return { events, recheckAt }
}
