/**
 * What the segment engine derives from the definitions: current memberships, their history (entries and
 * exits, for size over time and audits), computed trait values, and when each person must be evaluated
 * again (the scheduler's queue). Everything here can be recomputed from the log and the definitions.
 *
 * `apply` is conditional per row (an entry inserts only an absent membership, an exit deletes only a
 * present one) and reports what took effect, so two workers evaluating the same person at once never
 * double a history row or an audience event.
 *
 * The audience events' outbox: every change that takes effect also gets a row in `segment_audience_pending`
 * in the same transaction; the engine appends its event after the commit and then `markPublished` deletes
 * the row. What a crash leaves there, `pendingAudience` hands back for appending again (the log deduplicates
 * by message id, so an event appended twice is stored once).
 */
import { type Kysely, sql } from 'kysely'
import type { Dialect } from './migrations/index.ts'
import type { MembershipChange, MembershipRecord, SegmentMemberStore, SegmentSizePoint, TraitValueRecord } from './segment-store.ts'
import { type Database, decodeCursor, encodeCursor } from './tables.ts'

export interface SegmentMembersTable {
  segment_id: string
  person_id: string
  since: number
  version: number
}

export interface SegmentMemberHistoryTable {
  segment_id: string
  person_id: string
  /** 1 entered, 0 exited. */
  entered: number
  at: number
  version: number
}

/** A change whose audience event is not known to be in the log yet (the outbox; same columns as the history). */
export type SegmentAudiencePendingTable = SegmentMemberHistoryTable

export interface TraitValuesTable {
  trait_id: string
  person_id: string
  /** JSON text. */
  value: string
  updated_at: number
}

export interface SegmentEngineStateTable {
  key: string
  value: string
}

export interface SegmentScheduleTable {
  person_id: string
  due_at: number
}

/** How long a claimed re-evaluation is held before another worker may take it (the claimer crashed). */
export const CLAIM_LEASE_MS = 60_000

const DAY = 86_400_000
const CHUNK = 400

function chunks<T>(list: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

function membershipOf(r: SegmentMembersTable): MembershipRecord {
  return { segmentId: r.segment_id, personId: r.person_id, since: Number(r.since), version: Number(r.version) }
}

function historyRow(c: MembershipChange): SegmentMemberHistoryTable {
  return { segment_id: c.segmentId, person_id: c.personId, entered: c.entered ? 1 : 0, at: c.at, version: c.version }
}

function traitOf(r: TraitValuesTable): TraitValueRecord {
  return { traitId: r.trait_id, personId: r.person_id, value: JSON.parse(r.value) as unknown, updatedAt: Number(r.updated_at) }
}

export class KyselySegmentMembers implements SegmentMemberStore {
  readonly #db: Kysely<Database>
  readonly #dialect: Dialect

  constructor(db: Kysely<Database>, dialect: Dialect) {
    this.#db = db
    this.#dialect = dialect
  }

  async apply(pass: Parameters<SegmentMemberStore['apply']>[0]): Promise<MembershipChange[]> {
    if (pass.changes.length === 0 && pass.traits.length === 0 && pass.recheck.length === 0) return []
    return this.#db.transaction().execute(async (trx) => {
      const applied: MembershipChange[] = []
      const entries = pass.changes.filter((c) => c.entered)
      const exits = pass.changes.filter((c) => !c.entered)
      for (const part of chunks(entries)) {
        const rows = await trx
          .insertInto('segment_members')
          .values(part.map((c) => ({ segment_id: c.segmentId, person_id: c.personId, since: c.at, version: c.version })))
          .onConflict((oc) => oc.columns(['segment_id', 'person_id']).doNothing())
          .returning(['segment_id', 'person_id'])
          .execute()
        const done = new Set(rows.map((r) => `${r.segment_id}\u0000${r.person_id}`))
        applied.push(...part.filter((c) => done.has(`${c.segmentId}\u0000${c.personId}`)))
      }
      for (const c of exits) {
        const rows = await trx.deleteFrom('segment_members').where('segment_id', '=', c.segmentId).where('person_id', '=', c.personId).returning('person_id').execute()
        if (rows.length > 0) applied.push(c)
      }
      for (const part of chunks(applied)) {
        await trx
          .insertInto('segment_member_history')
          .values(part.map(historyRow))
          .execute()
        // Same transaction: a change is never stored without its pending audience event.
        await trx
          .insertInto('segment_audience_pending')
          .values(part.map(historyRow))
          .onConflict((oc) => oc.columns(['segment_id', 'person_id', 'entered', 'at']).doNothing())
          .execute()
      }
      const [setTraits, dropTraits] = [pass.traits.filter((t) => t.value !== null && t.value !== undefined), pass.traits.filter((t) => t.value === null || t.value === undefined)]
      for (const part of chunks(setTraits)) {
        await trx
          .insertInto('trait_values')
          .values(part.map((t) => ({ trait_id: t.traitId, person_id: t.personId, value: JSON.stringify(t.value), updated_at: t.updatedAt })))
          .onConflict((oc) => oc.columns(['trait_id', 'person_id']).doUpdateSet({ value: sql`excluded.value`, updated_at: sql`excluded.updated_at` }))
          .execute()
      }
      for (const t of dropTraits) await trx.deleteFrom('trait_values').where('trait_id', '=', t.traitId).where('person_id', '=', t.personId).execute()
      const due = pass.recheck.filter((r): r is { personId: string; at: number } => r.at !== null && Number.isFinite(r.at))
      const never = pass.recheck.filter((r) => r.at === null || !Number.isFinite(r.at)).map((r) => r.personId)
      for (const part of chunks(due)) {
        await trx
          .insertInto('segment_schedule')
          .values(part.map((r) => ({ person_id: r.personId, due_at: Math.ceil(r.at) })))
          .onConflict((oc) => oc.column('person_id').doUpdateSet({ due_at: sql`excluded.due_at` }))
          .execute()
      }
      for (const part of chunks(never)) await trx.deleteFrom('segment_schedule').where('person_id', 'in', part).execute()
      return applied
    })
  }

  async pendingAudience(limit: number): Promise<MembershipChange[]> {
    const rows = await this.#db
      .selectFrom('segment_audience_pending')
      .selectAll()
      .orderBy('at')
      .orderBy('segment_id')
      .orderBy('person_id')
      .orderBy('entered')
      .limit(limit)
      .execute()
    return rows.map((r) => ({ segmentId: r.segment_id, personId: r.person_id, entered: Number(r.entered) === 1, at: Number(r.at), version: Number(r.version) }))
  }

  async markPublished(changes: readonly MembershipChange[]): Promise<void> {
    if (changes.length === 0) return
    for (const part of chunks(changes, 100)) {
      await this.#db
        .deleteFrom('segment_audience_pending')
        .where((eb) =>
          eb.or(
            part.map((c) =>
              eb.and([eb('segment_id', '=', c.segmentId), eb('person_id', '=', c.personId), eb('entered', '=', c.entered ? 1 : 0), eb('at', '=', c.at)]),
            ),
          ),
        )
        .execute()
    }
  }

  async members(segmentId: string, page: { limit: number; cursor?: string | undefined }): Promise<{ items: MembershipRecord[]; next: string | null }> {
    const after = page.cursor ? (decodeCursor(page.cursor, ['number', 'string']) as [number, string]) : null
    let q = this.#db.selectFrom('segment_members').selectAll().where('segment_id', '=', segmentId)
    if (after) q = q.where((eb) => eb.or([eb('since', '>', after[0]), eb.and([eb('since', '=', after[0]), eb('person_id', '>', after[1])])]))
    const rows = await q.orderBy('since').orderBy('person_id').limit(page.limit + 1).execute()
    const items = rows.slice(0, page.limit).map(membershipOf)
    const last = items.at(-1)
    return { items, next: rows.length > page.limit && last ? encodeCursor([last.since, last.personId]) : null }
  }

  async count(segmentId: string): Promise<number> {
    const row = await this.#db.selectFrom('segment_members').select((eb) => eb.fn.countAll<number>().as('n')).where('segment_id', '=', segmentId).executeTakeFirst()
    return Number(row?.n ?? 0)
  }

  async counts(): Promise<Map<string, number>> {
    const rows = await this.#db.selectFrom('segment_members').select(['segment_id', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('segment_id').execute()
    return new Map(rows.map((r) => [r.segment_id, Number(r.n)]))
  }

  async membershipsOf(personId: string): Promise<MembershipRecord[]> {
    return this.membershipsOfPeople([personId])
  }

  async membershipsOfPeople(personIds: readonly string[]): Promise<MembershipRecord[]> {
    const out: MembershipRecord[] = []
    for (const part of chunks([...new Set(personIds)])) {
      const rows = await this.#db.selectFrom('segment_members').selectAll().where('person_id', 'in', part).orderBy('since').orderBy('segment_id').execute()
      out.push(...rows.map(membershipOf))
    }
    return out
  }

  async traitsOf(personId: string): Promise<TraitValueRecord[]> {
    return this.traitsOfPeople([personId])
  }

  async traitsOfPeople(personIds: readonly string[]): Promise<TraitValueRecord[]> {
    const out: TraitValueRecord[] = []
    for (const part of chunks([...new Set(personIds)])) {
      const rows = await this.#db.selectFrom('trait_values').selectAll().where('person_id', 'in', part).orderBy('trait_id').execute()
      out.push(...rows.map(traitOf))
    }
    return out
  }

  async claimDue(now: number, limit: number): Promise<string[]> {
    const lease = now + CLAIM_LEASE_MS
    if (this.#dialect === 'postgres') {
      // The chosen rows stay locked (and rows another worker holds are skipped) until the statement commits.
      const result = await sql<{ person_id: string; old: number }>`
        with picked as (
          select person_id, due_at from segment_schedule where due_at <= ${now} order by due_at, person_id limit ${limit} for update skip locked
        )
        update segment_schedule s set due_at = ${lease} from picked where s.person_id = picked.person_id
        returning s.person_id, picked.due_at as old`.execute(this.#db)
      return result.rows.sort((a, b) => Number(a.old) - Number(b.old) || (a.person_id < b.person_id ? -1 : 1)).map((r) => r.person_id)
    }
    // SQLite has one writer: the update takes only rows still due, so a row another connection claimed
    // between the read and the update (its time moved to a lease) is not taken again.
    const due = await this.#db.selectFrom('segment_schedule').select('person_id').where('due_at', '<=', now).orderBy('due_at').orderBy('person_id').limit(limit).execute()
    if (due.length === 0) return []
    const ids = due.map((r) => r.person_id)
    const taken = new Set<string>()
    for (const part of chunks(ids)) {
      const rows = await this.#db.updateTable('segment_schedule').set({ due_at: lease }).where('person_id', 'in', part).where('due_at', '<=', now).returning('person_id').execute()
      for (const r of rows) taken.add(r.person_id)
    }
    return ids.filter((id) => taken.has(id))
  }

  async sizeHistory(segmentId: string, from: number, to: number): Promise<SegmentSizePoint[]> {
    const first = Math.floor(from / DAY)
    const last = Math.ceil(to / DAY)
    if (!(last > first) || last - first > 5000) return []
    // Literal constants, so PostgreSQL sees the grouped expression and the selected one as the same.
    const day = sql<number>`(at - (at % ${sql.lit(DAY)})) / ${sql.lit(DAY)}`
    const before = await this.#db
      .selectFrom('segment_member_history')
      .select((eb) => eb.fn.sum<number>(sql`case when entered = 1 then 1 else -1 end`).as('n'))
      .where('segment_id', '=', segmentId)
      .where('at', '<', first * DAY)
      .executeTakeFirst()
    const rows = await this.#db
      .selectFrom('segment_member_history')
      .select([day.as('day'), (eb) => eb.fn.sum<number>('entered').as('entered'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('segment_id', '=', segmentId)
      .where('at', '>=', first * DAY)
      .where('at', '<', last * DAY)
      .groupBy(day)
      .execute()
    const byDay = new Map(rows.map((r) => [Number(r.day), { entered: Number(r.entered), exited: Number(r.n) - Number(r.entered) }]))
    let size = Number(before?.n ?? 0)
    const out: SegmentSizePoint[] = []
    for (let d = first; d < last; d++) {
      const { entered, exited } = byDay.get(d) ?? { entered: 0, exited: 0 }
      size += entered - exited
      out.push({ day: d * DAY, size, entered, exited })
    }
    return out
  }

  async clear(definitionId?: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      if (definitionId === undefined) {
        for (const table of ['segment_members', 'segment_member_history', 'segment_audience_pending', 'trait_values', 'segment_schedule', 'segment_engine_state'] as const) await trx.deleteFrom(table).execute()
        return
      }
      await trx.deleteFrom('segment_members').where('segment_id', '=', definitionId).execute()
      await trx.deleteFrom('segment_member_history').where('segment_id', '=', definitionId).execute()
      // The segment is gone: its changes are not announced any more.
      await trx.deleteFrom('segment_audience_pending').where('segment_id', '=', definitionId).execute()
      await trx.deleteFrom('trait_values').where('trait_id', '=', definitionId).execute()
    })
  }

  async definitionsInUse(): Promise<string[]> {
    const segments = await this.#db.selectFrom('segment_members').select('segment_id as id').distinct().execute()
    const traits = await this.#db.selectFrom('trait_values').select('trait_id as id').distinct().execute()
    return [...new Set([...segments, ...traits].map((r) => r.id))].sort()
  }

  async evaluated(): Promise<string | null> {
    const row = await this.#db.selectFrom('segment_engine_state').select('value').where('key', '=', 'evaluated').executeTakeFirst()
    return row?.value ?? null
  }

  async markEvaluated(signature: string): Promise<void> {
    await this.#db
      .insertInto('segment_engine_state')
      .values({ key: 'evaluated', value: signature })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql`excluded.value` }))
      .execute()
  }

  async withoutProfile(limit: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('segment_members')
      .select('person_id')
      .distinct()
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('profiles').select('person_id').whereRef('profiles.person_id', '=', 'segment_members.person_id'))))
      .limit(limit)
      .execute()
    const traits = await this.#db
      .selectFrom('trait_values')
      .select('person_id')
      .distinct()
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('profiles').select('person_id').whereRef('profiles.person_id', '=', 'trait_values.person_id'))))
      .limit(limit)
      .execute()
    return [...new Set([...rows, ...traits].map((r) => r.person_id))].slice(0, limit)
  }
}
