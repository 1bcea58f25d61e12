/**
 * What staff read to debug the data: the live feed of stored events with the person each was stitched to,
 * the messages the ingest refused (kept for a bounded time and count, so a flood cannot fill the disk),
 * and the aggregates of the data-quality report. Everything is SQL aggregates or index-ordered pages,
 * written once for SQLite and PostgreSQL (the two JSON functions that differ are chosen by dialect).
 */
import { type Generated, type Kysely, type Selectable, sql } from 'kysely'
import type { Page, StoredEvent } from '../core/index.ts'
import type { Dialect } from './migrations/index.ts'
import { type Database, decodeCursor, encodeCursor, rowToEvent, type EventsTable } from './tables.ts'

/** One message the ingest refused (a single call, a batch member, or a whole batch body). */
export interface RejectedEvent {
  receivedAt: number
  /** The API key (or `staff:<user id>`) that sent it; null when it came without one (the demo's checkout). */
  keyId: string | null
  /** The call it came in: track, identify, page, screen, alias, group or batch. */
  endpoint: string
  /** Its position in the batch; null for a single call or a refused batch body. */
  index: number | null
  code: string
  field: string | null
  message: string
  /** The message's own messageId and type when it had them as short strings. */
  messageId: string | null
  type: string | null
  /** JSON text of the message as sent, cut at the recorder's cap (`truncated` then; no longer valid JSON). */
  raw: string
  truncated: boolean
}

export interface StoredRejectedEvent extends RejectedEvent {
  id: number
}

/** Refusals counted per UTC day (days since the epoch) and code. */
export interface RejectedCount {
  day: number
  code: string
  count: number
}

export interface RejectedQuery {
  limit: number
  cursor?: string | undefined
  code?: string | undefined
  /** Only rows with an id above this (polling for new ones). */
  after?: number | undefined
}

export interface FeedQuery {
  limit: number
  cursor?: string | undefined
  /** Only events with a log position above this (polling for new ones). */
  after?: number | undefined
  kind?: string | undefined
  /** Events whose userId or anonymousId is this. */
  id?: string | undefined
}

/** A stored event with the canonical person it was attributed to (null until the workers applied it). */
export interface FeedEvent extends StoredEvent {
  personId: string | null
}

export interface RetentionLimits {
  /** Rows older than this are removed. */
  maxAgeMs: number
  /** At most this many rows are kept (the newest). */
  maxRows: number
}

/** Raw figures of the data-quality report (the server turns them into shares and labels). */
export interface DataQualityFigures {
  identity: {
    /** Canonical people (roots of the identity graph). */
    people: number
    /** People with at least two anonymous ids and no user id. */
    anonymousOnlyMulti: number
    /** People with a user id. */
    withUserId: number
    /** People with a user id and at least two anonymous ids (stitched across devices or browsers). */
    multiDevice: number
    anonymousIds: number
    /** Anonymous ids that belong to a person with a user id. */
    anonymousIdsWithUser: number
    merges: number
    undoneMerges: number
    refusedMerges: number
    reassigned: number
  }
  catalog: {
    items: number
    withoutCategory: number
    withoutPrice: number
    withoutImage: number
    /** Events that name an item (item_id set). */
    eventsWithItem: number
    eventsUnknownItem: number
    unknownItems: number
    /** The unknown item ids named most often. */
    topUnknown: { itemId: string; events: number }[]
  }
  sparsity: {
    /** People with at least one attributed event. */
    people: number
    events: number
    /** People by their number of events: `min` is the bucket's lower bound (1, 2, 3, 5, 10, 20, 50, 100). */
    buckets: { min: number; people: number }[]
  }
  /** Recommendation placements served in the range, by strategy and the levels that supplied them (JSON array text, null when not recorded). */
  placements: { strategy: string; servedBy: string | null; count: number }[]
  consent: {
    profiles: number
    purposes: { purpose: string; granted: number; denied: number }[]
  }
  rejected: RejectedCount[]
}

export interface DiagnosticsStore {
  /** Stores refused messages and adds to the per-day counts (which may count more than `rows`: rows beyond a cap are counted only). */
  recordRejected(rows: readonly RejectedEvent[], counts: readonly RejectedCount[]): Promise<void>
  /** Removes rows past the limits (and day counts older than 400 days); returns how many rows went. */
  pruneRejected(now: number, limits: RetentionLimits): Promise<number>
  /** Refused messages, newest first. */
  listRejected(query: RejectedQuery): Promise<Page<StoredRejectedEvent>>
  /** Stored events, newest first (by log position), with their canonical person. */
  feed(query: FeedQuery): Promise<Page<FeedEvent>>
  /** The data-quality aggregates; placements and refusals within [from, to) (ms). */
  dataQuality(from: number, to: number): Promise<DataQualityFigures>
}

export interface RejectedEventsTable {
  id: Generated<number>
  received_at: number
  key_id: string | null
  endpoint: string
  batch_index: number | null
  code: string
  field: string | null
  message: string
  message_id: string | null
  type: string | null
  raw: string
  truncated: number
}

export interface RejectedEventCountsTable {
  day: number
  code: string
  count: number
}

export const DAY_MS = 86_400_000
const COUNT_DAYS_KEPT = 400
const BUCKETS = [100, 50, 20, 10, 5, 3, 2, 1]

const n = (v: unknown) => Number(v ?? 0)

const toRejected = (r: Selectable<RejectedEventsTable>): StoredRejectedEvent => ({
  id: Number(r.id),
  receivedAt: Number(r.received_at),
  keyId: r.key_id,
  endpoint: r.endpoint,
  index: r.batch_index === null ? null : Number(r.batch_index),
  code: r.code,
  field: r.field,
  message: r.message,
  messageId: r.message_id,
  type: r.type,
  raw: r.raw,
  truncated: Number(r.truncated) === 1,
})

/** The live feed's statement: newest first by log position (exported so a test can read SQLite's plan for it). */
export function feedQuery(db: Kysely<Database>, query: FeedQuery) {
  let q = db
    .selectFrom('events as e')
    .leftJoin('person_events as pe', 'pe.message_id', 'e.message_id')
    .leftJoin('people as p', 'p.id', 'pe.person_id')
    .selectAll('e')
    .select(sql<string | null>`coalesce(p.merged_into, p.id)`.as('person_id'))
  if (query.kind !== undefined) q = q.where('e.kind', '=', query.kind)
  const id = query.id
  if (id !== undefined) q = q.where((eb) => eb.or([eb('e.user_id', '=', id), eb('e.anonymous_id', '=', id)]))
  if (query.after !== undefined) q = q.where('e.seq', '>', query.after)
  if (query.cursor) q = q.where('e.seq', '<', decodeCursor(query.cursor, ['number'])[0] as number)
  return q.orderBy('e.seq', 'desc').limit(query.limit + 1)
}

export class KyselyDiagnostics implements DiagnosticsStore {
  readonly #db: Kysely<Database>
  readonly #dialect: Dialect

  constructor(db: Kysely<Database>, dialect: Dialect) {
    this.#db = db
    this.#dialect = dialect
  }

  async recordRejected(rows: readonly RejectedEvent[], counts: readonly RejectedCount[]): Promise<void> {
    if (rows.length === 0 && counts.length === 0) return
    await this.#db.transaction().execute(async (trx) => {
      // 11 columns a row: 50 rows stay well under SQLite's bound-parameter limit.
      for (let i = 0; i < rows.length; i += 50) {
        await trx
          .insertInto('rejected_events')
          .values(
            rows.slice(i, i + 50).map((r) => ({
              received_at: r.receivedAt,
              key_id: r.keyId,
              endpoint: r.endpoint,
              batch_index: r.index,
              code: r.code,
              field: r.field,
              message: r.message,
              message_id: r.messageId,
              type: r.type,
              raw: r.raw,
              truncated: r.truncated ? 1 : 0,
            })),
          )
          .execute()
      }
      for (const c of counts) {
        await trx
          .insertInto('rejected_event_counts')
          .values({ day: c.day, code: c.code, count: c.count })
          .onConflict((oc) => oc.columns(['day', 'code']).doUpdateSet({ count: sql`rejected_event_counts.count + excluded.count` }))
          .execute()
      }
    })
  }

  async pruneRejected(now: number, limits: RetentionLimits): Promise<number> {
    const old = await this.#db.deleteFrom('rejected_events').where('received_at', '<', now - limits.maxAgeMs).executeTakeFirst()
    const top = await this.#db.selectFrom('rejected_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst()
    let over = 0n
    if (top?.id !== null && top?.id !== undefined) {
      // Ids only grow, so everything at or below (newest id - maxRows) is beyond the newest maxRows rows.
      const result = await this.#db.deleteFrom('rejected_events').where('id', '<=', Number(top.id) - limits.maxRows).executeTakeFirst()
      over = result.numDeletedRows
    }
    await this.#db.deleteFrom('rejected_event_counts').where('day', '<', Math.floor(now / DAY_MS) - COUNT_DAYS_KEPT).execute()
    return Number(old.numDeletedRows + over)
  }

  async listRejected(query: RejectedQuery): Promise<Page<StoredRejectedEvent>> {
    let q = this.#db.selectFrom('rejected_events').selectAll()
    if (query.code !== undefined) q = q.where('code', '=', query.code)
    if (query.after !== undefined) q = q.where('id', '>', query.after)
    if (query.cursor) q = q.where('id', '<', decodeCursor(query.cursor, ['number'])[0] as number)
    const rows = await q.orderBy('id', 'desc').limit(query.limit + 1).execute()
    const data = rows.slice(0, query.limit).map(toRejected)
    const last = data.at(-1)
    return { data, nextCursor: rows.length > query.limit && last ? encodeCursor([last.id]) : null }
  }

  async feed(query: FeedQuery): Promise<Page<FeedEvent>> {
    const rows = await feedQuery(this.#db, query).execute()
    const data = rows.slice(0, query.limit).map((r) => ({ ...rowToEvent(r as EventsTable), personId: r.person_id ?? null }))
    const last = data.at(-1)
    return { data, nextCursor: rows.length > query.limit && last ? encodeCursor([last.seq]) : null }
  }

  async dataQuality(from: number, to: number): Promise<DataQualityFigures> {
    const db = this.#db
    const one = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows[0]!
    const all = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows

    const rootsQ = one<{ n: unknown }>(sql`select count(*) as n from people where merged_into is null`)
    const idsQ = one<Record<string, unknown>>(sql`
      select
        sum(case when users = 0 and anon >= 2 then 1 else 0 end) as anon_only_multi,
        sum(case when users > 0 then 1 else 0 end) as with_user,
        sum(case when users > 0 and anon >= 2 then 1 else 0 end) as multi_device,
        sum(anon) as anon_ids,
        sum(case when users > 0 then anon else 0 end) as anon_with_user
      from (
        select coalesce(p.merged_into, p.id) as root,
          sum(case when i.type = 'anonymous_id' then 1 else 0 end) as anon,
          sum(case when i.type = 'user_id' then 1 else 0 end) as users
        from identities i join people p on p.id = i.person_id
        group by coalesce(p.merged_into, p.id)
      ) per_person`)
    const logQ = all<{ kind: string; n: unknown; undone: unknown }>(
      sql`select kind, count(*) as n, sum(case when undone_at is not null then 1 else 0 end) as undone from identity_log group by kind`,
    )

    const itemsQ = one<Record<string, unknown>>(sql`
      select count(*) as items,
        sum(case when categories = '[]' then 1 else 0 end) as no_category,
        sum(case when price is null then 1 else 0 end) as no_price,
        sum(case when image_url is null or image_url = '' then 1 else 0 end) as no_image
      from items`)
    const namedQ = one<Record<string, unknown>>(sql`
      select count(*) as with_item,
        sum(case when i.id is null then 1 else 0 end) as unknown_events,
        count(distinct case when i.id is null then e.item_id end) as unknown_items
      from events e left join items i on i.id = e.item_id
      where e.item_id is not null`)
    const topUnknownQ = all<{ item_id: string; n: unknown }>(sql`
      select e.item_id, count(*) as n from events e left join items i on i.id = e.item_id
      where e.item_id is not null and i.id is null
      group by e.item_id order by count(*) desc, e.item_id limit 10`)

    const bucket = sql.raw(`case ${BUCKETS.map((b) => `when n >= ${b} then ${b}`).join(' ')} end`)
    const sparsityQ = all<{ bucket: unknown; people: unknown; events: unknown }>(sql`
      select ${bucket} as bucket, count(*) as people, sum(n) as events
      from (
        select coalesce(p.merged_into, pe.person_id) as root, count(*) as n
        from person_events pe left join people p on p.id = pe.person_id
        -- '' marks events the projector could attribute to nobody: not one big person.
        where pe.person_id <> ''
        group by coalesce(p.merged_into, pe.person_id)
      ) per_person
      group by ${bucket}`)

    const placementsQ = all<{ strategy: string; served_by: string | null; n: unknown }>(sql`
      select strategy, served_by, count(*) as n from recommendation_impressions
      where served_at >= ${from} and served_at < ${to}
      group by strategy, served_by`)

    const profilesQ = one<{ n: unknown }>(sql`select count(*) as n from profiles`)
    const consentQ = all<{ purpose: string; granted: unknown; denied: unknown }>(
      this.#dialect === 'postgres'
        ? sql`
          select c.key as purpose,
            sum(case when c.value ->> 'granted' = 'true' then 1 else 0 end) as granted,
            sum(case when c.value ->> 'granted' = 'false' then 1 else 0 end) as denied
          from (select p.state::json -> 'consent' as consent from profiles p) s,
            json_each(case when json_typeof(s.consent) = 'object' then s.consent else '{}'::json end) c
          group by c.key order by c.key`
        : sql`
          select c.key as purpose,
            sum(case when json_extract(c.value, '$.granted') = 1 then 1 else 0 end) as granted,
            sum(case when json_extract(c.value, '$.granted') = 0 then 1 else 0 end) as denied
          from profiles p, json_each(p.state, '$.consent') c
          where json_type(p.state, '$.consent') = 'object'
          group by c.key order by c.key`,
    )

    const rejectedQ = db
      .selectFrom('rejected_event_counts')
      .selectAll()
      .where('day', '>=', Math.floor(from / DAY_MS))
      .where('day', '<=', Math.floor((to - 1) / DAY_MS))
      .orderBy('day')
      .orderBy('code')
      .execute()

    // Independent reads: on PostgreSQL they run side by side on the pool's connections.
    const [roots, ids, log, items, named, topUnknown, sparsity, placements, profiles, consent, rejected] = await Promise.all([rootsQ, idsQ, logQ, itemsQ, namedQ, topUnknownQ, sparsityQ, placementsQ, profilesQ, consentQ, rejectedQ])
    const logOf = (kind: string) => log.find((l) => l.kind === kind)

    return {
      identity: {
        people: n(roots.n),
        anonymousOnlyMulti: n(ids.anon_only_multi),
        withUserId: n(ids.with_user),
        multiDevice: n(ids.multi_device),
        anonymousIds: n(ids.anon_ids),
        anonymousIdsWithUser: n(ids.anon_with_user),
        merges: n(logOf('merge')?.n),
        undoneMerges: n(logOf('merge')?.undone),
        refusedMerges: n(logOf('refused')?.n),
        reassigned: n(logOf('reassigned')?.n),
      },
      catalog: {
        items: n(items.items),
        withoutCategory: n(items.no_category),
        withoutPrice: n(items.no_price),
        withoutImage: n(items.no_image),
        eventsWithItem: n(named.with_item),
        eventsUnknownItem: n(named.unknown_events),
        unknownItems: n(named.unknown_items),
        topUnknown: topUnknown.map((r) => ({ itemId: r.item_id, events: n(r.n) })),
      },
      sparsity: {
        people: sparsity.reduce((sum, r) => sum + n(r.people), 0),
        events: sparsity.reduce((sum, r) => sum + n(r.events), 0),
        buckets: [...BUCKETS].reverse().map((min) => ({ min, people: n(sparsity.find((r) => n(r.bucket) === min)?.people) })),
      },
      placements: placements.map((r) => ({ strategy: r.strategy, servedBy: r.served_by, count: n(r.n) })),
      consent: {
        profiles: n(profiles.n),
        purposes: consent.map((r) => ({ purpose: r.purpose, granted: n(r.granted), denied: n(r.denied) })),
      },
      rejected: rejected.map((r) => ({ day: Number(r.day), code: r.code, count: Number(r.count) })),
    }
  }
}
