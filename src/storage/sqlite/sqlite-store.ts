/**
 * The embedded store: one SQLite file in WAL mode through better-sqlite3. Queries come from
 * `KyselyStore`, except the event append, which is the ingestion hot path: one cached prepared statement
 * inside a transaction, run on a second connection in a worker thread (see `AppendThread`).
 */
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase, sql } from 'kysely'
import type { EventRecord } from '../../core/index.ts'
import { KyselyPeopleTx } from '../kysely-people.ts'
import { KyselyStore } from '../kysely-store.ts'
import type { PeopleTx } from '../people.ts'
import { migrationProvider } from '../migrations/index.ts'
import type { AppendResult } from '../store.ts'
import { type Database, type EventsTable, eventToRow } from '../tables.ts'

export interface SqliteStoreOptions {
  /** `full` fsyncs each commit (durable across power loss); `normal` is durable across process crashes. */
  synchronous?: 'full' | 'normal'
}

/**
 * WAL pages after which a commit also checkpoints (copies the WAL back into the database file). SQLite's
 * default, 1000 pages (4 MB), is less than one group commit writes under load (each event changes a
 * leaf page in up to five indexes), so every commit checkpointed. At 10,000 pages (about 40 MB of WAL)
 * a checkpoint covers several commits and copies a page changed by several of them once.
 */
const CHECKPOINT_PAGES = 10_000

const INSERT_EVENT = `insert into events (message_id, type, event, kind, user_id, anonymous_id, item_id, timestamp, received_at, message, data)
  values (@message_id, @type, @event, @kind, @user_id, @anonymous_id, @item_id, @timestamp, @received_at, @message, @data)
  on conflict (message_id) do nothing`

/**
 * The worker's code. Plain JavaScript run as CommonJS (`eval`), because worker threads do not get tsx's
 * loader. It opens its own connection with the store's `synchronous` setting and runs each append as one
 * transaction; the reply is posted only after COMMIT returned, i.e. after the fsync.
 */
const APPEND_WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.file)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = ' + workerData.synchronous)
db.pragma('busy_timeout = 10000')
db.pragma('wal_autocheckpoint = ' + workerData.checkpointPages)
const insert = db.prepare(workerData.sql)
const append = db.transaction((rows) => {
  const duplicates = []
  for (const row of rows) if (insert.run(row).changes === 0) duplicates.push(row.message_id)
  return duplicates
})
parentPort.on('message', (m) => {
  if (m.close) {
    db.close()
    parentPort.close()
    return
  }
  try {
    parentPort.postMessage({ id: m.id, duplicates: append(m.rows) })
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { message: String((e && e.message) || e), name: e && e.name, code: e && e.code } })
  }
})
`

interface AppendReply {
  id: number
  duplicates?: string[]
  error?: { message: string; name?: string; code?: string }
}

/**
 * Event appends on their own connection in a worker thread. better-sqlite3 is synchronous, so on the main
 * thread a group commit (five index inserts per event, then fsync: tens of milliseconds under load) stops
 * the event loop: no request is read, parsed or answered meanwhile, and Node accepts one new connection
 * per loop turn. In the worker the commit overlaps with the HTTP work of the next group. Appends run one
 * at a time in the order sent; SQLite's write lock orders them with the main connection's writes.
 */
class AppendThread {
  readonly #worker: Worker
  readonly #pending = new Map<number, { resolve: (duplicates: string[]) => void; reject: (error: unknown) => void }>()
  readonly #exited: Promise<void>
  #next = 0
  #failure: Error | null = null
  #closing = false

  constructor(file: string, synchronous: 'FULL' | 'NORMAL') {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.#worker = new Worker(APPEND_WORKER, {
      eval: true,
      // The code is CommonJS whatever the parent was started with (`--input-type=module` would make it ESM).
      execArgv: process.execArgv.filter((arg, i, all) => !arg.startsWith('--input-type') && all[i - 1] !== '--input-type'),
      workerData: { driver, file, synchronous, sql: INSERT_EVENT, checkpointPages: CHECKPOINT_PAGES },
    })
    // Only pending appends keep the process alive, as with a synchronous call.
    this.#worker.unref()
    this.#worker.on('message', (reply: AppendReply) => this.#settle(reply))
    this.#worker.on('error', (error) => this.#fail(error))
    this.#exited = new Promise((resolve) =>
      this.#worker.once('exit', (code) => {
        this.#fail(new Error(`the event append thread stopped (exit code ${code})`))
        resolve()
      }),
    )
  }

  /** True once the thread has died; a new one is started for the next append. */
  get failed(): boolean {
    return this.#failure !== null
  }

  /** Resolves with the message ids that were already stored, once the transaction is committed. */
  append(rows: Omit<EventsTable, 'seq'>[]): Promise<string[]> {
    if (this.#failure) return Promise.reject(this.#failure)
    const id = this.#next++
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref()
      this.#pending.set(id, { resolve, reject })
      this.#worker.postMessage({ id, rows })
    })
  }

  #settle(reply: AppendReply): void {
    const waiter = this.#pending.get(reply.id)
    if (!waiter) return
    this.#pending.delete(reply.id)
    if (this.#pending.size === 0 && !this.#closing) this.#worker.unref()
    if (reply.error) {
      // Same shape as better-sqlite3's SqliteError (name, message, code), so error mapping is unchanged.
      const error = Object.assign(new Error(reply.error.message), { code: reply.error.code })
      error.name = reply.error.name ?? 'Error'
      waiter.reject(error)
    } else waiter.resolve(reply.duplicates ?? [])
  }

  #fail(error: unknown): void {
    this.#failure ??= error instanceof Error ? error : new Error(String(error))
    for (const waiter of this.#pending.values()) waiter.reject(this.#failure)
    this.#pending.clear()
  }

  /** Lets the appends already sent finish, closes the thread's connection and waits for the thread to end. */
  async close(): Promise<void> {
    if (!this.#failure && !this.#closing) {
      this.#closing = true
      this.#worker.ref()
      this.#worker.postMessage({ close: true })
    }
    await this.#exited
  }
}

/**
 * Kysely's SQLite driver prepares every query afresh, and preparing costs about as much as running a
 * small query (a fifth of a profile read's time). The same SQL text gets the same statement back; a
 * statement still iterating (busy) is never handed out twice.
 */
function cachingStatements(db: BetterSqlite3.Database, size = 500): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>()
  return {
    close: () => db.close(),
    prepare(sql: string) {
      const cached = cache.get(sql)
      if (cached && !cached.busy) {
        cache.delete(sql) // re-insert: Map order is the eviction order
        cache.set(sql, cached)
        return cached
      }
      const statement = db.prepare(sql)
      if (!cached) cache.set(sql, statement)
      if (cache.size > size) cache.delete(cache.keys().next().value!)
      return statement
    },
  }
}

export class SqliteStore extends KyselyStore {
  readonly kind = 'sqlite'
  readonly #raw: BetterSqlite3.Database
  protected readonly db: Kysely<Database>
  readonly #appendTx: (rows: Omit<EventsTable, 'seq'>[]) => string[]
  readonly #file: string
  readonly #synchronous: 'FULL' | 'NORMAL'
  #insertEvent: BetterSqlite3.Statement | undefined
  #appendThread: AppendThread | null = null
  #closing = false

  constructor(file: string, options: SqliteStoreOptions = {}) {
    super()
    this.#file = file
    this.#synchronous = options.synchronous === 'normal' ? 'NORMAL' : 'FULL'
    // Owner-only: the store holds people's histories (SQLite gives its WAL and SHM files the database file's mode).
    const created = file !== ':memory:' && !fs.existsSync(file)
    if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    this.#raw = new BetterSqlite3(file)
    if (created) fs.chmodSync(file, 0o600)
    this.#raw.pragma('journal_mode = WAL')
    this.#raw.pragma(`synchronous = ${this.#synchronous}`)
    this.#raw.pragma('busy_timeout = 10000')
    this.#raw.pragma('foreign_keys = ON')
    this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(this.#raw) }) })
    // One transaction per group commit; returns the message ids that were already stored. Used for
    // in-memory databases, which a second connection cannot open; files use the append thread.
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
    this.#insertEvent ??= this.#raw.prepare(INSERT_EVENT)
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
    this.#closing = true
    const thread = this.#appendThread
    this.#appendThread = null
    await thread?.close()
    await this.db.destroy()
  }

  async appendEvents(events: readonly EventRecord[]): Promise<AppendResult> {
    if (events.length === 0) return { inserted: 0, duplicates: [] }
    const rows = events.map(eventToRow)
    const duplicates = this.#file === ':memory:' || this.#file === '' ? this.#appendTx(rows) : await this.#thread().append(rows)
    return { inserted: events.length - duplicates.length, duplicates }
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads first would fail
   * with SQLITE_BUSY_SNAPSHOT when the append thread commits between its reads and its first write.
   */
  override async writePeople<T>(fn: (tx: PeopleTx) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        const result = await fn(new KyselyPeopleTx(conn))
        await sql`commit`.execute(conn)
        return result
      } catch (error) {
        await sql`rollback`.execute(conn)
        throw error
      }
    })
  }

  /** BEGIN IMMEDIATE, for the same reason as writePeople. */
  protected override async writeTransaction<T>(_lock: string, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn)
      try {
        const result = await fn(conn)
        await sql`commit`.execute(conn)
        return result
      } catch (error) {
        await sql`rollback`.execute(conn)
        throw error
      }
    })
  }

  /** Started at the first append (the table exists only after migrate()), again if it ever died. */
  #thread(): AppendThread {
    if (this.#closing || !this.#raw.open) throw new TypeError('The database connection is not open')
    if (this.#appendThread === null || this.#appendThread.failed) this.#appendThread = new AppendThread(path.resolve(this.#file), this.#synchronous)
    return this.#appendThread
  }
}
