/**
 * What the segment and trait routes check before storing a definition (src/segments' checks: the shape, the
 * references to other segments and traits, cycles), and before a key disappears (a delete, a key change):
 * no other definition may still name it. Also the ids and keys the routes make.
 */
import { AttuneError, newId } from '../core/index.ts'
import { checkReferences, checkSegmentRule, compileSegment } from '../segments/index.ts'
import type { SegmentDefinitionRecord, Store } from '../storage/index.ts'

type Kind = SegmentDefinitionRecord['kind']

export interface DefinitionChecks {
  /** The definition when it may be saved under this key (replacing `id`'s); a 400 naming the field otherwise. */
  check(kind: Kind, key: string, definition: unknown, id?: string): Promise<unknown>
  /** A 409 when a definition other than `id` references (kind, key). */
  notReferenced(kind: Kind, key: string, id: string): Promise<void>
}

export function definitionChecks(store: Store): DefinitionChecks {
  const defs = store.segmentDefinitions
  return {
    async check(kind, key, definition, id) {
      const others = (await defs.list()).filter((d) => d.id !== id)
      const result = checkReferences({ kind, key, definition }, others, 'definition')
      if (!result.ok) throw new AttuneError('invalid_field', `${result.field}: ${result.message}`, result.field)
      return definition
    },
    async notReferenced(kind, key, id) {
      const users: string[] = []
      for (const d of await defs.list('segment')) {
        if (d.id === id || !checkSegmentRule(d.definition).ok) continue
        const refs = compileSegment({ id: d.id, key: d.key, definition: d.definition }).references
        if (refs.some((r) => r.kind === kind && r.key === key)) users.push(d.key)
      }
      if (users.length > 0) {
        const names = users.slice(0, 10).map((k) => `"${k}"`).join(', ')
        throw new AttuneError('conflict', `the ${kind === 'segment' ? 'segment' : 'computed trait'} "${key}" is used by the segment${users.length > 1 ? 's' : ''} ${names}: change those first`, 'id')
      }
    },
  }
}

/** `seg_…` / `trait_…` with a random UUID's hex. */
export function definitionId(kind: Kind): string {
  return `${kind === 'segment' ? 'seg' : 'trait'}_${newId().replace(/-/g, '')}`
}

/** "Bought in the last 30 days!" → "bought_in_the_last_30_days"; null when nothing is left. */
export function keyFromName(name: string): string | null {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
  if (words.length === 0) return null
  let key = words.join('_').slice(0, 64).replace(/_+$/, '')
  if (!/^[a-z]/.test(key)) key = `s_${key}`.slice(0, 64)
  return key
}
