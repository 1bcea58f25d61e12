/** GET /v1/reports/recommendations (secret key): impressions, clicks, orders and revenue per strategy, and per day. */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { AttuneError } from '../../core/index.ts'
import { attributionByBucket, attributionReport } from '../../recommend/index.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'
import { bucketQuery, queryTime } from './overview-report.ts'

const DAY_MS = 24 * 3600_000

export const StrategyRow = Type.Object({
  strategy: Type.String(),
  impressions: Type.Integer({ description: 'Items shown.' }),
  clicks: Type.Integer(),
  ctr: Type.Number(),
  orders: Type.Integer(),
  conversionRate: Type.Number(),
  revenue: Type.Number(),
})
export const RecommendationsReportDay = Type.Object({
  day: Type.String({ description: 'The local date in tz, e.g. 2026-03-29.' }),
  start: Type.String({ description: 'First instant of the day (ISO), clipped to from.' }),
  end: Type.String({ description: 'Instant after the day (ISO), clipped to to.' }),
  strategies: Type.Array(StrategyRow),
})
export const RecommendationsReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  strategies: Type.Array(StrategyRow),
  tz: Type.Optional(Type.String()),
  days: Type.Optional(Type.Array(RecommendationsReportDay, { description: 'With by=day: per local day of tz; the days add up to strategies.' })),
})
export type RecommendationsReport = Static<typeof RecommendationsReport>

const Query = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
  by: Type.Optional(Type.String({ maxLength: 10 })),
  tz: Type.Optional(Type.String({ maxLength: 64 })),
})

export function reportRoutes(ctx: RouteContext) {
  const guard = requireScope(ctx, 'secret')
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: Static<typeof Query> }>(
      '/v1/reports/recommendations',
      {
        preHandler: guard,
        schema: {
          tags: ['reports'],
          summary: 'Attribution of clicks, orders and revenue to recommendation strategies',
          description:
            'Over [from, to) (ISO times; default the last 30 days): per strategy the items shown, attributed clicks, CTR, attributed orders, ' +
            'conversion rate (orders / items shown) and attributed revenue. With by=day, also per local day of the IANA time zone tz ' +
            '(default UTC). The rules are in docs/api.md, "Attribution".',
          security: secretKeySecurity,
          querystring: Query,
        },
      },
      async (request): Promise<RecommendationsReport> => {
        const { by } = request.query
        if (by !== undefined && by !== 'day') throw new AttuneError('invalid_field', 'by must be day (or left out for the totals only)', 'by')
        // Impressions written in the last ~200 ms are still buffered: flush so the report includes them.
        if (by === undefined) {
          const to = queryTime(request.query.to, 'to', Date.now())
          const from = queryTime(request.query.from, 'from', to - 30 * DAY_MS)
          if (from >= to) throw new AttuneError('invalid_field', 'from must be before to', 'from')
          await ctx.engine.impressions.flush()
          const report = await attributionReport(ctx.engine.store, from, to)
          return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), strategies: report.strategies }
        }
        const plan = bucketQuery({ ...request.query, bucket: 'day' }, 'day')
        await ctx.engine.impressions.flush()
        const report = await attributionByBucket(ctx.engine.store, plan.from, plan.to, plan.buckets.length, plan.indexOf)
        const strip = ({ placements: _, ...rest }: { placements: number } & Static<typeof StrategyRow>) => rest
        return {
          from: new Date(plan.from).toISOString(),
          to: new Date(plan.to).toISOString(),
          strategies: report.strategies,
          tz: plan.timeZone,
          days: plan.buckets.map((b, i) => ({
            day: b.label,
            start: new Date(b.start).toISOString(),
            end: new Date(b.end).toISOString(),
            strategies: report.buckets[i]!.map(strip),
          })),
        }
      },
    )
  }
}
