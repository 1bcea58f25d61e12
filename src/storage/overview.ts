/**
 * Aggregates for the overview report (`GET /v1/reports/overview`): events and active people per time
 * bucket, counted by the database. The bucket of a row is integer arithmetic on its timestamp with the
 * offset of its span (`BucketKeyRule` from core/time-buckets.ts), one SQL expression on both backends.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely'
import { BUCKET_MS, type BucketKeyRule } from '../core/index.ts'
import type { Database } from './tables.ts'

export interface BucketCount {
  /** The bucket key (see core/time-buckets.ts). */
  key: number
  count: number
}

export interface OverviewStore {
  /** Events with event time in [from, to), per bucket (buckets without events are left out). */
  eventsPerBucket(from: number, to: number, rule: BucketKeyRule): Promise<BucketCount[]>
  /**
   * Distinct people (the identity graph's canonical person: a stitched person counts once) with an event
   * in [from, to), per bucket. Counts the events the profile projector has applied.
   */
  peoplePerBucket(from: number, to: number, rule: BucketKeyRule): Promise<BucketCount[]>
  /** Distinct people with an event in [from, to), over the whole range. */
  people(from: number, to: number): Promise<number>
}

/** The rule as SQL on `column` (a bigint of ms since the epoch). */
export function bucketKeySql(column: RawBuilder<number>, rule: BucketKeyRule): RawBuilder<number> {
  const ms = sql.lit(BUCKET_MS[rule.size])
  const one = (offset: number) => {
    if (!Number.isSafeInteger(offset)) throw new Error(`bad offset ${offset}`)
    const o = sql.lit(offset)
    return rule.size === 'day' ? sql<number>`((${column} + ${o}) / ${ms})` : sql<number>`(((${column} + ${o}) / ${ms}) * ${ms} - ${o})`
  }
  const last = rule.spans.at(-1)!
  if (rule.spans.length === 1) return one(last.offset)
  const whens = rule.spans.slice(0, -1).map((s) => sql`when ${column} < ${sql.lit(s.before)} then ${one(s.offset)}`)
  return sql<number>`(case ${sql.join(whens, sql` `)} else ${one(last.offset)} end)`
}

export class KyselyOverview implements OverviewStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async eventsPerBucket(from: number, to: number, rule: BucketKeyRule): Promise<BucketCount[]> {
    const key = bucketKeySql(sql<number>`timestamp`, rule)
    const rows = await this.#db
      .selectFrom('events')
      .select([key.as('k'), sql<number>`count(*)`.as('n')])
      .where('timestamp', '>=', from)
      .where('timestamp', '<', to)
      .groupBy(sql`k`)
      .execute()
    return rows.map((r) => ({ key: Number(r.k), count: Number(r.n) })).sort((a, b) => a.key - b.key)
  }

  async peoplePerBucket(from: number, to: number, rule: BucketKeyRule): Promise<BucketCount[]> {
    const key = bucketKeySql(sql<number>`person_events.timestamp`, rule)
    const rows = await this.#db
      .selectFrom('person_events')
      .innerJoin('people', 'people.id', 'person_events.person_id')
      .select([key.as('k'), sql<number>`count(distinct coalesce(people.merged_into, people.id))`.as('n')])
      .where('person_events.timestamp', '>=', from)
      .where('person_events.timestamp', '<', to)
      .groupBy(sql`k`)
      .execute()
    return rows.map((r) => ({ key: Number(r.k), count: Number(r.n) })).sort((a, b) => a.key - b.key)
  }

  async people(from: number, to: number): Promise<number> {
    const row = await this.#db
      .selectFrom('person_events')
      .innerJoin('people', 'people.id', 'person_events.person_id')
      .select(sql<number>`count(distinct coalesce(people.merged_into, people.id))`.as('n'))
      .where('person_events.timestamp', '>=', from)
      .where('person_events.timestamp', '<', to)
      .executeTakeFirst()
    return Number(row?.n ?? 0)
  }
}
