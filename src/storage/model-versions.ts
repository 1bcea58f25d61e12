/**
 * Trained model versions, kept in the store so every API node loads the same artifact: one row per
 * training run with its status, progress, summary and (once ready) the artifact; at most one is active.
 */
import { type Kysely, sql } from 'kysely'
import type { Database } from './tables.ts'

export type ModelStatus = 'training' | 'ready' | 'failed'

export interface ModelVersion {
  id: string
  status: ModelStatus
  /** Why it was trained: "api", "cli", "schedule". */
  reason: string
  createdAt: number
  finishedAt: number | null
  heartbeatAt: number
  progress: number
  note: string
  error: string | null
  summary: Record<string, unknown>
  active: boolean
}

export interface ModelVersionStore {
  /**
   * Records a new training run, unless another is training with a heartbeat newer than `staleMs`
   * (then null: one training at a time across all nodes; a run whose heartbeat stopped is dead).
   */
  start(id: string, reason: string, now: number, staleMs: number): Promise<ModelVersion | null>
  /** Also the run's heartbeat. */
  progress(id: string, progress: number, note: string, now?: number): Promise<void>
  /** Stores the artifact and, with `activate`, makes it the active version in the same transaction. */
  finish(id: string, summary: Record<string, unknown>, artifact: Uint8Array, now: number, activate: boolean): Promise<void>
  fail(id: string, error: string, now: number): Promise<void>
  list(limit: number): Promise<ModelVersion[]>
  get(id: string): Promise<ModelVersion | null>
  active(): Promise<ModelVersion | null>
  artifact(id: string): Promise<Uint8Array | null>
  /** Makes a ready version the active one; false when it is not ready. */
  activate(id: string): Promise<boolean>
}

type Row = Omit<Database['model_versions'], 'artifact'>
const COLUMNS = ['id', 'status', 'reason', 'created_at', 'finished_at', 'heartbeat_at', 'progress', 'note', 'error', 'summary', 'active'] as const

function fromRow(r: Row): ModelVersion {
  return {
    id: r.id,
    status: r.status as ModelStatus,
    reason: r.reason,
    createdAt: Number(r.created_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    heartbeatAt: Number(r.heartbeat_at),
    progress: Number(r.progress),
    note: r.note,
    error: r.error,
    summary: JSON.parse(r.summary) as Record<string, unknown>,
    active: Number(r.active) === 1,
  }
}

export class KyselyModelVersions implements ModelVersionStore {
  readonly #db: Kysely<Database>
  readonly #lock: (trx: Kysely<Database>) => Promise<void>

  /** `lock` serialises starts across processes (PostgreSQL); SQLite's first write takes its lock. */
  constructor(db: Kysely<Database>, lock: (trx: Kysely<Database>) => Promise<void>) {
    this.#db = db
    this.#lock = lock
  }

  async start(id: string, reason: string, now: number, staleMs: number): Promise<ModelVersion | null> {
    return this.#db.transaction().execute(async (trx) => {
      await this.#lock(trx)
      // One statement: on SQLite the transaction's first statement is a write, so it holds the lock.
      const inserted = await sql`insert into model_versions (id, status, reason, created_at, heartbeat_at, progress, note, summary, active)
        select ${id}, 'training', ${reason}, ${now}, ${now}, 0, 'queued', '{}', 0
        where not exists (select 1 from model_versions where status = 'training' and heartbeat_at > ${now - staleMs})`.execute(trx)
      // Runs whose heartbeat stopped (a killed process) are marked failed, not left "training" forever.
      await trx
        .updateTable('model_versions')
        .set({ status: 'failed', error: 'the training process stopped (no heartbeat)', finished_at: now })
        .where('status', '=', 'training')
        .where('heartbeat_at', '<=', now - staleMs)
        .execute()
      if (Number(inserted.numAffectedRows ?? 0) === 0) return null
      const row = await trx.selectFrom('model_versions').select(COLUMNS).where('id', '=', id).executeTakeFirstOrThrow()
      return fromRow(row)
    })
  }

  async progress(id: string, progress: number, note: string, now = Date.now()): Promise<void> {
    await this.#db.updateTable('model_versions').set({ progress, note, heartbeat_at: now }).where('id', '=', id).where('status', '=', 'training').execute()
  }

  async finish(id: string, summary: Record<string, unknown>, artifact: Uint8Array, now: number, activate: boolean): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      if (activate) await trx.updateTable('model_versions').set({ active: 0 }).where('active', '=', 1).execute()
      await trx
        .updateTable('model_versions')
        .set({ status: 'ready', finished_at: now, progress: 1, note: 'done', summary: JSON.stringify(summary), artifact: Buffer.from(artifact), active: activate ? 1 : 0 })
        .where('id', '=', id)
        .execute()
    })
  }

  async fail(id: string, error: string, now: number): Promise<void> {
    await this.#db.updateTable('model_versions').set({ status: 'failed', finished_at: now, error: error.slice(0, 2000) }).where('id', '=', id).where('status', '=', 'training').execute()
  }

  async list(limit: number): Promise<ModelVersion[]> {
    const rows = await this.#db.selectFrom('model_versions').select(COLUMNS).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
    return rows.map(fromRow)
  }

  async get(id: string): Promise<ModelVersion | null> {
    const row = await this.#db.selectFrom('model_versions').select(COLUMNS).where('id', '=', id).executeTakeFirst()
    return row ? fromRow(row) : null
  }

  async active(): Promise<ModelVersion | null> {
    const row = await this.#db.selectFrom('model_versions').select(COLUMNS).where('active', '=', 1).executeTakeFirst()
    return row ? fromRow(row) : null
  }

  async artifact(id: string): Promise<Uint8Array | null> {
    const row = await this.#db.selectFrom('model_versions').select('artifact').where('id', '=', id).executeTakeFirst()
    return row?.artifact ? new Uint8Array(row.artifact) : null
  }

  async activate(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      // Write first: on SQLite a transaction that reads first cannot take the write lock once another
      // connection (the event appender, the projector) committed meanwhile, and fails at once with SQLITE_BUSY.
      const made = await trx.updateTable('model_versions').set({ active: 1 }).where('id', '=', id).where('status', '=', 'ready').executeTakeFirst()
      if (Number(made.numUpdatedRows) === 0) return false
      await trx.updateTable('model_versions').set({ active: 0 }).where('active', '=', 1).where('id', '!=', id).execute()
      return true
    })
  }
}
