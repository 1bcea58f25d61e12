/**
 * The people list behind GET /v1/people: everyone newest-seen first, or the people one identifier
 * (user id, email, anonymous id, device id, external id, person id) equals or starts with, with filters.
 * Each row is one canonical person (the root of a merged group) with a capped list of identifiers.
 *
 * Listing walks the profiles' (last_seen, person_id) index; searching walks the identifiers' (type,
 * value) index from the prefix on, in code-point order, and shows a person at their first matching
 * identifier only, so a person with two matching identifiers is one row and pages never repeat anyone.
 */
import { AttuneError } from '../core/index.ts'
import { RANK } from '../identity/index.ts'
import { compareMatches, type IdentifierMatch, type IdentityRow, type PeopleTx, type SearchTerm, type Store } from '../storage/index.ts'
import type { LookupType } from './profile-service.ts'
import { isoTime } from './profile-view.ts'

export const IDENTIFIERS_SHOWN = 5
/** Search types in the order a query without `type` tries them (all of them; the order only breaks ties). */
const SEARCHED: readonly LookupType[] = ['user_id', 'email', 'anonymous_id', 'device_id', 'external', 'person_id']
/** Identifier matches read per round trip while searching, and at most per request. */
const BATCH = 200
const BUDGET = 2000

export interface PeopleListQuery {
  q?: string | undefined
  match?: 'prefix' | 'exact' | undefined
  type?: LookupType | undefined
  identified?: 'user' | 'anonymous' | undefined
  consent?: 'granted' | 'refused' | 'unstated' | undefined
  minOrders?: number | undefined
  limit: number
  cursor?: string | undefined
}

export interface PersonListRow {
  id: string
  identifiers: { type: string; value: string }[]
  identifierCount: number
  /** The identifier the search matched (null when listing). */
  matched: { type: string; value: string } | null
  orders: number
  revenue: number
  events: number
  firstSeenAt: string | null
  lastSeenAt: string | null
  personalization: { granted: boolean; stated: boolean }
}

interface Group {
  root: string
  nodes: string[]
  identities: IdentityRow[]
  profile: { orders: number; revenue: number; state: string } | null
}

type Cursor = { mode: 'list'; lastSeen: number; personId: string } | { mode: 'search'; q: string; value: string; type: string }

function encode(c: Cursor): string {
  const parts = c.mode === 'list' ? ['l', c.lastSeen, c.personId] : ['s', c.q, c.value, c.type]
  return Buffer.from(JSON.stringify(parts)).toString('base64url')
}

function decode(cursor: string): Cursor {
  let p: unknown
  try {
    p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    p = null
  }
  if (Array.isArray(p)) {
    if (p.length === 3 && p[0] === 'l' && typeof p[1] === 'number' && Number.isSafeInteger(p[1]) && typeof p[2] === 'string') return { mode: 'list', lastSeen: p[1], personId: p[2] }
    if (p.length === 4 && p[0] === 's' && p.slice(1).every((x) => typeof x === 'string')) return { mode: 'search', q: p[1], value: p[2], type: p[3] }
  }
  throw new AttuneError('invalid_field', 'cursor is not one this server issued (pass nextCursor unchanged)', 'cursor')
}

export class PeopleDirectory {
  readonly #store: Store
  readonly #personalizationDefault: () => boolean

  constructor(store: Store, personalizationDefault: () => boolean) {
    this.#store = store
    this.#personalizationDefault = personalizationDefault
  }

  async list(query: PeopleListQuery): Promise<{ data: PersonListRow[]; nextCursor: string | null }> {
    const q = query.q?.trim() ?? ''
    const cursor = query.cursor === undefined ? null : decode(query.cursor)
    if (cursor && (cursor.mode === 'list') !== (q === '')) throw new AttuneError('invalid_field', 'cursor belongs to another query (pass nextCursor with the same q)', 'cursor')
    if (cursor?.mode === 'search' && cursor.q !== q) throw new AttuneError('invalid_field', 'cursor belongs to another query (pass nextCursor with the same q)', 'cursor')
    return this.#store.readPeople((tx) => (q === '' ? this.#listAll(tx, query, cursor?.mode === 'list' ? cursor : null) : this.#search(tx, query, q, cursor?.mode === 'search' ? cursor : null)))
  }

  /** The stated personalization values the consent filter admits (null: never stated, so the default applies). */
  #stated(consent: PeopleListQuery['consent']): (boolean | null)[] | undefined {
    const fallback = this.#personalizationDefault()
    switch (consent) {
      case 'granted':
        return fallback ? [true, null] : [true]
      case 'refused':
        return fallback ? [false] : [false, null]
      case 'unstated':
        return [null]
      default:
        return undefined
    }
  }

  async #listAll(tx: PeopleTx, query: PeopleListQuery, cursor: { lastSeen: number; personId: string } | null) {
    const rows = await tx.listProfiles({
      limit: query.limit + 1,
      after: cursor,
      minOrders: query.minOrders,
      personalization: this.#stated(query.consent),
      identified: query.identified,
    })
    const page = rows.slice(0, query.limit)
    const groups = await this.#groups(tx, page.map((r) => r.personId))
    const data = page.map((r) => this.#row(groups.get(r.personId)!, null))
    const last = page.at(-1)
    return { data, nextCursor: rows.length > query.limit && last ? encode({ mode: 'list', lastSeen: last.lastSeen, personId: last.personId }) : null }
  }

  async #search(tx: PeopleTx, query: PeopleListQuery, q: string, cursor: { value: string; type: string } | null) {
    const terms: SearchTerm[] = (query.type ? [query.type] : SEARCHED).map((type) => ({ type, value: type === 'email' ? q.toLowerCase() : q }))
    const exact = query.match === 'exact'
    const matches = (id: { type: string; value: string }) => terms.some((t) => t.type === id.type && (exact ? id.value === t.value : id.value.startsWith(t.value)))
    const stated = this.#stated(query.consent)
    const data: PersonListRow[] = []
    let after = cursor ? { value: cursor.value, type: cursor.type } : null
    let scanned = 0
    let more = true
    const seen = new Set<string>()
    while (more && data.length < query.limit && scanned < BUDGET) {
      const batch = await tx.searchIdentifiers({ terms, exact, after, limit: BATCH })
      more = batch.length === BATCH
      const groups = await this.#groups(tx, await this.#roots(tx, batch))
      const groupOf = new Map([...groups.values()].flatMap((g) => g.nodes.map((n) => [n, g] as const)))
      let i = 0
      for (; i < batch.length && data.length < query.limit; i++) {
        const m = batch[i]!
        after = { value: m.value, type: m.type }
        scanned += 1
        const group = groupOf.get(m.personId)
        if (!group || seen.has(group.root)) continue
        // A person is listed at their first matching identifier, so a later page never shows them again.
        const first = [...group.identities.map((x) => ({ type: x.type, value: x.value })), ...group.nodes.map((n) => ({ type: 'person_id', value: n }))].filter(matches).sort(compareMatches)[0]
        if (!first || compareMatches(first, m) !== 0) continue
        seen.add(group.root)
        const row = this.#row(group, { type: m.type, value: m.value })
        if (query.minOrders !== undefined && row.orders < query.minOrders) continue
        if (query.identified && group.identities.some((x) => x.type === 'user_id') !== (query.identified === 'user')) continue
        if (stated && !stated.includes(row.personalization.stated ? row.personalization.granted : null)) continue
        data.push(row)
      }
      if (i < batch.length) more = true
    }
    return { data, nextCursor: more && after ? encode({ mode: 'search', q, value: after.value, type: after.type }) : null }
  }

  /** The root of each match's node, in first-seen order, without repeats. */
  async #roots(tx: PeopleTx, batch: readonly IdentifierMatch[]): Promise<string[]> {
    const nodes = await tx.getPeople(batch.map((m) => m.personId))
    const rootOf = new Map(nodes.map((n) => [n.id, n.mergedInto ?? n.id]))
    return [...new Set(batch.flatMap((m) => (rootOf.has(m.personId) ? [rootOf.get(m.personId)!] : [])))]
  }

  async #groups(tx: PeopleTx, roots: readonly string[]): Promise<Map<string, Group>> {
    if (roots.length === 0) return new Map()
    const members = await tx.membersOf(roots)
    const groups = new Map<string, Group>(roots.map((root) => [root, { root, nodes: [root], identities: [], profile: null }]))
    for (const m of members) groups.get(m.mergedInto!)?.nodes.push(m.id)
    const groupOf = new Map([...groups.values()].flatMap((g) => g.nodes.map((n) => [n, g] as const)))
    for (const id of await tx.identitiesOf([...groupOf.keys()])) groupOf.get(id.personId)?.identities.push(id)
    for (const p of await tx.getProfiles(roots)) {
      const g = groups.get(p.personId)
      if (g) g.profile = { orders: p.orders, revenue: p.revenue, state: p.state }
    }
    return groups
  }

  #row(group: Group, matched: { type: string; value: string } | null): PersonListRow {
    const ids = [...group.identities].sort(
      (a, b) => (RANK[b.type as keyof typeof RANK] ?? 0) - (RANK[a.type as keyof typeof RANK] ?? 0) || a.firstSeen - b.firstSeen || compareMatches(a, b),
    )
    const state = group.profile ? (JSON.parse(group.profile.state) as { events?: number; firstSeen?: number; lastSeen?: number; consent?: Record<string, { granted?: unknown }> }) : {}
    const entry = state.consent && Object.hasOwn(state.consent, 'personalization') ? state.consent.personalization : undefined
    const stated = typeof entry?.granted === 'boolean'
    return {
      id: group.root,
      identifiers: ids.slice(0, IDENTIFIERS_SHOWN).map((i) => ({ type: i.type, value: i.value })),
      identifierCount: ids.length,
      matched,
      orders: group.profile?.orders ?? 0,
      revenue: Math.round((group.profile?.revenue ?? 0) * 100) / 100,
      events: typeof state.events === 'number' ? state.events : 0,
      firstSeenAt: group.profile ? isoTime(state.firstSeen) : null,
      lastSeenAt: group.profile ? isoTime(state.lastSeen) : null,
      personalization: { granted: stated ? (entry!.granted as boolean) : this.#personalizationDefault(), stated },
    }
  }
}
