/**
 * Segment and computed-trait definitions (`store.segmentDefinitions`): the current one per id, unique per
 * kind and key, every version kept in a history table, and a change counter the engines poll (`stamp`).
 * The built-ins are seeded once per key: a built-in the shop deleted stays deleted until a restore asks
 * for it again (the `segment_built_ins` table remembers which keys were seeded).
 */
import { type Kysely, sql } from 'kysely'
import type { BuiltInSeed, SegmentDefinitionChange, SegmentDefinitionRecord, SegmentDefinitionStore } from './segment-store.ts'
import type { WriteTransaction } from './settings.ts'
import type { Database } from './tables.ts'

type Kind = SegmentDefinitionRecord['kind']

export interface SegmentDefinitionsTable {
  id: string
  kind: string
  key: string
  name: string
  description: string
  /** The rule or trait definition, as JSON. */
  definition: string
  version: number
  built_in: number
  enabled: number
  created_at: number
  updated_at: number
  updated_by: string
}

/** Every version of every definition (the current one included), keyed by (id, version). */
export type SegmentDefinitionVersionsTable = SegmentDefinitionsTable

export interface SegmentBuiltInsTable {
  kind: string
  key: string
  seeded_at: number
}

/** One row (id 1): raised by every create, update and delete, so pollers notice any change. */
export interface SegmentDefinitionStampTable {
  id: number
  changes: number
}

export class KyselySegmentDefinitions implements SegmentDefinitionStore {
  readonly #db: Kysely<Database>
  readonly #transact: WriteTransaction

  /** `transact` serialises writers across processes (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock). */
  constructor(db: Kysely<Database>, transact: WriteTransaction) {
    this.#db = db
    this.#transact = transact
  }

  async list(kind?: Kind): Promise<SegmentDefinitionRecord[]> {
    let q = this.#db.selectFrom('segment_definitions').selectAll()
    if (kind) q = q.where('kind', '=', kind)
    const rows = await q.orderBy('key').orderBy('kind').execute()
    return rows.map(rowToRecord)
  }

  async get(id: string): Promise<SegmentDefinitionRecord | null> {
    const row = await this.#db.selectFrom('segment_definitions').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? rowToRecord(row) : null
  }

  async create(record: Omit<SegmentDefinitionRecord, 'version' | 'createdAt' | 'updatedAt'>, now: number): Promise<SegmentDefinitionRecord | null> {
    return this.#write(async (trx) => {
      if (await keyTaken(trx, record.kind, record.key)) return null
      const created: SegmentDefinitionRecord = { ...record, version: 1, createdAt: now, updatedAt: now }
      await insertVersion(trx, created, true)
      await changed(trx)
      return created
    })
  }

  async update(
    id: string,
    change: SegmentDefinitionChange,
    by: { updatedBy: string; now: number; expectedVersion?: number | undefined },
  ): Promise<SegmentDefinitionRecord | 'conflict' | 'key_taken' | null> {
    return this.#write(async (trx) => {
      const row = await trx.selectFrom('segment_definitions').selectAll().where('id', '=', id).executeTakeFirst()
      if (!row) return null
      const current = rowToRecord(row)
      if (by.expectedVersion !== undefined && by.expectedVersion !== current.version) return 'conflict'
      if (change.key !== current.key && (await keyTaken(trx, current.kind, change.key))) return 'key_taken'
      const next: SegmentDefinitionRecord = { ...current, ...change, version: current.version + 1, updatedAt: by.now, updatedBy: by.updatedBy }
      // The version in the where clause as well: should another writer get past the lock, this one changes nothing.
      const result = await trx
        .updateTable('segment_definitions')
        .set({
          key: next.key,
          name: next.name,
          description: next.description,
          definition: JSON.stringify(next.definition),
          enabled: next.enabled ? 1 : 0,
          version: next.version,
          updated_at: next.updatedAt,
          updated_by: next.updatedBy,
        })
        .where('id', '=', id)
        .where('version', '=', current.version)
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) return 'conflict'
      await insertVersion(trx, next, false)
      await changed(trx)
      return next
    })
  }

  async versions(id: string): Promise<SegmentDefinitionRecord[]> {
    const rows = await this.#db.selectFrom('segment_definition_versions').selectAll().where('id', '=', id).orderBy('version', 'desc').execute()
    return rows.map(rowToRecord)
  }

  async delete(id: string): Promise<boolean> {
    return this.#write(async (trx) => {
      const result = await trx.deleteFrom('segment_definitions').where('id', '=', id).executeTakeFirst()
      if (Number(result.numDeletedRows) === 0) return false
      await trx.deleteFrom('segment_definition_versions').where('id', '=', id).execute()
      await changed(trx)
      return true
    })
  }

  async stamp(): Promise<string> {
    const row = await this.#db.selectFrom('segment_definition_stamp').select('changes').where('id', '=', 1).executeTakeFirst()
    return String(row?.changes ?? 0)
  }

  async seedBuiltIns(seeds: readonly BuiltInSeed[], now: number, options: { restore?: boolean } = {}): Promise<SegmentDefinitionRecord[]> {
    if (seeds.length === 0) return []
    return this.#write(async (trx) => {
      const seeded = await trx.selectFrom('segment_built_ins').select(['kind', 'key']).execute()
      const done = new Set(seeded.map((s) => `${s.kind}\u0000${s.key}`))
      const created: SegmentDefinitionRecord[] = []
      for (const seed of seeds) {
        const mark = `${seed.kind}\u0000${seed.key}`
        if (done.has(mark) && !options.restore) continue
        if (!done.has(mark)) {
          await trx.insertInto('segment_built_ins').values({ kind: seed.kind, key: seed.key, seeded_at: now }).execute()
          done.add(mark)
        }
        // The key is the shop's now (its own definition, or the built-in itself, perhaps edited): left alone.
        if (await keyTaken(trx, seed.kind, seed.key)) continue
        const record: SegmentDefinitionRecord = { ...seed, version: 1, builtIn: true, enabled: true, createdAt: now, updatedAt: now, updatedBy: 'engine' }
        await insertVersion(trx, record, true)
        created.push(record)
      }
      if (created.length > 0) await changed(trx)
      return created
    })
  }

  /** One write transaction, serialised with the other writers of definitions. */
  async #write<T>(fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#transact('attune-segment-definitions', fn)
  }
}

/** Raises the change counter: in the transaction of every change, so `stamp` moves exactly when something did. */
async function changed(trx: Kysely<Database>): Promise<void> {
  await trx.updateTable('segment_definition_stamp').set({ changes: sql`changes + 1` }).where('id', '=', 1).execute()
}

async function keyTaken(trx: Kysely<Database>, kind: Kind, key: string): Promise<boolean> {
  const row = await trx.selectFrom('segment_definitions').select('id').where('kind', '=', kind).where('key', '=', key).executeTakeFirst()
  return row !== undefined
}

async function insertVersion(trx: Kysely<Database>, record: SegmentDefinitionRecord, asNew: boolean): Promise<void> {
  const row = recordToRow(record)
  if (asNew) await trx.insertInto('segment_definitions').values(row).execute()
  await trx.insertInto('segment_definition_versions').values(row).execute()
}

function recordToRow(r: SegmentDefinitionRecord): SegmentDefinitionsTable {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    name: r.name,
    description: r.description,
    definition: JSON.stringify(r.definition ?? null),
    version: r.version,
    built_in: r.builtIn ? 1 : 0,
    enabled: r.enabled ? 1 : 0,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    updated_by: r.updatedBy,
  }
}

function rowToRecord(r: SegmentDefinitionsTable): SegmentDefinitionRecord {
  let definition: unknown = null
  try {
    definition = JSON.parse(r.definition)
  } catch {
    // A row written by hand that is not JSON: read as no definition (the rule check then refuses it) rather than failing every read.
  }
  return {
    id: r.id,
    kind: r.kind === 'trait' ? 'trait' : 'segment',
    key: r.key,
    name: r.name,
    description: r.description,
    definition,
    version: Number(r.version),
    builtIn: Number(r.built_in) === 1,
    enabled: Number(r.enabled) === 1,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    updatedBy: r.updated_by,
  }
}
