/**
 * One evaluation pass over a set of people: every enabled definition in dependency order (traits, then
 * segments after the segments they read), compared with what is stored, giving the membership changes,
 * the trait values that changed and when each person must be looked at again. Pure: the same facts, the
 * same stored state and the same `now` give the same pass, in real time or in a recompute.
 */
import type { MembershipChange, MembershipRecord, SegmentDefinitionRecord, TraitValueRecord } from '../storage/index.ts'
import type { CompiledSegment } from './compile-segment.ts'
import type { CompiledTrait } from './compile-trait.ts'
import type { LoadPlan } from './facts-loader.ts'
import type { PersonFacts } from './facts.ts'

export type Compiled = CompiledSegment | CompiledTrait

/** The definitions as the engine evaluates them. */
export interface Definitions {
  /** Every stored definition (enabled or not), by id. */
  records: ReadonlyMap<string, SegmentDefinitionRecord>
  /** The enabled ones that compiled, in evaluation order. */
  order: readonly Compiled[]
  plan: LoadPlan
  /** Some definition reads the RFM code or a prediction, which move with the population and the model: re-evaluate daily. */
  periodic: boolean
}

export interface Pass {
  changes: MembershipChange[]
  traits: TraitValueRecord[]
  recheck: { personId: string; at: number | null }[]
}

/** The longest a person reading population-relative facts (RFM, predictions) goes without a re-evaluation. */
export const PERIODIC_MS = 86_400_000

export function evaluatePeople(defs: Definitions, personIds: readonly string[], facts: ReadonlyMap<string, PersonFacts>, memberships: readonly MembershipRecord[], traitValues: readonly TraitValueRecord[], now: number): Pass {
  const pass: Pass = { changes: [], traits: [], recheck: [] }
  const inNow = group(memberships, (m) => m.personId)
  const valuesNow = group(traitValues, (t) => t.personId)
  for (const personId of new Set(personIds)) {
    const current = inNow.get(personId) ?? []
    const stored = valuesNow.get(personId) ?? []
    const base = facts.get(personId)
    if (!base) {
      // Gone (merged into someone else, or never a root): out of every segment, no traits, no schedule.
      for (const m of current) if (defs.records.has(m.segmentId)) pass.changes.push(exit(m, defs, now))
      for (const t of stored) pass.traits.push({ traitId: t.traitId, personId, value: null, updatedAt: now })
      pass.recheck.push({ personId, at: null })
      continue
    }
    const traits = new Map<string, unknown>()
    const memberOf = new Set<string>()
    // Filled in place (not spread: the profile document is parsed only if a definition reads it).
    const person = Object.assign(base, { traits, memberOf })
    const values = new Map<string, unknown>()
    const inside = new Set<string>()
    let recheckAt: number | null = null
    for (const def of defs.order) {
      const result = def.evaluate(person, now)
      if (result.recheckAt !== null && (recheckAt === null || result.recheckAt < recheckAt)) recheckAt = result.recheckAt
      if (def.kind === 'trait') {
        const value = result.value ?? null
        traits.set(def.key, value)
        values.set(def.id, value)
      } else if (result.value === true) {
        memberOf.add(def.key)
        inside.add(def.id)
      }
    }
    const wasIn = new Set(current.map((m) => m.segmentId))
    for (const id of inside) {
      if (!wasIn.has(id)) pass.changes.push({ segmentId: id, personId, entered: true, at: now, version: defs.records.get(id)!.version })
    }
    // Out of a segment that no longer admits them, or was disabled.
    for (const m of current) if (!inside.has(m.segmentId) && defs.records.has(m.segmentId)) pass.changes.push(exit(m, defs, now))
    const before = new Map(stored.map((t) => [t.traitId, t.value]))
    for (const [traitId, value] of values) {
      if (JSON.stringify(value) !== JSON.stringify(before.get(traitId) ?? null)) pass.traits.push({ traitId, personId, value, updatedAt: now })
    }
    for (const t of stored) if (!values.has(t.traitId) && defs.records.has(t.traitId)) pass.traits.push({ traitId: t.traitId, personId, value: null, updatedAt: now })
    if (defs.periodic) recheckAt = Math.min(recheckAt ?? Infinity, now + PERIODIC_MS)
    // Never due at the moment just evaluated (the scheduler would take the person again at once).
    pass.recheck.push({ personId, at: recheckAt === null ? null : Math.max(recheckAt, now + 1) })
  }
  return pass
}

function exit(m: MembershipRecord, defs: Definitions, now: number): MembershipChange {
  return { segmentId: m.segmentId, personId: m.personId, entered: false, at: now, version: defs.records.get(m.segmentId)?.version ?? m.version }
}

function group<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const t of list) {
    const k = key(t)
    const l = out.get(k)
    if (l) l.push(t)
    else out.set(k, [t])
  }
  return out
}
