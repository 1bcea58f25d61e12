/**
 * Queries shared by every SQL backend, written once with Kysely. Backends extend this with their
 * connection setup, migrations and the event-append hot path.
 */
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { ApiKeyRecord, Category, EventKind, EventRecord, Item, ItemInput, Page, StoredEvent } from '../core/index.ts'
import { categoryList } from './category-list.ts'
import { itemListQuery, searchTermsOf } from './item-search.ts'
import { KyselyPeopleTx } from './kysely-people.ts'
import { type ImpressionStore, KyselyImpressions } from './impressions.ts'
import { KyselyOverview, type OverviewStore } from './overview.ts'
import { KyselyStaff, type StaffStore } from './staff.ts'
import { type DiagnosticsStore, KyselyDiagnostics } from './diagnostics.ts'
import type { Dialect } from './migrations/index.ts'
import { advisoryLock, KyselySettings, type SettingsStore } from './settings.ts'
import { KyselyModelVersions, type ModelVersionStore } from './model-versions.ts'
import { KyselySegmentDefinitions } from './segment-definitions.ts'
import type { SegmentDefinitionStore } from './segment-store.ts'
import { KyselyPredictions } from './predictions.ts'
import type { PredictionStore } from './segment-store.ts'
import type { PeopleTx } from './people.ts'
import { KyselySegmentMembers } from './segment-members.ts'
import type { SegmentMemberStore } from './segment-store.ts'
import type { AppendResult, EventQuery, ItemQuery, Store } from './store.ts'
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
    const nodes = query.personNodes
    let q = this.db
      .selectFrom('events')
      .selectAll()
      .where((eb) =>
        nodes
          ? eb('message_id', 'in', eb.selectFrom('person_events').select('message_id').where('person_id', 'in', nodes.length > 0 ? [...nodes] : ['']))
          : eb.or([eb('user_id', '=', query.personId), eb('anonymous_id', '=', query.personId)]),
      )
    if (query.kinds) q = q.where('kind', 'in', query.kinds.length > 0 ? [...query.kinds] : [''])
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

  async readEventsOfKinds(kinds: readonly EventKind[], from: number, to: number, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    if (kinds.length === 0) return []
    // The time bounds let PostgreSQL prune month partitions; the order by seq makes paging stable.
    const rows = await this.db
      .selectFrom('events')
      .selectAll()
      .where('kind', 'in', [...kinds])
      .where('timestamp', '>=', from)
      .where('timestamp', '<', to)
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
        await trx.deleteFrom('item_search_terms').where('item_id', 'in', ids).execute()
        const terms = chunk.flatMap(searchTermsOf)
        for (let t = 0; t < terms.length; t += 500) await trx.insertInto('item_search_terms').values(terms.slice(t, t + 500)).execute()
      }
    })
    return items.length
  }

  async getItem(id: string): Promise<Item | null> {
    const row = await this.db.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? rowToItem(row) : null
  }

  async getItems(ids: readonly string[]): Promise<Item[]> {
    const out: Item[] = []
    const unique = [...new Set(ids)]
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db.selectFrom('items').selectAll().where('id', 'in', unique.slice(i, i + 500)).execute()
      out.push(...rows.map(rowToItem))
    }
    return out
  }

  async listItems(query: ItemQuery): Promise<Page<Item>> {
    const rows = await itemListQuery(this.db, query).execute()
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

  async writePeople<T>(fn: (tx: PeopleTx) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await this.lockPeople(trx)
      return fn(new KyselyPeopleTx(trx, this.#searchDialect))
    })
  }

  /** Serialises people write batches across processes (PostgreSQL); SQLite has a single writer anyway. */
  protected async lockPeople(_trx: Kysely<Database>): Promise<void> {}

  #modelVersions: ModelVersionStore | null = null
  get modelVersions(): ModelVersionStore {
    this.#modelVersions ??= new KyselyModelVersions(this.db, (trx) => this.lockPeople(trx))
    return this.#modelVersions
  }

  #staff: StaffStore | null = null
  get staff(): StaffStore {
    this.#staff ??= new KyselyStaff(this.db)
    return this.#staff
  }

  #diagnostics: DiagnosticsStore | null = null
  get diagnostics(): DiagnosticsStore {
    this.#diagnostics ??= new KyselyDiagnostics(this.db, this.kind as Dialect)
    return this.#diagnostics
  }

  #settings: SettingsStore | null = null
  get settings(): SettingsStore {
    this.#settings ??= new KyselySettings(this.db, (lock, fn) => this.writeTransaction(lock, fn))
    return this.#settings
  }

  /**
   * One write transaction that holds the write lock from its first statement, so it may read, decide and
   * write: PostgreSQL takes the advisory lock `lock`; SQLite overrides this with BEGIN IMMEDIATE.
   */
  protected async writeTransaction<T>(lock: string, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      if (this.kind === 'postgres') await advisoryLock(trx, lock)
      return fn(trx)
    })
  }

  #segmentDefinitions: SegmentDefinitionStore | null = null
  get segmentDefinitions(): SegmentDefinitionStore {
    this.#segmentDefinitions ??= new KyselySegmentDefinitions(this.db, (lock, fn) => this.writeTransaction(lock, fn))
    return this.#segmentDefinitions
  }

  #segmentMembers: SegmentMemberStore | null = null
  get segmentMembers(): SegmentMemberStore {
    this.#segmentMembers ??= new KyselySegmentMembers(this.db, this.kind as Dialect)
    return this.#segmentMembers
  }

  #predictions: PredictionStore | null = null
  get predictions(): PredictionStore {
    this.#predictions ??= new KyselyPredictions(this.db)
    return this.#predictions
  }

  #impressions: ImpressionStore | null = null
  get impressions(): ImpressionStore {
    this.#impressions ??= new KyselyImpressions(this.db)
    return this.#impressions
  }

  get #searchDialect(): 'sqlite' | 'postgres' {
    return this.kind === 'postgres' ? 'postgres' : 'sqlite'
  }

  #overview: OverviewStore | null = null
  get overview(): OverviewStore {
    this.#overview ??= new KyselyOverview(this.db)
    return this.#overview
  }

  async readPeople<T>(fn: (tx: PeopleTx) => Promise<T>): Promise<T> {
    return fn(new KyselyPeopleTx(this.db, this.#searchDialect))
  }

  async resetPeople(): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.lockPeople(trx)
      for (const table of ['profiles', 'person_events', 'identity_log', 'identities', 'people'] as const) await trx.deleteFrom(table).execute()
    })
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
