/**
 * The embedded store: one SQLite file in WAL mode through better-sqlite3. Queries come from
 * `KyselyStore`, except the event append, which is the ingestion hot path and uses one cached prepared statement
 * inside a transaction (better-sqlite3 is synchronous, so a whole group commit is one short call).
 */
import fs from 'node:fs'
import path from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import type { EventRecord } from '../../core/index.ts'
import { KyselyStore } from '../kysely-store.ts'
import { migrationProvider } from '../migrations/index.ts'
import type { AppendResult } from '../store.ts'
import { type Database, type EventsTable, eventToRow } from '../tables.ts'

export interface SqliteStoreOptions {
  /** `full` fsyncs each commit (durable across power loss); `normal` is durable across process crashes. */
  synchronous?: 'full' | 'normal'
}

export class SqliteStore extends KyselyStore {
  readonly kind = 'sqlite'
  readonly #raw: BetterSqlite3.Database
  protected readonly db: Kysely<Database>
  readonly #appendTx: (rows: Omit<EventsTable, 'seq'>[]) => string[]
  #insertEvent: BetterSqlite3.Statement | undefined

  constructor(file: string, options: SqliteStoreOptions = {}) {
    super()
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true })
    this.#raw = new BetterSqlite3(file)
    this.#raw.pragma('journal_mode = WAL')
    this.#raw.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
    this.#raw.pragma('busy_timeout = 10000')
    this.#raw.pragma('foreign_keys = ON')
    this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: this.#raw }) })
    // One transaction per group commit; returns the message ids that were already stored.
    this.#appendTx = this.#raw.transaction((rows: Omit<EventsTable, 'seq'>[]) => {
      const insert = this.#insertStatement()
      const duplicates: string[] = []
      for (const row of rows) {
        if (insert.run(row).changes === 0) duplicates.push(row.message_id)
      }
      return duplicates
    })
  }

  /** Prepared on first use: the table exists only after migrate(). */
  #insertStatement(): BetterSqlite3.Statement {
    this.#insertEvent ??= this.#raw.prepare(
      `insert into events (message_id, type, event, kind, user_id, anonymous_id, item_id, timestamp, received_at, message, data)
       values (@message_id, @type, @event, @kind, @user_id, @anonymous_id, @item_id, @timestamp, @received_at, @message, @data)
       on conflict (message_id) do nothing`,
    )
    return this.#insertEvent
  }

  async migrate(): Promise<void> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider('sqlite') })
    const { error } = await migrator.migrateToLatest()
    if (error) throw error
  }

  async ping(): Promise<void> {
    this.#raw.prepare('select 1').get()
  }

  async close(): Promise<void> {
    if (!this.#raw.open) return
    await this.db.destroy()
  }

  async appendEvents(events: readonly EventRecord[]): Promise<AppendResult> {
    if (events.length === 0) return { inserted: 0, duplicates: [] }
    const duplicates = this.#appendTx(events.map(eventToRow))
    return { inserted: events.length - duplicates.length, duplicates }
  }
}
