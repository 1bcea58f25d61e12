/**
 * Engine settings changed at run time (the dashboard's Settings page, `PUT /v1/settings`), kept in the store
 * so every node reads the same ones: one row per setting, its value as JSON. Every change raises the
 * version of the whole document (the highest row version), so a writer that read version n can ask for its
 * change to apply only if nothing changed since.
 *
 * Also the guarded revocation of API keys: revoking the last active secret key would lock every server-side
 * caller out, so it is refused in the same statement that revokes (and, on PostgreSQL, under a lock).
 */
import { type Kysely, sql } from 'kysely'
import type { Database } from './tables.ts'

export interface StoredSetting {
  key: string
  /** The setting's value as it was stored (parsed JSON). */
  value: unknown
  version: number
  /** Milliseconds since the epoch. */
  updatedAt: number
  /** Who changed it last (a staff email, or "secret key <id>"). */
  updatedBy: string
}

export interface SettingsDocument {
  values: Record<string, StoredSetting>
  /** The highest version of any setting; 0 when none was ever stored. */
  version: number
}

export type RevokeOutcome = 'revoked' | 'not_found' | 'last_secret'

export interface SettingsStore {
  /** Every stored setting, and the document's version. */
  read(): Promise<SettingsDocument>
  /**
   * Stores these settings (key → JSON-serialisable value) as one change. When `expectedVersion` is given and
   * the document's version is another, nothing is written and null is returned.
   */
  write(values: Record<string, unknown>, change: { updatedBy: string; now: number; expectedVersion?: number | undefined }): Promise<SettingsDocument | null>
  /** Revokes an active key, unless it is the last active secret key. */
  revokeApiKey(id: string, at: Date): Promise<RevokeOutcome>
  /** Records when keys were used (key id → ms); a time older than the stored one is ignored. */
  recordKeyUses(uses: ReadonlyMap<string, number>): Promise<void>
  /** When each key was last used, as far as the nodes wrote it (key id → ms). */
  keyUses(): Promise<Map<string, number>>
}

export interface ApiKeyUsesTable {
  key_id: string
  last_used_at: number
}

export interface SettingsTable {
  key: string
  value: string
  version: number
  updated_at: number
  updated_by: string
}

/** PostgreSQL: a transaction-scoped advisory lock per name, released at commit or rollback. */
export async function advisoryLock(trx: Kysely<Database>, name: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${name}))`.execute(trx)
}

/**
 * Runs `fn` as one write transaction holding the write lock from its start, so it may read, decide and
 * write (KyselyStore.writeTransaction: SQLite BEGIN IMMEDIATE, PostgreSQL the advisory lock `lock`).
 */
export type WriteTransaction = <T>(lock: string, fn: (trx: Kysely<Database>) => Promise<T>) => Promise<T>

export class KyselySettings implements SettingsStore {
  readonly #db: Kysely<Database>
  readonly #transact: WriteTransaction

  /**
   * `transact` serialises writers across processes: on SQLite a deferred transaction that read first would fail
   * with SQLITE_BUSY_SNAPSHOT when another connection (the append thread, a worker thread) committed meanwhile.
   */
  constructor(db: Kysely<Database>, transact: WriteTransaction) {
    this.#db = db
    this.#transact = transact
  }

  async read(): Promise<SettingsDocument> {
    return readDocument(this.#db)
  }

  async write(values: Record<string, unknown>, change: { updatedBy: string; now: number; expectedVersion?: number | undefined }): Promise<SettingsDocument | null> {
    return this.#transact('attune-settings', async (trx) => {
      const row = await trx.selectFrom('settings').select((eb) => eb.fn.max('version').as('v')).executeTakeFirst()
      const current = Number(row?.v ?? 0)
      if (change.expectedVersion !== undefined && change.expectedVersion !== current) return null
      const version = current + 1
      for (const [key, value] of Object.entries(values)) {
        const record = { key, value: JSON.stringify(value), version, updated_at: change.now, updated_by: change.updatedBy }
        await trx
          .insertInto('settings')
          .values(record)
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: record.value, version, updated_at: change.now, updated_by: change.updatedBy }))
          .execute()
      }
      return readDocument(trx)
    })
  }

  async revokeApiKey(id: string, at: Date): Promise<RevokeOutcome> {
    return this.#transact('attune-keys', async (trx) => {
      // One statement: on SQLite it holds the write lock from the count to the update.
      const result = await trx
        .updateTable('api_keys')
        .set({ revoked_at: at.toISOString() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('scope', '!=', 'secret'),
            eb(
              eb.selectFrom('api_keys as other').select(sql<number>`count(*)`.as('n')).where('other.scope', '=', 'secret').where('other.revoked_at', 'is', null).where('other.id', '!=', id),
              '>',
              0,
            ),
          ]),
        )
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) > 0) return 'revoked'
      const key = await trx.selectFrom('api_keys').select(['revoked_at']).where('id', '=', id).executeTakeFirst()
      return key === undefined || key.revoked_at !== null ? 'not_found' : 'last_secret'
    })
  }

  async recordKeyUses(uses: ReadonlyMap<string, number>): Promise<void> {
    if (uses.size === 0) return
    await this.#db
      .insertInto('api_key_uses')
      .values([...uses].map(([key_id, last_used_at]) => ({ key_id, last_used_at })))
      .onConflict((oc) =>
        oc
          .column('key_id')
          .doUpdateSet((eb) => ({ last_used_at: eb.ref('excluded.last_used_at') }))
          .where((eb) => eb('api_key_uses.last_used_at', '<', eb.ref('excluded.last_used_at'))),
      )
      .execute()
  }

  async keyUses(): Promise<Map<string, number>> {
    const rows = await this.#db.selectFrom('api_key_uses').selectAll().execute()
    return new Map(rows.map((r) => [r.key_id, Number(r.last_used_at)]))
  }
}

async function readDocument(db: Kysely<Database>): Promise<SettingsDocument> {
  const rows = await db.selectFrom('settings').selectAll().orderBy('key').execute()
  const values: Record<string, StoredSetting> = Object.create(null)
  let version = 0
  for (const r of rows) {
    let value: unknown = null
    try {
      value = JSON.parse(r.value)
    } catch {
      // A row written by hand that is not JSON: read as unset rather than failing every node's start.
    }
    values[r.key] = { key: r.key, value, version: Number(r.version), updatedAt: Number(r.updated_at), updatedBy: r.updated_by }
    version = Math.max(version, Number(r.version))
  }
  return { values, version }
}
