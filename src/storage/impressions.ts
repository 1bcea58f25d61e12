/**
 * Recommendation impressions: one row per placement of each answered recommendation request, so clicks
 * and orders that come back with its `recommId` (or on an item it showed) can be credited to a strategy.
 */
import type { Kysely } from 'kysely'
import type { Database } from './tables.ts'

export interface Impression {
  recommId: string
  /** The placement's position in the request (a recommId covers a whole page). */
  placement: number
  strategy: string
  /** The canonical person when the request's ref was known, else null. */
  personId: string | null
  /** The userId or anonymousId the request was made with (what later events carry). */
  ref: string | null
  itemIds: string[]
  servedAt: number
  /** The chain levels that supplied the items, in order (null when not recorded). */
  servedBy?: string[] | null
}

export interface ImpressionStore {
  /** Writes a batch; a row already stored (same recommId and placement) is skipped, so retries are safe. */
  insert(rows: readonly Impression[]): Promise<void>
  /** Impressions served in [from, to), oldest first. */
  range(from: number, to: number): Promise<Impression[]>
}

export class KyselyImpressions implements ImpressionStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async insert(rows: readonly Impression[]): Promise<void> {
    if (rows.length === 0) return
    await this.#db.transaction().execute(async (trx) => {
      // 8 columns a row: 100 rows stay well under SQLite's bound-parameter limit.
      for (let i = 0; i < rows.length; i += 100) {
        await trx
          .insertInto('recommendation_impressions')
          .values(
            rows.slice(i, i + 100).map((r) => ({
              recomm_id: r.recommId,
              placement: r.placement,
              strategy: r.strategy,
              person_id: r.personId,
              ref: r.ref,
              item_ids: JSON.stringify(r.itemIds),
              served_at: r.servedAt,
              served_by: r.servedBy ? JSON.stringify(r.servedBy) : null,
            })),
          )
          .onConflict((oc) => oc.columns(['recomm_id', 'placement']).doNothing())
          .execute()
      }
    })
  }

  async range(from: number, to: number): Promise<Impression[]> {
    const rows = await this.#db
      .selectFrom('recommendation_impressions')
      .selectAll()
      .where('served_at', '>=', from)
      .where('served_at', '<', to)
      .orderBy('served_at')
      .orderBy('recomm_id')
      .orderBy('placement')
      .execute()
    return rows.map((r) => ({
      recommId: r.recomm_id,
      placement: Number(r.placement),
      strategy: r.strategy,
      personId: r.person_id,
      ref: r.ref,
      itemIds: JSON.parse(r.item_ids) as string[],
      servedAt: Number(r.served_at),
      ...(r.served_by !== null && { servedBy: JSON.parse(r.served_by) as string[] }),
    }))
  }
}
