/**
 * Turns a checked segment rule into an evaluator: a pure function of one person's facts and `now` that
 * says whether they are in, and the earliest time that answer could change without a new event
 * (`recheckAt`), plus what the rule needs loaded (`needs`) and whether consent gates it.
 *
 * recheckAt of a group: `all` that is false keeps the first false child's time (it stays false at least
 * until then, whatever the others do); a true `all` takes the earliest of its children; `any` mirrors it;
 * `not` keeps its child's. Predictions, computed traits and other segments report none here: they change
 * when the engine rewrites them (a training run, the trait's own recheck, the other segment's), and the
 * engine re-evaluates a person at the earliest recheck of all their definitions.
 */
import type { EventKind } from '../core/index.ts'
import { rankAffinities } from '../profiles/index.ts'
import type { SegmentDefinitionRecord } from '../storage/index.ts'
import { compileMatch, compileWindow, inWindow, lookbackOf, matchingEvents, minTime, type TimeWindow, windowChange } from './event-match.ts'
import type { Evaluation, FactNeeds, PersonFacts, ProfileField } from './facts.ts'
import { checkSegmentRule } from './rule-check.ts'
import { durationMs, parseDate } from './rule-time.ts'
import type { AbandonmentCondition, DateCondition, EventCondition, PredictionCondition, ProfileCondition, SegmentRule } from './rule-types.ts'
import { compareNumber, compileComparison } from './rule-values.ts'

export interface CompileOptions {
  /** The affinity half-life (config `affinityHalfLifeDays`), for ranking top categories; default 30 days. */
  halfLifeMs?: number
  /** The catalogue's sensitive marks at compile time, for the `sensitive` flag (evaluation asks the facts). */
  isSensitive?: (path: string) => boolean
}

/** A reference to another definition, with the field naming it (for the cycle and unknown-key errors). */
export interface Reference {
  kind: 'segment' | 'trait'
  key: string
  field: string
}

export interface CompiledSegment {
  id: string
  key: string
  kind: 'segment'
  needs: FactNeeds
  /** Built on inferred interests: false for everyone without personalization consent. */
  inferred: boolean
  /** Names a category `options.isSensitive` marks sensitive (evaluation checks the facts' marks either way). */
  sensitive: boolean
  /** The category paths the rule names; any of them sensitive means false without `sensitive` consent. */
  categories: readonly string[]
  references: readonly Reference[]
  evaluate(facts: PersonFacts, now: number): Evaluation<boolean>
}

type Node = (f: PersonFacts, now: number) => Evaluation<boolean>

const ownValue = (o: Readonly<Record<string, unknown>>, key: string) => (Object.hasOwn(o, key) ? o[key] : undefined)

const never: Evaluation<boolean> = { value: false, recheckAt: null }
const result = (value: boolean, recheckAt: number | null = null): Evaluation<boolean> => ({ value, recheckAt })

function allOf(nodes: Node[]): Node {
  return (f, now) => {
    let recheckAt: number | null = null
    for (const n of nodes) {
      const r = n(f, now)
      if (!r.value) return r
      recheckAt = minTime(recheckAt, r.recheckAt)
    }
    return result(true, recheckAt)
  }
}

function anyOf(nodes: Node[]): Node {
  return (f, now) => {
    let recheckAt: number | null = null
    for (const n of nodes) {
      const r = n(f, now)
      if (r.value) return r
      recheckAt = minTime(recheckAt, r.recheckAt)
    }
    return result(false, recheckAt)
  }
}

class Builder {
  kinds: Set<EventKind> | null = new Set()
  lookbackMs = 0
  segments = new Set<string>()
  traits = new Set<string>()
  prediction = false
  rfm = false
  inferred = false
  profileFields = new Set<ProfileField>()
  categories: string[] = []
  references: Reference[] = []
  halfLifeMs: number

  constructor(options: CompileOptions) {
    this.halfLifeMs = options.halfLifeMs ?? 30 * 86_400_000
  }

  addKinds(kinds: readonly EventKind[] | null): void {
    if (kinds === null) this.kinds = null
    else if (this.kinds) for (const k of kinds) this.kinds.add(k)
  }

  node(rule: SegmentRule, field: string): Node {
    if ('all' in rule) return allOf(rule.all.map((r, i) => this.node(r, `${field}.all[${i}]`)))
    if ('any' in rule) return anyOf(rule.any.map((r, i) => this.node(r, `${field}.any[${i}]`)))
    if ('not' in rule) {
      const child = this.node(rule.not, `${field}.not`)
      return (f, now) => {
        const r = child(f, now)
        return result(!r.value, r.recheckAt)
      }
    }
    if ('event' in rule) return this.event(rule.event)
    if ('abandonment' in rule) return this.abandonment(rule.abandonment)
    if ('profile' in rule) return this.profile(rule.profile)
    if ('prediction' in rule) return this.predictionNode(rule.prediction)
    if ('computed' in rule) {
      const c = rule.computed
      const holds = compileComparison(c)
      this.traits.add(c.key)
      this.references.push({ kind: 'trait', key: c.key, field: `${field}.computed.key` })
      return (f) => {
        const v = f.traits.get(c.key)
        return result(holds(v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]))
      }
    }
    if ('segment' in rule) {
      const key = rule.segment.key
      this.segments.add(key)
      this.references.push({ kind: 'segment', key, field: `${field}.segment.key` })
      return (f) => result(f.memberOf.has(key))
    }
    const from = rule.during.from === undefined ? -Infinity : parseDate(rule.during.from)!
    const to = rule.during.to === undefined ? Infinity : parseDate(rule.during.to)!
    return (_f, now) => result(now >= from && now < to, now < from ? from : now < to && to !== Infinity ? to : null)
  }

  window(w: TimeWindow, m: { kinds: EventKind[] | null; categories: string[]; inferred: boolean }): void {
    this.lookbackMs = Math.max(this.lookbackMs, lookbackOf(w))
    this.addKinds(m.kinds)
    this.categories.push(...m.categories)
    if (m.inferred) this.inferred = true
  }

  event(c: EventCondition): Node {
    const m = compileMatch(c)
    const w = compileWindow(c)
    this.window(w, m)
    const count = c.count ?? { gte: 1 }
    return (f, now) => {
      const { events, recheckAt } = matchingEvents(f, m, w, now)
      return result(compareNumber(events.length, count), recheckAt)
    }
  }

  abandonment(a: AbandonmentCondition): Node {
    const did = compileMatch(a.did)
    const then = compileMatch(a.thenNot)
    const w = compileWindow(a)
    const timeout = durationMs(a.timeout)
    this.window(w, did)
    this.window(w, then)
    const count = a.count ?? { gte: 1 }
    return (f, now) => {
      let abandoned = 0
      let recheckAt: number | null = null
      const events = f.events
      const gone = w.slideMs === null ? -Infinity : now - w.slideMs
      for (let i = 0; i < events.length; i++) {
        const x = events[i]!
        if (x.timestamp < gone || x.timestamp < w.fromMs || x.timestamp >= w.toMs || !did.test(x, f.items)) continue
        const deadline = x.timestamp + timeout
        const xItems = a.sameItem ? new Set([...(x.data.products ?? []).map((l) => l.itemId), ...(x.itemId ? [x.itemId] : [])]) : null
        let answered = false
        // Events are in time order, so the answer is among the following ones up to the deadline.
        for (let j = i + 1; j < events.length && events[j]!.timestamp <= deadline && !answered; j++) {
          const y = events[j]!
          if (!then.test(y, f.items)) continue
          answered = xItems === null || (y.data.products ?? []).some((l) => xItems.has(l.itemId)) || (y.itemId !== null && xItems.has(y.itemId))
        }
        if (answered) continue
        if (now <= deadline) recheckAt = minTime(recheckAt, deadline + 1)
        else if (inWindow(x.timestamp, now, w)) abandoned += 1
        recheckAt = minTime(recheckAt, windowChange(x.timestamp, now, w))
      }
      return result(compareNumber(abandoned, count), recheckAt)
    }
  }

  profile(p: ProfileCondition): Node {
    const parts: Node[] = []
    const fields = ['trait', 'orders', 'revenue', 'firstOrder', 'lastOrder', 'lastSeen', 'topCategory'] as const
    for (const k of fields) if (p[k] !== undefined) this.profileFields.add(k)
    if (p.consent !== undefined) this.profileFields.add(`consent:${p.consent}`)
    if (p.trait) {
      const t = p.trait
      const holds = compileComparison(t)
      parts.push((f) => {
        const v = ownValue(f.state.traits, t.name)
        return result(holds(v === undefined ? [] : [v]))
      })
    }
    if (p.consent !== undefined) {
      const purpose = p.consent
      parts.push((f) => result(f.consents(purpose)))
    }
    if (p.orders) {
      const c = p.orders
      parts.push((f) => result(compareNumber(f.state.orders.count, c)))
    }
    if (p.revenue) {
      const c = p.revenue
      parts.push((f) => result(compareNumber(f.state.orders.revenue, c)))
    }
    if (p.firstOrder) parts.push(dateNode(p.firstOrder, (f) => f.state.orders.first))
    if (p.lastOrder) parts.push(dateNode(p.lastOrder, (f) => f.state.orders.last))
    if (p.lastSeen) parts.push(dateNode(p.lastSeen, (f) => (f.state.events > 0 ? f.state.lastSeen : null)))
    if (p.rfm) {
      this.rfm = true
      const codes = p.rfm.code === undefined ? null : [p.rfm.code].flat()
      const names = p.rfm.segment === undefined ? null : ([p.rfm.segment].flat() as string[])
      parts.push((f) => result(f.rfm !== null && (codes === null || codes.includes(f.rfm.code)) && (names === null || names.includes(f.rfm.segment))))
    }
    if (p.topCategory) {
      const { category, rank = 1 } = p.topCategory
      const depth = category.split(' > ').length
      const halfLifeMs = this.halfLifeMs
      this.inferred = true
      this.categories.push(category)
      // Every affinity decays at the same rate, so the ranking does not change with time alone.
      parts.push((f, now) => {
        const prefs = f.state.preferences.categories
        const ranked = rankAffinities(f.state.categories, prefs.liked, prefs.disliked, now, halfLifeMs, 1000).filter((a) => a.name.split(' > ').length === depth)
        const at = ranked.findIndex((a) => a.name === category)
        return result(at >= 0 && at < rank)
      })
    }
    return allOf(parts)
  }

  predictionNode(p: PredictionCondition): Node {
    this.prediction = true
    const fields = Object.entries(p) as [keyof PredictionCondition, NonNullable<PredictionCondition[keyof PredictionCondition]>][]
    return (f) => result(f.prediction !== null && fields.every(([field, c]) => compareNumber(f.prediction![field], c)))
  }
}

/** A profile date condition; its answer flips when `now` passes date + within or date + olderThan. */
function dateNode(c: DateCondition, dateOf: (f: PersonFacts) => number | null): Node {
  const within = c.within === undefined ? null : durationMs(c.within)
  const olderThan = c.olderThan === undefined ? null : durationMs(c.olderThan)
  const from = c.from === undefined ? -Infinity : parseDate(c.from)!
  const to = c.to === undefined ? Infinity : parseDate(c.to)!
  return (f, now) => {
    const d = dateOf(f)
    if (d === null || d < from || d >= to) return never
    let recheckAt: number | null = null
    if (within !== null && now <= d + within) recheckAt = d + within + 1
    if (olderThan !== null && now <= d + olderThan) recheckAt = minTime(recheckAt, d + olderThan + 1)
    const value = (within === null || d >= now - within) && (olderThan === null || d < now - olderThan)
    return result(value, recheckAt)
  }
}

/** Compiles a stored segment definition; throws when its rule does not pass the check (stored rules did). */
export function compileSegment(record: Pick<SegmentDefinitionRecord, 'id' | 'key' | 'definition'>, options: CompileOptions = {}): CompiledSegment {
  const checked = checkSegmentRule(record.definition)
  if (!checked.ok) throw new Error(`segment ${record.key}: ${checked.field}: ${checked.message}`)
  const b = new Builder(options)
  const root = b.node(checked.value, 'rule')
  const categories = [...new Set(b.categories)]
  const inferred = b.inferred
  return {
    id: record.id,
    key: record.key,
    kind: 'segment',
    needs: { lookbackMs: b.lookbackMs, kinds: b.kinds ? [...b.kinds].sort() : null, segments: [...b.segments], traits: [...b.traits], prediction: b.prediction, rfm: b.rfm, profileFields: [...b.profileFields].sort() },
    inferred,
    sensitive: options.isSensitive !== undefined && categories.some(options.isSensitive),
    categories,
    references: b.references,
    evaluate(facts, now) {
      if (inferred && !facts.consents('personalization')) return never
      if (categories.some((c) => facts.isSensitive(c)) && !facts.consents('sensitive')) return never
      return root(facts, now)
    },
  }
}
