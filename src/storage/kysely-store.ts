/**
 * Queries shared by every SQL backend, written once with Kysely. Backends extend this with their
 * connection setup, migrations and the event-append hot path.
 */
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { ApiKeyRecord, Category, EventRecord, Item, ItemInput, Page, PersonActivity, StoredEvent } from '../core/index.ts'
import { categoryList } from './category-list.ts'
import type { AppendResult, ApplyOptions, EventQuery, ItemQuery, Store, StoredEventLike } from './store.ts'
import { type Database, decodeCursor, encodeCursor, itemToRow, rowToApiKey, rowToEvent, rowToItem } from './tables.ts'

export abstract class KyselyStore implements Store {
  abstract readonly kind: string
  protected abstract readonly db: Kysely<Database>
  abstract migrate(): Promise<void>
  abstract ping(): Promise<void>
  abstract close(): Promise<void>
  abstract appendEvents(events: readonly EventRecord[]): Promise<AppendResult>

  async listPersonEvents(query: EventQuery): Promise<Page<StoredEvent>> {
    const after = query.cursor ? decodeCursor(query.cursor, ['number', 'number']) : null
    let q = this.db
      .selectFrom('events')
      .selectAll()
      .where((eb) => eb.or([eb('user_id', '=', query.personId), eb('anonymous_id', '=', query.personId)]))
    if (after) {
      const [ts, seq] = after as [number, number]
      q = q.where((eb) => eb.or([eb('timestamp', '<', ts), eb.and([eb('timestamp', '=', ts), eb('seq', '<', seq)])]))
    }
    const rows = await q
      .orderBy('timestamp', 'desc')
      .orderBy('seq', 'desc')
      .limit(query.limit + 1)
      .execute()
    const data = rows.slice(0, query.limit).map(rowToEvent)
    const last = data.at(-1)
    return { data, nextCursor: rows.length > query.limit && last ? encodeCursor([last.timestamp, last.seq]) : null }
  }

  async readEvents(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute()
    return rows.map(rowToEvent)
  }

  async countEvents(): Promise<number> {
    const row = await this.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async getEventsByMessageId(messageIds: readonly string[]): Promise<StoredEvent[]> {
    if (messageIds.length === 0) return []
    const out: StoredEvent[] = []
    // Chunked to stay under SQLite's bound-parameter limit.
    for (let i = 0; i < messageIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('events')
        .selectAll()
        .where('message_id', 'in', messageIds.slice(i, i + 500))
        .orderBy('seq')
        .execute()
      out.push(...rows.map(rowToEvent))
    }
    return out
  }

  async upsertItems(items: readonly ItemInput[], now: Date): Promise<number> {
    if (items.length === 0) return 0
    const stamp = now.toISOString()
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < items.length; i += 200) {
        const chunk = items.slice(i, i + 200)
        const rows = chunk.map((item) => itemToRow(item, stamp, stamp))
        await trx
          .insertInto('items')
          .values(rows)
          .onConflict((oc) =>
            oc.column('id').doUpdateSet((eb) => ({
              title: eb.ref('excluded.title'),
              description: eb.ref('excluded.description'),
              brand: eb.ref('excluded.brand'),
              price: eb.ref('excluded.price'),
              currency: eb.ref('excluded.currency'),
              image_url: eb.ref('excluded.image_url'),
              url: eb.ref('excluded.url'),
              categories: eb.ref('excluded.categories'),
              tags: eb.ref('excluded.tags'),
              available: eb.ref('excluded.available'),
              inventory: eb.ref('excluded.inventory'),
              attributes: eb.ref('excluded.attributes'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute()
        const ids = chunk.map((item) => item.id)
        await trx.deleteFrom('item_categories').where('item_id', 'in', ids).execute()
        const links = chunk.flatMap((item) =>
          [...new Set(item.categories ?? [])].map((p, position) => ({ item_id: item.id, path: p, position })),
        )
        if (links.length > 0) await trx.insertInto('item_categories').values(links).execute()
      }
    })
    return items.length
  }

  async getItem(id: string): Promise<Item | null> {
    const row = await this.db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? rowToItem(row) : null
  }

  async listItems(query: ItemQuery): Promise<Page<Item>> {
    const after = query.cursor ? decodeCursor(query.cursor, ['string']) : null
    let q = this.db.selectFrom('items').selectAll('items')
    if (query.category !== undefined) {
      const category = query.category
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('item_categories')
            .select('item_categories.item_id')
            .whereRef('item_categories.item_id', '=', 'items.id')
            .where((w) =>
              w.or([
                w('item_categories.path', '=', category),
                // Descendants: "Shoes" also matches "Shoes > Running".
                w(sql<string>`substr(item_categories.path, 1, ${category.length + 3})`, '=', `${category} > `),
              ]),
            ),
        ),
      )
    }
    if (after) q = q.where('items.id', '>', after[0] as string)
    const rows = await q.orderBy('items.id').limit(query.limit + 1).execute()
    const data = rows.slice(0, query.limit).map(rowToItem)
    const last = data.at(-1)
    return { data, nextCursor: rows.length > query.limit && last ? encodeCursor([last.id]) : null }
  }

  async deleteItem(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('items').where('id', '=', id).executeTakeFirst()
    return Number(result.numDeletedRows) > 0
  }

  async countItems(): Promise<number> {
    const row = await this.db.selectFrom('items').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async setCategorySensitivity(paths: readonly { path: string; sensitive: boolean }[]): Promise<void> {
    if (paths.length === 0) return
    await this.db
      .insertInto('categories')
      .values(paths.map((p) => ({ path: p.path, sensitive: p.sensitive ? 1 : 0 })))
      .onConflict((oc) => oc.column('path').doUpdateSet((eb) => ({ sensitive: eb.ref('excluded.sensitive') })))
      .execute()
  }

  async listCategories(): Promise<Category[]> {
    const counts = await this.db
      .selectFrom('item_categories')
      .select(['path', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('path')
      .execute()
    const marks = await this.db.selectFrom('categories').selectAll().execute()
    return categoryList(
      counts.map((c) => ({ path: c.path, count: Number(c.n) })),
      marks.map((m) => ({ path: m.path, sensitive: Boolean(Number(m.sensitive)) })),
    )
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').execute()
    return rows.map(rowToApiKey)
  }

  async insertApiKey(key: ApiKeyRecord): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: key.id,
        scope: key.scope,
        hash: key.hash,
        label: key.label,
        created_at: key.createdAt,
        revoked_at: key.revokedAt,
      })
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute()
  }

  async revokeApiKey(id: string, at: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at.toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async applyPersonActivity(events: readonly StoredEventLike[], consumer: string, options: ApplyOptions = {}): Promise<string[]> {
    if (events.length === 0) return []
    return this.db.transaction().execute(async (trx) => {
      const fresh = new Set<string>()
      const ids = [...new Set(events.map((e) => e.messageId))]
      const through = options.throughSeq
      if (through !== undefined) {
        // In-order single-writer log: the saved offset, moved in this same transaction, is the bookkeeping.
        const row = await trx.selectFrom('consumer_offsets').select('seq').where('consumer', '=', consumer).executeTakeFirst()
        const offset = row ? Number(row.seq) : 0
        for (const e of events) {
          if (e.seq === undefined) throw new Error('applyPersonActivity with throughSeq needs stored events (with seq)')
          if (e.seq > offset && e.seq <= through) fresh.add(e.messageId)
        }
        await trx
          .insertInto('consumer_offsets')
          .values({ consumer, seq: through })
          .onConflict((oc) => oc.column('consumer').doUpdateSet({ seq: sql`case when excluded.seq > consumer_offsets.seq then excluded.seq else consumer_offsets.seq end` }))
          .execute()
      }
      for (let i = 0; through === undefined && i < ids.length; i += 500) {
        const rows = await trx
          .insertInto('processed_events')
          .values(ids.slice(i, i + 500).map((message_id) => ({ consumer, message_id })))
          .onConflict((oc) => oc.columns(['consumer', 'message_id']).doNothing())
          .returning('message_id')
          .execute()
        for (const r of rows) fresh.add(r.message_id)
      }
      const byPerson = new Map<string, { events: number; orders: number; revenue: number; first: number; last: number; kinds: Map<string, number> }>()
      for (const e of events) {
        if (!fresh.delete(e.messageId)) continue // applied before, or a repeat within this call
        const personId = e.userId ?? e.anonymousId
        if (personId === null) continue
        const p = byPerson.get(personId) ?? { events: 0, orders: 0, revenue: 0, first: e.timestamp, last: e.timestamp, kinds: new Map() }
        p.events += 1
        if (e.kind === 'order_completed') {
          p.orders += 1
          p.revenue += e.data.revenue ?? 0
        }
        p.first = Math.min(p.first, e.timestamp)
        p.last = Math.max(p.last, e.timestamp)
        p.kinds.set(e.kind, (p.kinds.get(e.kind) ?? 0) + 1)
        byPerson.set(personId, p)
      }
      for (const [personId, p] of byPerson) {
        await trx
          .insertInto('person_activity')
          .values({ person_id: personId, events: p.events, orders: p.orders, revenue: p.revenue, first_seen: p.first, last_seen: p.last })
          .onConflict((oc) =>
            oc.column('person_id').doUpdateSet({
              events: sql`person_activity.events + excluded.events`,
              orders: sql`person_activity.orders + excluded.orders`,
              revenue: sql`person_activity.revenue + excluded.revenue`,
              first_seen: sql`case when excluded.first_seen < person_activity.first_seen then excluded.first_seen else person_activity.first_seen end`,
              last_seen: sql`case when excluded.last_seen > person_activity.last_seen then excluded.last_seen else person_activity.last_seen end`,
            }),
          )
          .execute()
        await trx
          .insertInto('person_kind_counts')
          .values([...p.kinds].map(([kind, count]) => ({ person_id: personId, kind, count })))
          .onConflict((oc) => oc.columns(['person_id', 'kind']).doUpdateSet({ count: sql`person_kind_counts.count + excluded.count` }))
          .execute()
      }
      return [...byPerson.keys()]
    })
  }

  async getPersonActivity(personId: string): Promise<PersonActivity | null> {
    return (await this.getPersonActivities([personId]))[0] ?? null
  }

  async getPersonActivities(personIds: readonly string[]): Promise<PersonActivity[]> {
    const out: PersonActivity[] = []
    for (let i = 0; i < personIds.length; i += 500) {
      const ids = personIds.slice(i, i + 500)
      const rows = await this.db.selectFrom('person_activity').selectAll().where('person_id', 'in', ids).execute()
      if (rows.length === 0) continue
      const kinds = await this.db
        .selectFrom('person_kind_counts')
        .select(['person_id', 'kind', 'count'])
        .where('person_id', 'in', ids)
        .orderBy('person_id')
        .orderBy('kind')
        .execute()
      const kindsOf = new Map<string, Record<string, number>>()
      for (const k of kinds) {
        const m = kindsOf.get(k.person_id) ?? {}
        m[k.kind] = Number(k.count)
        kindsOf.set(k.person_id, m)
      }
      for (const row of rows) {
        out.push({
          personId: row.person_id,
          events: Number(row.events),
          kinds: kindsOf.get(row.person_id) ?? {},
          orders: Number(row.orders),
          revenue: Number(row.revenue),
          firstSeen: Number(row.first_seen),
          lastSeen: Number(row.last_seen),
        })
      }
    }
    return out
  }

  async getConsumerOffset(consumer: string): Promise<number> {
    const row = await this.db.selectFrom('consumer_offsets').select('seq').where('consumer', '=', consumer).executeTakeFirst()
    return row ? Number(row.seq) : 0
  }

  async setConsumerOffset(consumer: string, seq: number): Promise<void> {
    await this.db
      .insertInto('consumer_offsets')
      .values({ consumer, seq })
      .onConflict((oc) => oc.column('consumer').doUpdateSet({ seq: sql`case when excluded.seq > consumer_offsets.seq then excluded.seq else consumer_offsets.seq end` }))
      .execute()
  }
}
