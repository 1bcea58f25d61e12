/**
 * GET /v1/reports/overview (secret key; staff viewer): the shop's activity and the recommendations'
 * impressions, clicks and attributed revenue per time bucket of the viewer's time zone, with totals.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { AttuneError, BUCKET_SIZES, type BucketSize, checkTimeZone, EARLIEST_REPORT_TIME, MAX_BUCKETS, planBuckets } from '../../core/index.ts'
import { overviewReport } from '../../recommend/index.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
/** The range when `from` is not given, per bucket size. */
const DEFAULT_SPAN: Record<BucketSize, number> = { minute: 60 * MINUTE, hour: DAY, day: 30 * DAY }

/** An ISO time of the query, or an invalid_field error naming it. */
export function queryTime(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new AttuneError('invalid_field', `${field} must be an ISO 8601 time`, field)
  if (t < EARLIEST_REPORT_TIME) throw new AttuneError('invalid_field', `${field} must be after 1970-01-02`, field)
  return t
}

export function bucketSize(value: string | undefined, fallback: BucketSize): BucketSize {
  if (value === undefined) return fallback
  if (!(BUCKET_SIZES as readonly string[]).includes(value)) throw new AttuneError('invalid_field', `bucket must be one of ${BUCKET_SIZES.join(', ')}`, 'bucket')
  return value as BucketSize
}

export const StrategyNumbers = Type.Object({
  strategy: Type.String(),
  placements: Type.Integer({ description: 'Placements answered.' }),
  impressions: Type.Integer({ description: 'Items shown.' }),
  clicks: Type.Integer(),
  ctr: Type.Number(),
  orders: Type.Integer({ description: 'Orders with a line credited to the strategy.' }),
  conversionRate: Type.Number(),
  revenue: Type.Number({ description: 'Revenue credited to the strategy.' }),
})
export type StrategyNumbers = Static<typeof StrategyNumbers>

const numbers = {
  events: Type.Integer(),
  people: Type.Integer({ description: 'Distinct people with an event; a stitched person counts once.' }),
  orders: Type.Integer(),
  revenue: Type.Number(),
  placements: Type.Integer(),
  impressions: Type.Integer({ description: 'Items shown by recommendations.' }),
  clicks: Type.Integer({ description: 'Clicks credited to recommendations.' }),
  ctr: Type.Number(),
  attributedRevenue: Type.Number(),
  strategies: Type.Array(StrategyNumbers),
}

export const OverviewBucket = Type.Object({
  start: Type.String({ description: 'First instant (ISO), clipped to from.' }),
  end: Type.String({ description: 'Instant after the bucket (ISO), clipped to to.' }),
  label: Type.String({ description: 'Local wall time of the bucket in tz: 2026-03-29 (day) or 2026-03-29T14:00.' }),
  ...numbers,
})
export type OverviewBucket = Static<typeof OverviewBucket>

export const OverviewReply = Type.Object({
  from: Type.String(),
  to: Type.String(),
  bucket: Type.Union([Type.Literal('minute'), Type.Literal('hour'), Type.Literal('day')]),
  tz: Type.String(),
  buckets: Type.Array(OverviewBucket),
  totals: Type.Object(numbers),
})
export type OverviewReply = Static<typeof OverviewReply>

const OverviewQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
  bucket: Type.Optional(Type.String({ maxLength: 10 })),
  tz: Type.Optional(Type.String({ maxLength: 64 })),
})

/** The query of a bucketed report: range, bucket size, time zone, checked. */
export function bucketQuery(query: { from?: string | undefined; to?: string | undefined; bucket?: string | undefined; tz?: string | undefined }, defaultSize: BucketSize) {
  const size = bucketSize(query.bucket, defaultSize)
  const tz = checkTimeZone(query.tz)
  const to = queryTime(query.to, 'to', Date.now())
  const from = queryTime(query.from, 'from', to - DEFAULT_SPAN[size])
  if (from >= to) throw new AttuneError('invalid_field', 'from must be before to', 'from')
  return planBuckets(from, to, size, tz, MAX_BUCKETS)
}

const iso = (t: number) => new Date(t).toISOString()

export function overviewRoutes(ctx: RouteContext) {
  const guard = requireScope(ctx, 'secret')
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: Static<typeof OverviewQuery> }>(
      '/v1/reports/overview',
      {
        preHandler: guard,
        schema: {
          tags: ['reports'],
          summary: 'Events, people, orders, revenue and recommendation results per time bucket',
          description:
            `Over [from, to) (ISO times; default: the last hour for minute buckets, the last day for hour buckets, the last 30 days for day buckets), ` +
            `per bucket (minute, hour or day; default hour) of the IANA time zone tz (default UTC): events, active people, orders, revenue, ` +
            `recommendation placements and items shown, credited clicks, CTR and attributed revenue per strategy; and the totals. ` +
            `At most ${MAX_BUCKETS} buckets. Attribution follows docs/api.md, "Attribution".`,
          security: secretKeySecurity,
          querystring: OverviewQuery,
          response: { 200: OverviewReply },
        },
      },
      async (request): Promise<OverviewReply> => {
        const plan = bucketQuery(request.query, 'hour')
        // Impressions written in the last ~200 ms are still buffered: flush so the report includes them.
        await ctx.engine.impressions.flush()
        const report = await overviewReport(ctx.engine.store, plan)
        return {
          from: iso(plan.from),
          to: iso(plan.to),
          bucket: plan.size,
          tz: plan.timeZone,
          buckets: report.buckets.map((b) => ({ ...b, start: iso(b.start), end: iso(b.end) })),
          totals: report.totals,
        }
      },
    )
  }
}
