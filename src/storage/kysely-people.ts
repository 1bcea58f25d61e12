/** `PeopleTx` over Kysely, shared by both backends; bound to a transaction (writes) or the pool (reads). */
import { type Kysely, sql } from 'kysely'
import type { EventKind, StoredEvent } from '../core/index.ts'
import type { IdentityLogRow, IdentityRow, PeopleTx, PersonEventRow, PersonRow, ProfileColumns, ProfileRow } from './people.ts'
import { type Database, rowToEvent } from './tables.ts'
import type { IdentityLogTable, ProfilesTable } from './people-tables.ts'
import { type IdentifierMatch, type IdentifierSearch, type ListedProfile, listProfiles, type ProfileListQuery, type SearchDialect, searchIdentifiers } from './people-search.ts'

/** Parameter lists stay well under SQLite's and PostgreSQL's bind-variable limits. */
const CHUNK = 500

function chunks<T>(list: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

function logFromRow(r: IdentityLogTable): IdentityLogRow {
  return {
    id: r.id,
    kind: r.kind as IdentityLogRow['kind'],
    personId: r.person_id,
    otherId: r.other_id,
    members: JSON.parse(r.members) as string[],
    cause: r.cause,
    messageId: r.message_id,
    identifiers: JSON.parse(r.identifiers) as IdentityLogRow['identifiers'],
    at: Number(r.at),
    undoneAt: r.undone_at === null ? null : Number(r.undone_at),
    undoneBy: r.undone_by,
  }
}

export class KyselyPeopleTx implements PeopleTx {
  readonly #db: Kysely<Database>
  readonly #dialect: SearchDialect

  constructor(db: Kysely<Database>, dialect: SearchDialect = 'sqlite') {
    this.#db = db
    this.#dialect = dialect
  }

  async seenEvents(messageIds: readonly string[]): Promise<Set<string>> {
    const seen = new Set<string>()
    for (const ids of chunks([...new Set(messageIds)])) {
      const rows = await this.#db.selectFrom('person_events').select('message_id').where('message_id', 'in', ids).execute()
      for (const r of rows) seen.add(r.message_id)
    }
    return seen
  }

  async findIdentities(keys: readonly { type: string; value: string }[]): Promise<IdentityRow[]> {
    const out: IdentityRow[] = []
    const byType = new Map<string, Set<string>>()
    for (const k of keys) byType.set(k.type, (byType.get(k.type) ?? new Set()).add(k.value))
    for (const [type, values] of byType) {
      for (const part of chunks([...values])) {
        const rows = await this.#db.selectFrom('identities').selectAll().where('type', '=', type).where('value', 'in', part).execute()
        out.push(...rows.map(identityFromRow))
      }
    }
    return out
  }

  async identitiesOf(personIds: readonly string[]): Promise<IdentityRow[]> {
    const out: IdentityRow[] = []
    for (const ids of chunks([...new Set(personIds)])) {
      const rows = await this.#db.selectFrom('identities').selectAll().where('person_id', 'in', ids).orderBy('first_seen').orderBy('type').orderBy('value').execute()
      out.push(...rows.map(identityFromRow))
    }
    return out
  }

  async getPeople(ids: readonly string[]): Promise<PersonRow[]> {
    const out: PersonRow[] = []
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.#db.selectFrom('people').selectAll().where('id', 'in', part).execute()
      out.push(...rows.map(personFromRow))
    }
    return out
  }

  async membersOf(rootIds: readonly string[]): Promise<PersonRow[]> {
    const out: PersonRow[] = []
    for (const part of chunks([...new Set(rootIds)])) {
      const rows = await this.#db.selectFrom('people').selectAll().where('merged_into', 'in', part).orderBy('id').execute()
      out.push(...rows.map(personFromRow))
    }
    return out
  }

  async identityLogOf(personIds: readonly string[]): Promise<IdentityLogRow[]> {
    const found = new Map<string, IdentityLogRow>()
    for (const part of chunks([...new Set(personIds)])) {
      const rows = await this.#db
        .selectFrom('identity_log')
        .selectAll()
        .where((eb) => eb.or([eb('person_id', 'in', part), eb('other_id', 'in', part)]))
        .execute()
      for (const r of rows) found.set(r.id, logFromRow(r))
    }
    return [...found.values()].sort((a, b) => a.at - b.at || a.id.localeCompare(b.id))
  }

  async getIdentityLogEntry(id: string): Promise<IdentityLogRow | null> {
    const row = await this.#db.selectFrom('identity_log').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? logFromRow(row) : null
  }

  async eventsOfPeople(personIds: readonly string[]): Promise<StoredEvent[]> {
    const out: StoredEvent[] = []
    for (const part of chunks([...new Set(personIds)])) {
      const rows = await this.#db
        .selectFrom('person_events')
        .innerJoin('events', 'events.message_id', 'person_events.message_id')
        .selectAll('events')
        .where('person_events.person_id', 'in', part)
        .execute()
      out.push(...rows.map(rowToEvent))
    }
    return out.sort((a, b) => a.seq - b.seq)
  }

  /**
   * A column SQLite must not pick an index for: the people's events are found from `person_events` (their
   * index range), never by scanning every event of a kind and time (which costs the whole log per page).
   * The unary plus is SQLite's way to say so; PostgreSQL's planner has statistics (and its time bound prunes
   * month partitions).
   */
  #notIndexed<T>(column: 'events.kind' | 'events.timestamp') {
    return this.#dialect === 'sqlite' ? sql<T>`+${sql.ref(column)}` : sql<T>`${sql.ref(column)}`
  }

  async recentEventsOf(personIds: readonly string[], from: number, kinds: readonly EventKind[] | null): Promise<{ personId: string; event: StoredEvent }[]> {
    const out: { personId: string; event: StoredEvent }[] = []
    if (kinds !== null && kinds.length === 0) return out
    for (const part of chunks([...new Set(personIds)])) {
      let q = this.#db
        .selectFrom('person_events')
        .innerJoin('events', 'events.message_id', 'person_events.message_id')
        .selectAll('events')
        .select('person_events.person_id as node')
        .where('person_events.person_id', 'in', part)
      if (Number.isFinite(from)) q = q.where('person_events.timestamp', '>=', from).where(this.#notIndexed<number>('events.timestamp'), '>=', from)
      if (kinds !== null) q = q.where(this.#notIndexed<string>('events.kind'), 'in', [...kinds])
      const rows = await q.execute()
      for (const r of rows) out.push({ personId: r.node, event: rowToEvent(r) })
    }
    return out.sort((a, b) => a.event.seq - b.event.seq)
  }

  async recentEventsInRange(first: string, last: string, extra: readonly string[], from: number, kinds: readonly EventKind[] | null): Promise<{ personId: string; event: StoredEvent }[]> {
    if (kinds !== null && kinds.length === 0) return []
    let q = this.#db
      .selectFrom('person_events')
      .innerJoin('events', 'events.message_id', 'person_events.message_id')
      .selectAll('events')
      .select('person_events.person_id as node')
      .where('person_events.person_id', '>=', first)
      .where('person_events.person_id', '<=', last)
    if (Number.isFinite(from)) q = q.where('person_events.timestamp', '>=', from).where(this.#notIndexed<number>('events.timestamp'), '>=', from)
    if (kinds !== null) q = q.where(this.#notIndexed<string>('events.kind'), 'in', [...kinds])
    const out = (await q.execute()).map((r) => ({ personId: r.node, event: rowToEvent(r) }))
    const outside = extra.filter((id) => id < first || id > last)
    if (outside.length > 0) out.push(...(await this.recentEventsOf(outside, from, kinds)))
    return out.sort((a, b) => a.event.seq - b.event.seq)
  }

  async attributedEventsSince(from: number, kinds: readonly EventKind[] | null): Promise<{ personId: string; event: StoredEvent }[]> {
    if (kinds !== null && kinds.length === 0) return []
    let q = this.#db
      .selectFrom('events')
      .innerJoin('person_events', 'person_events.message_id', 'events.message_id')
      .innerJoin('people', 'people.id', 'person_events.person_id')
      .selectAll('events')
      .select(sql<string>`coalesce(people.merged_into, people.id)`.as('root'))
    if (Number.isFinite(from)) q = q.where('events.timestamp', '>=', from)
    if (kinds !== null) q = q.where('events.kind', 'in', [...kinds])
    const rows = await q.execute()
    return rows.map((r) => ({ personId: r.root, event: rowToEvent(r) })).sort((a, b) => a.event.seq - b.event.seq)
  }

  async countProfiles(): Promise<{ profiles: number; granted: number; refused: number }> {
    const rows = await this.#db.selectFrom('profiles').select(['personalization', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('personalization').execute()
    const n = (v: number | null) => Number(rows.find((r) => (r.personalization === null ? null : Number(r.personalization)) === v)?.n ?? 0)
    return { profiles: rows.reduce((s, r) => s + Number(r.n), 0), granted: n(1), refused: n(0) }
  }

  async personalizationOf(personIds: readonly string[]): Promise<Map<string, boolean | null>> {
    const out = new Map<string, boolean | null>()
    for (const part of chunks([...new Set(personIds)])) {
      const rows = await this.#db.selectFrom('profiles').select(['person_id', 'personalization']).where('person_id', 'in', part).execute()
      for (const r of rows) out.set(r.person_id, r.personalization === null ? null : Number(r.personalization) === 1)
    }
    return out
  }

  async profileColumnsAfter(afterPersonId: string, limit: number): Promise<ProfileColumns[]> {
    const rows = await this.#db
      .selectFrom('profiles')
      .select(['person_id', 'orders', 'revenue', 'last_order', 'personalization'])
      .where('person_id', '>', afterPersonId)
      .orderBy('person_id')
      .limit(limit)
      .execute()
    return rows.map((r) => ({
      personId: r.person_id,
      orders: Number(r.orders),
      revenue: Number(r.revenue),
      lastOrder: r.last_order === null ? null : Number(r.last_order),
      personalization: r.personalization === null ? null : Number(r.personalization) === 1,
    }))
  }

  async profileIdsAfter(afterPersonId: string, limit: number): Promise<string[]> {
    const rows = await this.#db.selectFrom('profiles').select('person_id').where('person_id', '>', afterPersonId).orderBy('person_id').limit(limit).execute()
    return rows.map((r) => r.person_id)
  }

  async getProfiles(personIds: readonly string[]): Promise<ProfileRow[]> {
    const out: ProfileRow[] = []
    for (const part of chunks([...new Set(personIds)])) {
      const rows = await this.#db.selectFrom('profiles').selectAll().where('person_id', 'in', part).execute()
      out.push(...rows.map(profileFromRow))
    }
    return out
  }

  async buyerStats(): Promise<{ orders: number; revenue: number; lastOrder: number }[]> {
    const rows = await this.#db.selectFrom('profiles').select(['orders', 'revenue', 'last_order']).where('orders', '>', 0).execute()
    return rows.map((r) => ({ orders: Number(r.orders), revenue: Number(r.revenue), lastOrder: Number(r.last_order) }))
  }

  async itemFacts(ids: readonly string[]): Promise<{ id: string; categories: string[]; brand: string | null }[]> {
    const out: { id: string; categories: string[]; brand: string | null }[] = []
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.#db.selectFrom('items').select(['id', 'categories', 'brand']).where('id', 'in', part).execute()
      for (const r of rows) out.push({ id: r.id, categories: JSON.parse(r.categories) as string[], brand: r.brand })
    }
    return out
  }

  async attributedEvents(afterSeq: number, limit: number): Promise<{ event: StoredEvent; personId: string }[]> {
    const rows = await this.#db
      .selectFrom('events')
      .innerJoin('person_events', 'person_events.message_id', 'events.message_id')
      .innerJoin('people', 'people.id', 'person_events.person_id')
      .selectAll('events')
      .select(sql<string>`coalesce(people.merged_into, people.id)`.as('root'))
      .where('events.seq', '>', afterSeq)
      .orderBy('events.seq')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ event: rowToEvent(r), personId: r.root }))
  }

  async profilesAfter(afterPersonId: string, limit: number): Promise<ProfileRow[]> {
    const rows = await this.#db.selectFrom('profiles').selectAll().where('person_id', '>', afterPersonId).orderBy('person_id').limit(limit).execute()
    return rows.map(profileFromRow)
  }

  searchIdentifiers(search: IdentifierSearch): Promise<IdentifierMatch[]> {
    return searchIdentifiers(this.#db, this.#dialect, search)
  }

  listProfiles(query: ProfileListQuery): Promise<ListedProfile[]> {
    return listProfiles(this.#db, query)
  }

  async insertPeople(rows: readonly PersonRow[]): Promise<void> {
    for (const part of chunks(rows)) {
      await this.#db
        .insertInto('people')
        .values(part.map((p) => ({ id: p.id, created_at: p.createdAt, merged_into: p.mergedInto })))
        .execute()
    }
  }

  async setMergedInto(ids: readonly string[], root: string | null): Promise<void> {
    for (const part of chunks([...new Set(ids)])) await this.#db.updateTable('people').set({ merged_into: root }).where('id', 'in', part).execute()
  }

  async putIdentities(rows: readonly IdentityRow[]): Promise<void> {
    for (const part of chunks(rows)) {
      await this.#db
        .insertInto('identities')
        .values(part.map((r) => ({ type: r.type, value: r.value, person_id: r.personId, first_seen: r.firstSeen, message_id: r.messageId })))
        .onConflict((oc) => oc.columns(['type', 'value']).doUpdateSet({ person_id: sql`excluded.person_id`, message_id: sql`excluded.message_id` }))
        .execute()
    }
  }

  async insertIdentityLog(rows: readonly IdentityLogRow[]): Promise<void> {
    for (const part of chunks(rows)) {
      await this.#db
        .insertInto('identity_log')
        .values(
          part.map((r) => ({
            id: r.id,
            kind: r.kind,
            person_id: r.personId,
            other_id: r.otherId,
            members: JSON.stringify(r.members),
            cause: r.cause,
            message_id: r.messageId,
            identifiers: JSON.stringify(r.identifiers),
            at: r.at,
            undone_at: r.undoneAt,
            undone_by: r.undoneBy,
          })),
        )
        .execute()
    }
  }

  async markUndone(id: string, at: number, by: string): Promise<void> {
    await this.#db.updateTable('identity_log').set({ undone_at: at, undone_by: by }).where('id', '=', id).execute()
  }

  async insertPersonEvents(rows: readonly PersonEventRow[]): Promise<void> {
    for (const part of chunks(rows)) {
      await this.#db
        .insertInto('person_events')
        .values(part.map((r) => ({ message_id: r.messageId, person_id: r.personId, timestamp: r.timestamp })))
        .onConflict((oc) => oc.column('message_id').doNothing())
        .execute()
    }
  }

  async putProfiles(rows: readonly ProfileRow[]): Promise<void> {
    for (const part of chunks(rows, 200)) {
      await this.#db
        .insertInto('profiles')
        .values(
          part.map((r) => ({
            person_id: r.personId,
            state: r.state,
            orders: r.orders,
            revenue: r.revenue,
            last_order: r.lastOrder,
            updated_at: r.updatedAt,
            // A finite integer for the bigint column (an event time a row stored before times were checked may not be).
            last_seen: Number.isFinite(r.lastSeen) ? Math.max(-8.64e15, Math.min(8.64e15, Math.trunc(r.lastSeen!))) : 0,
            personalization: r.personalization === true ? 1 : r.personalization === false ? 0 : null,
          })),
        )
        .onConflict((oc) =>
          oc.column('person_id').doUpdateSet({
            state: sql`excluded.state`,
            orders: sql`excluded.orders`,
            revenue: sql`excluded.revenue`,
            last_order: sql`excluded.last_order`,
            updated_at: sql`excluded.updated_at`,
            last_seen: sql`excluded.last_seen`,
            personalization: sql`excluded.personalization`,
          }),
        )
        .execute()
    }
  }

  async deleteProfiles(personIds: readonly string[]): Promise<void> {
    for (const part of chunks([...new Set(personIds)])) await this.#db.deleteFrom('profiles').where('person_id', 'in', part).execute()
  }
}

function identityFromRow(r: { type: string; value: string; person_id: string; first_seen: number; message_id: string }): IdentityRow {
  return { type: r.type, value: r.value, personId: r.person_id, firstSeen: Number(r.first_seen), messageId: r.message_id }
}

function personFromRow(r: { id: string; created_at: number; merged_into: string | null }): PersonRow {
  return { id: r.id, createdAt: Number(r.created_at), mergedInto: r.merged_into }
}

function profileFromRow(r: ProfilesTable): ProfileRow {
  return {
    personId: r.person_id,
    state: r.state,
    orders: Number(r.orders),
    revenue: Number(r.revenue),
    lastOrder: r.last_order === null ? null : Number(r.last_order),
    updatedAt: Number(r.updated_at),
  }
}
