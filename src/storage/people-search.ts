/**
 * The people list and search behind GET /v1/people, as queries of the people repository (`PeopleTx`):
 * identifiers and person ids by exact value or prefix, and profiles newest-seen first with filters.
 * Every query walks an index (`0008-people-search`): a prefix is a range of the (type, value) index in
 * code-point order, never a scan of the identities, so a page costs the same on 100 or 100,000 people.
 */
import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely'
import type { Database } from './tables.ts'

export type SearchDialect = 'sqlite' | 'postgres'

/** What to look for in one kind of identifier (`person_id` searches person ids). */
export interface SearchTerm {
  type: string
  /** Normalised as that type stores it (emails are lower case). */
  value: string
}

export interface IdentifierSearch {
  terms: readonly SearchTerm[]
  /** Exact values only; otherwise every value starting with the term's. */
  exact: boolean
  /** Continue after this match (matches are ordered by value in code-point order, then type). */
  after: { value: string; type: string } | null
  limit: number
}

export interface IdentifierMatch {
  type: string
  value: string
  /** The person node holding it (not necessarily the root of its group). */
  personId: string
}

export interface ProfileListQuery {
  limit: number
  /** Continue after this row (rows are ordered by last seen, newest first, then person id). */
  after: { lastSeen: number; personId: string } | null
  minOrders?: number | undefined
  /** Stated personalization consent the rows may have (true, false; null: never stated). */
  personalization?: readonly (boolean | null)[] | undefined
  /** `user`: people with a user id (in any node of their group); `anonymous`: people without one. */
  identified?: 'user' | 'anonymous' | undefined
}

export interface ListedProfile {
  personId: string
  state: string
  orders: number
  revenue: number
  lastOrder: number | null
  lastSeen: number
  personalization: boolean | null
}

/** Compares as both databases' search indexes do: by Unicode code point (UTF-8 bytes), not UTF-16 units. */
export function codePointCompare(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/** The least string greater than every string that starts with `prefix` (null: none, the prefix ends in U+10FFFF). */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix]
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!
    if (last < 0x10ffff) {
      // Lone surrogates never reach a query (the route refuses them); skip the surrogate block.
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1
      return points.join('') + String.fromCodePoint(next)
    }
  }
  return null
}

/** The column compared in code-point order on both backends (PostgreSQL: the "C" collation its index uses). */
function ordered(dialect: SearchDialect, column: string) {
  return dialect === 'postgres' ? sql<string>`${sql.ref(column)} collate "C"` : sql<string>`${sql.ref(column)}`
}

/** The one query of `term`: built here so the storage tests can ask each database how it runs it. */
export function identifierQuery(db: Kysely<Database>, dialect: SearchDialect, term: SearchTerm, search: Omit<IdentifierSearch, 'terms'>) {
  const person = term.type === 'person_id'
  const column = ordered(dialect, person ? 'id' : 'value')
  const bounds = (eb: ExpressionBuilder<any, any>): Expression<SqlBool> => {
    const parts: Expression<SqlBool>[] = []
    if (search.exact) parts.push(eb(column, '=', term.value))
    else {
      parts.push(eb(column, '>=', term.value))
      const end = prefixEnd(term.value)
      if (end !== null) parts.push(eb(column, '<', end))
    }
    if (search.after) {
      // Ordered by (value, type): this type comes after the cursor's at the cursor's value, or before it.
      parts.push(eb(column, term.type > search.after.type ? '>=' : '>', search.after.value))
    }
    return eb.and(parts)
  }
  if (person) {
    return db
      .selectFrom('people')
      .select(['id as value', 'id as person_id'])
      .where((eb) => bounds(eb))
      .orderBy(column)
      .limit(search.limit)
  }
  return db
    .selectFrom('identities')
    .select(['value', 'person_id'])
    .where('type', '=', term.type)
    .where((eb) => bounds(eb))
    .orderBy(column)
    .limit(search.limit)
}

export async function searchIdentifiers(db: Kysely<Database>, dialect: SearchDialect, search: IdentifierSearch): Promise<IdentifierMatch[]> {
  if (search.limit <= 0 || search.terms.length === 0) return []
  const found: IdentifierMatch[] = []
  for (const term of search.terms) {
    const rows = await identifierQuery(db, dialect, term, search).execute()
    for (const r of rows) found.push({ type: term.type, value: r.value, personId: r.person_id })
  }
  return found.sort(compareMatches).slice(0, search.limit)
}

export function compareMatches(a: { value: string; type: string }, b: { value: string; type: string }): number {
  return codePointCompare(a.value, b.value) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0)
}

/** The list query, built here so the storage tests can ask each database how it runs it. */
export function profileListQuery(db: Kysely<Database>, query: ProfileListQuery) {
  let q = db.selectFrom('profiles').select(['person_id', 'state', 'orders', 'revenue', 'last_order', 'last_seen', 'personalization'])
  const { after, minOrders, personalization, identified } = query
  if (after) {
    q = q.where((eb) => eb.or([eb('last_seen', '<', after.lastSeen), eb.and([eb('last_seen', '=', after.lastSeen), eb('person_id', '<', after.personId)])]))
  }
  if (minOrders !== undefined && minOrders > 0) q = q.where('orders', '>=', minOrders)
  if (personalization) {
    const stated = personalization.filter((p): p is boolean => p !== null).map((p) => (p ? 1 : 0))
    q = q.where((eb) =>
      eb.or([...(stated.length > 0 ? [eb('personalization', 'in', stated)] : []), ...(personalization.includes(null) ? [eb('personalization', 'is', null)] : [])]),
    )
  }
  if (identified) {
    q = q.where((eb) => {
      // The root's own user ids, or those of a node merged into it: two index lookups per candidate row.
      const own = eb.exists(
        eb.selectFrom('identities').select(sql`1`.as('x')).where('identities.type', '=', 'user_id').whereRef('identities.person_id', '=', 'profiles.person_id'),
      )
      // A cross join: SQLite then walks the merged nodes first (people_merged_into), not every user id.
      const merged = eb.exists(
        eb
          .selectFrom('people')
          .crossJoin('identities')
          .select(sql`1`.as('x'))
          .whereRef('people.merged_into', '=', 'profiles.person_id')
          .whereRef('identities.person_id', '=', 'people.id')
          .where('identities.type', '=', 'user_id'),
      )
      return identified === 'user' ? eb.or([own, merged]) : eb.and([eb.not(own), eb.not(merged)])
    })
  }
  return q.orderBy('last_seen', 'desc').orderBy('person_id', 'desc').limit(query.limit)
}

export async function listProfiles(db: Kysely<Database>, query: ProfileListQuery): Promise<ListedProfile[]> {
  if (query.limit <= 0 || (query.personalization && query.personalization.length === 0)) return []
  const rows = await profileListQuery(db, query).execute()
  return rows.map((r) => ({
    personId: r.person_id,
    state: r.state,
    orders: Number(r.orders),
    revenue: Number(r.revenue),
    lastOrder: r.last_order === null ? null : Number(r.last_order),
    lastSeen: Number(r.last_seen),
    personalization: r.personalization === null ? null : Number(r.personalization) === 1,
  }))
}
