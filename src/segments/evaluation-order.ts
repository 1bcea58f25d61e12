/**
 * The order definitions are evaluated in for one person: computed traits first (they read only events),
 * then segments so that a segment comes after every segment it reads. A cycle (a reads b, b reads a) is
 * refused with the keys that form it; `checkReferences` says the same, and names unknown keys, when staff
 * save a definition.
 */
import type { SegmentDefinitionRecord } from '../storage/index.ts'
import { compileSegment, type Reference } from './compile-segment.ts'
import type { FactNeeds } from './facts.ts'
import { type CheckResult, checkSegmentRule, checkTraitDefinition } from './rule-check.ts'

interface Orderable {
  kind: 'segment' | 'trait'
  key: string
  needs: FactNeeds
}

export class ReferenceCycleError extends Error {
  constructor(readonly cycle: readonly string[]) {
    super(`segments reference each other in a cycle: ${cycle.join(' → ')}`)
  }
}

/** The first cycle among segments (keys, the first repeated at the end), or null. */
function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (key: string): string[] | null => {
    if (state.get(key) === 'done') return null
    if (state.get(key) === 'open') return [...stack.slice(stack.indexOf(key)), key]
    state.set(key, 'open')
    stack.push(key)
    for (const next of edges.get(key) ?? []) {
      if (!edges.has(next)) continue
      const cycle = visit(next)
      if (cycle) return cycle
    }
    stack.pop()
    state.set(key, 'done')
    return null
  }
  for (const key of [...edges.keys()].sort()) {
    const cycle = visit(key)
    if (cycle) return cycle
  }
  return null
}

/**
 * Traits (by key), then segments in dependency order (ties by key, so the order is stable). References to
 * keys not in the list are left out (the condition then reads no membership or a null value). Throws
 * `ReferenceCycleError` on a cycle. Segment chains are at most as deep as the number of segments; the
 * depth-first walk is recursive, which the definition count (hundreds) keeps far from the stack's end.
 */
export function evaluationOrder<T extends Orderable>(compiled: readonly T[]): T[] {
  const traits = compiled.filter((c) => c.kind === 'trait').sort((a, b) => a.key.localeCompare(b.key))
  const segments = new Map(compiled.filter((c) => c.kind === 'segment').map((c) => [c.key, c]))
  const edges = new Map([...segments].map(([key, c]) => [key, [...c.needs.segments].sort()]))
  const cycle = findCycle(edges)
  if (cycle) throw new ReferenceCycleError(cycle)
  const out: T[] = []
  const placed = new Set<string>()
  const place = (key: string) => {
    if (placed.has(key) || !segments.has(key)) return
    placed.add(key)
    for (const dep of edges.get(key)!) place(dep)
    out.push(segments.get(key)!)
  }
  for (const key of [...segments.keys()].sort()) place(key)
  return [...traits, ...out]
}

export type DefinitionInput = Pick<SegmentDefinitionRecord, 'kind' | 'key' | 'definition'>

/**
 * Checks one definition about to be saved against all the others (the saved ones, this one replacing its
 * previous version): its own shape, that every segment and computed trait it references exists, and that
 * it closes no cycle. `field` is a path into the definition (`definition.all[1].segment.key`).
 */
export function checkReferences(candidate: DefinitionInput, others: readonly DefinitionInput[], root = 'definition'): CheckResult<null> {
  const own = candidate.kind === 'segment' ? checkSegmentRule(candidate.definition, root) : checkTraitDefinition(candidate.definition, root)
  if (!own.ok) return own
  if (candidate.kind === 'trait') return { ok: true, value: null }
  const rest = others.filter((o) => !(o.kind === candidate.kind && o.key === candidate.key))
  const traitKeys = new Set(rest.filter((o) => o.kind === 'trait').map((o) => o.key))
  const refs = new Map<string, readonly Reference[]>()
  for (const d of [...rest.filter((o) => o.kind === 'segment'), candidate]) {
    // A stored definition that no longer passes the check reads nothing (it is reported where it is saved).
    const ok = checkSegmentRule(d.definition).ok
    refs.set(d.key, ok ? compileSegment({ id: d.key, key: d.key, definition: d.definition }).references : [])
  }
  for (const r of refs.get(candidate.key)!) {
    const field = r.field.replace(/^rule/, root)
    if (r.kind === 'trait' && !traitKeys.has(r.key)) return { ok: false, field, message: `no computed trait has the key "${r.key}"` }
    if (r.kind === 'segment' && !refs.has(r.key)) return { ok: false, field, message: `no segment has the key "${r.key}"` }
    if (r.kind === 'segment' && r.key === candidate.key) return { ok: false, field, message: `a segment cannot contain itself ("${r.key}")` }
  }
  const edges = new Map([...refs].map(([key, rs]) => [key, rs.filter((r) => r.kind === 'segment').map((r) => r.key)]))
  const cycle = findCycle(edges)
  if (cycle?.includes(candidate.key)) {
    const first = refs.get(candidate.key)!.find((r) => r.kind === 'segment' && cycle.includes(r.key))!
    return { ok: false, field: first.field.replace(/^rule/, root), message: `segments would reference each other in a cycle: ${cycle.join(' → ')}` }
  }
  return { ok: true, value: null }
}
