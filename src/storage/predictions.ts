/**
 * The CLV predictions of the last training run, one row per person (`PredictionStore` in
 * segment-store.ts): written whole by each run, read by person for the segment engine's prediction
 * conditions and the person API.
 */
import type { Kysely } from 'kysely'
import type { PredictionRecord, PredictionStore } from './segment-store.ts'
import type { Database } from './tables.ts'

export interface PredictionsTable {
  person_id: string
  method: string
  probability_alive: number | null
  expected_orders_90: number | null
  expected_orders_365: number | null
  predicted_value_12m: number | null
  percentile: number
  model_version: string
  computed_at: number
}

/** Rows per insert: 9 columns each, far below either dialect's parameter limit. */
const CHUNK = 500

const num = (v: number | string | null) => (v === null ? null : Number(v))

function fromRow(r: PredictionsTable): PredictionRecord {
  return {
    personId: r.person_id,
    method: r.method as PredictionRecord['method'],
    probabilityAlive: num(r.probability_alive),
    expectedOrders90: num(r.expected_orders_90),
    expectedOrders365: num(r.expected_orders_365),
    predictedValue12m: num(r.predicted_value_12m),
    percentile: Number(r.percentile),
    modelVersion: r.model_version,
    computedAt: Number(r.computed_at),
  }
}

/** Non-finite numbers have no SQL form: they are stored as null (unknown). */
const finite = (v: number | null) => (v === null || !Number.isFinite(v) ? null : v)

export class KyselyPredictions implements PredictionStore {
  readonly #db: Kysely<Database>

  constructor(db: Kysely<Database>) {
    this.#db = db
  }

  async replace(rows: readonly PredictionRecord[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('predictions').execute()
      for (let i = 0; i < rows.length; i += CHUNK) {
        await trx
          .insertInto('predictions')
          .values(
            rows.slice(i, i + CHUNK).map((r) => ({
              person_id: r.personId,
              method: r.method,
              probability_alive: finite(r.probabilityAlive),
              expected_orders_90: finite(r.expectedOrders90),
              expected_orders_365: finite(r.expectedOrders365),
              predicted_value_12m: finite(r.predictedValue12m),
              percentile: r.percentile,
              model_version: r.modelVersion,
              computed_at: r.computedAt,
            })),
          )
          .execute()
      }
    })
  }

  async of(personIds: readonly string[]): Promise<Map<string, PredictionRecord>> {
    const out = new Map<string, PredictionRecord>()
    const unique = [...new Set(personIds)]
    for (let i = 0; i < unique.length; i += CHUNK) {
      const rows = await this.#db.selectFrom('predictions').selectAll().where('person_id', 'in', unique.slice(i, i + CHUNK)).execute()
      for (const r of rows) out.set(r.person_id, fromRow(r))
    }
    return out
  }

  async version(): Promise<string | null> {
    const row = await this.#db.selectFrom('predictions').select('model_version').limit(1).executeTakeFirst()
    return row?.model_version ?? null
  }
}
