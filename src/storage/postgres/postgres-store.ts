/**
 * The production store on PostgreSQL (pg pool + Kysely). Events live in a table partitioned by month of
 * event time; deduplication by messageId uses the `event_ids` table in the same transaction, because a
 * partitioned table cannot hold a unique index without the partition key. Large appends (imports, big
 * group commits) go through COPY into a temporary staging table.
 */
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import type { EventRecord } from '../../core/index.ts'
import { KyselyStore } from '../kysely-store.ts'
import { migrationProvider } from '../migrations/index.ts'
import type { AppendResult } from '../store.ts'
import { type Database, type EventsTable, eventToRow } from '../tables.ts'
import { monthPartitions } from './partitions.ts'
import { copyText } from './copy-text.ts'

/** Appends of at least this many events use COPY; smaller ones a single INSERT … SELECT FROM unnest. */
const COPY_THRESHOLD = 1000

const COLUMNS = ['message_id', 'type', 'event', 'kind', 'user_id', 'anonymous_id', 'item_id', 'timestamp', 'received_at', 'message', 'data'] as const

// int8 and numeric arrive as strings by default; every int8 here (seq, ms timestamps, counts) fits a double.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format as 'text')
  },
}

export interface PostgresStoreOptions {
  /** Most connections in the pool (default 10). */
  maxConnections?: number
}

export class PostgresStore extends KyselyStore {
  readonly kind = 'postgres'
  protected readonly db: Kysely<Database>
  readonly #pool: pg.Pool
  readonly #partitions = new Set<string>()

  constructor(url: string, options: PostgresStoreOptions = {}) {
    super()
    this.#pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types, connectionTimeoutMillis: 5000 })
    // A client losing its connection (idle or checked out) must not crash the process: the query in
    // flight fails (the request gets a 503), the pool discards the client and reconnects on demand.
    this.#pool.on('error', () => {})
    this.#pool.on('connect', (client) => client.on('error', () => {}))
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: this.#pool }) })
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider('postgres') })
    const { error } = await migrator.migrateToLatest()
    if (error) throw error
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db)
  }

  async close(): Promise<void> {
    await this.db.destroy()
  }

  /** One people write batch at a time across every process: released at commit or rollback. */
  protected override async lockPeople(trx: Kysely<Database>): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('attune-people'))`.execute(trx)
  }

  async appendEvents(events: readonly EventRecord[]): Promise<AppendResult> {
    if (events.length === 0) return { inserted: 0, duplicates: [] }
    await this.#ensurePartitions(events)
    const rows = events.map(eventToRow)
    const client = await this.#pool.connect()
    try {
      await client.query('begin')
      const fresh = rows.length >= COPY_THRESHOLD ? await this.#appendByCopy(client, rows) : await this.#appendByUnnest(client, rows)
      await client.query('commit')
      // Everything not freshly inserted (including a repeat inside this same call) is a duplicate.
      const duplicates: string[] = []
      const seen = new Set<string>()
      for (const r of rows) {
        if (fresh.has(r.message_id) && !seen.has(r.message_id)) seen.add(r.message_id)
        else duplicates.push(r.message_id)
      }
      return { inserted: rows.length - duplicates.length, duplicates }
    } catch (error) {
      await client.query('rollback').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  async #appendByUnnest(client: pg.PoolClient, rows: Omit<EventsTable, 'seq'>[]): Promise<Set<string>> {
    const arrays = COLUMNS.map((c) => rows.map((r) => r[c]))
    const result = await client.query<{ message_id: string }>(
      `with input as (
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                              $8::bigint[], $9::bigint[], $10::text[], $11::text[])
           with ordinality as t(${COLUMNS.join(', ')}, ord)
       ),
       fresh as (
         insert into event_ids (message_id) select message_id from input order by ord
         on conflict do nothing returning message_id
       ),
       firsts as (
         select distinct on (message_id) input.* from input join fresh using (message_id) order by message_id, ord
       )
       insert into events (${COLUMNS.join(', ')})
       select ${COLUMNS.join(', ')} from firsts order by ord
       returning message_id`,
      arrays,
    )
    return new Set(result.rows.map((r) => r.message_id))
  }

  async #appendByCopy(client: pg.PoolClient, rows: Omit<EventsTable, 'seq'>[]): Promise<Set<string>> {
    await client.query(
      `create temporary table event_stage (
         message_id text, type text, event text, kind text, user_id text, anonymous_id text, item_id text,
         timestamp bigint, received_at bigint, message text, data text, ord bigint
       ) on commit drop`,
    )
    const lines = rows.map((r, i) => `${copyText([...COLUMNS.map((c) => r[c]), i])}\n`)
    await pipeline(Readable.from(lines), client.query(copyFrom(`copy event_stage from stdin`)))
    const result = await client.query<{ message_id: string }>(
      `with fresh as (
         insert into event_ids (message_id) select message_id from event_stage order by ord
         on conflict do nothing returning message_id
       ),
       firsts as (
         select distinct on (message_id) s.* from event_stage s join fresh using (message_id) order by message_id, ord
       )
       insert into events (${COLUMNS.join(', ')})
       select ${COLUMNS.join(', ')} from firsts order by ord
       returning message_id`,
    )
    return new Set(result.rows.map((r) => r.message_id))
  }

  /** Creates the monthly partitions these events need (once per process per month). */
  async #ensurePartitions(events: readonly EventRecord[]): Promise<void> {
    for (const part of monthPartitions(events.map((e) => e.timestamp))) {
      if (this.#partitions.has(part.name)) continue
      try {
        await this.#pool.query(
          `create table if not exists ${part.name} partition of events for values from (${part.from}) to (${part.to})`,
        )
      } catch (error) {
        // Another node created it at the same moment: fine.
        const code = (error as { code?: string }).code
        if (code !== '42P07' && code !== '23505') throw error
      }
      this.#partitions.add(part.name)
    }
  }
}
