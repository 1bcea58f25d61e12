/** GET /v1/reports/recommendations (secret key): impressions, clicks, orders and revenue per strategy. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { AttuneError } from '../../core/index.ts'
import { attributionReport } from '../../recommend/index.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

const DAY_MS = 24 * 3600_000

function time(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback
  const t = Date.parse(value)
  if (Number.isNaN(t)) throw new AttuneError('invalid_field', `${field} must be an ISO 8601 time`, field)
  return t
}

export function reportRoutes(ctx: RouteContext) {
  const guard = requireScope(ctx, 'secret')
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { from?: string; to?: string } }>(
      '/v1/reports/recommendations',
      {
        preHandler: guard,
        schema: {
          tags: ['reports'],
          summary: 'Attribution of clicks, orders and revenue to recommendation strategies',
          description:
            'Over [from, to) (ISO times; default the last 30 days): per strategy the items shown, attributed clicks, CTR, attributed orders, ' +
            'conversion rate (orders / items shown) and attributed revenue. The rules are in docs/api.md, "Attribution".',
          security: secretKeySecurity,
          querystring: Type.Object({ from: Type.Optional(Type.String({ maxLength: 40 })), to: Type.Optional(Type.String({ maxLength: 40 })) }),
        },
      },
      async (request) => {
        // Impressions written in the last ~200 ms are still buffered: flush so the report includes them.
        await ctx.engine.impressions.flush()
        const to = time(request.query.to, 'to', Date.now())
        const from = time(request.query.from, 'from', to - 30 * DAY_MS)
        if (from >= to) throw new AttuneError('invalid_field', 'from must be before to', 'from')
        const report = await attributionReport(ctx.engine.store, from, to)
        return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), strategies: report.strategies }
      },
    )
  }
}
