/**
 * Computed traits (Segment's kinds) over the matching events of a window: a counter (0 when nothing
 * matches), sum / avg / min / max of a numeric value, the most frequent value (ties: the one seen last),
 * the first and last value, the unique values (in order of first appearance, at most 100) and their count.
 * Every other kind is null when no event has a value. recheckAt is the next time an event enters or leaves
 * the window.
 */
import type { SegmentDefinitionRecord } from '../storage/index.ts'
import { compileMatch, compileWindow, includesBrowsing, lookbackOf, matchingEvents, readsInterest } from './event-match.ts'
import type { Evaluation, FactNeeds, PersonFacts } from './facts.ts'
import { checkTraitDefinition } from './rule-check.ts'
import type { TraitType } from './rule-types.ts'
import { valuesAt } from './rule-values.ts'

export const MAX_UNIQUE_LIST = 100

export type TraitValue = number | string | boolean | (string | number | boolean)[] | null

export interface CompiledTrait {
  id: string
  key: string
  kind: 'trait'
  type: TraitType
  needs: FactNeeds
  /** Reads browsing interests (item categories, brands, attributes): null for everyone without personalization consent. */
  inferred: boolean
  categories: readonly string[]
  evaluate(facts: PersonFacts, now: number): Evaluation<TraitValue>
}

type Primitive = string | number | boolean

function aggregate(type: TraitType, values: Primitive[], count: number): TraitValue {
  if (type === 'counter') return count
  const numbers = values.filter((v): v is number => typeof v === 'number')
  switch (type) {
    case 'sum':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => a + b, 0)
    case 'avg':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => a + b, 0) / numbers.length
    case 'min':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => Math.min(a, b))
    case 'max':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => Math.max(a, b))
    case 'first':
      return values[0] ?? null
    case 'last':
      return values.at(-1) ?? null
    case 'unique_list':
      return values.length === 0 ? null : [...new Set(values)].slice(0, MAX_UNIQUE_LIST)
    case 'unique_count':
      return values.length === 0 ? null : new Set(values).size
    case 'most_frequent': {
      const counts = new Map<Primitive, { n: number; last: number }>()
      values.forEach((v, i) => counts.set(v, { n: (counts.get(v)?.n ?? 0) + 1, last: i }))
      let best: Primitive | null = null
      let bestN = 0
      let bestLast = -1
      for (const [v, { n, last }] of counts) {
        if (n > bestN || (n === bestN && last > bestLast)) [best, bestN, bestLast] = [v, n, last]
      }
      return best
    }
  }
}

const isPrimitive = (v: unknown): v is Primitive => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))

/** Compiles a stored trait definition; throws when it does not pass the check (stored ones did). */
export function compileTrait(record: Pick<SegmentDefinitionRecord, 'id' | 'key' | 'definition'>): CompiledTrait {
  const checked = checkTraitDefinition(record.definition)
  if (!checked.ok) throw new Error(`trait ${record.key}: ${checked.field}: ${checked.message}`)
  const def = checked.value
  const m = compileMatch(def.event)
  const w = compileWindow(def)
  const property = def.property
  const inferred = m.inferred || (property !== undefined && readsInterest(property) && includesBrowsing(m.kinds))
  // Category values read off events are left out when sensitive, unless the person allowed it.
  const readsCategories = property !== undefined && /(^|\.)(category|categories)$/.test(property)
  const never: Evaluation<TraitValue> = { value: def.type === 'counter' ? 0 : null, recheckAt: null }
  return {
    id: record.id,
    key: record.key,
    kind: 'trait',
    type: def.type,
    needs: { lookbackMs: lookbackOf(w), kinds: m.kinds ? [...m.kinds].sort() : null, segments: [], traits: [], prediction: false, rfm: false },
    inferred,
    categories: m.categories,
    evaluate(facts, now) {
      if (inferred && !facts.consents('personalization')) return never
      const sensitiveAllowed = facts.consents('sensitive')
      if (!sensitiveAllowed && m.categories.some((c) => facts.isSensitive(c))) return never
      const { events, recheckAt } = matchingEvents(facts, m, w, now)
      const values: Primitive[] = []
      if (property !== undefined) {
        for (const e of events) {
          for (const v of valuesAt(e, property, facts.items)) {
            if (!isPrimitive(v)) continue
            if (readsCategories && typeof v === 'string' && !sensitiveAllowed && facts.isSensitive(v)) continue
            values.push(v)
          }
        }
      }
      return { value: aggregate(def.type, values, events.length), recheckAt }
    },
  }
}
