/**
 * GET /v1/reports/data-quality (secret key, or a staff session with at least the viewer role):
 * personalization is only as good as its data. Identity fragmentation, catalogue coverage, sparsity,
 * fallback shares per strategy, consent coverage and refused events per day, from SQL aggregates
 * (`store.diagnostics.dataQuality`) turned into counts and shares here. The definitions are in docs/api.md.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { AttuneError } from '../../core/index.ts'
import { CHAINS } from '../../recommend/index.ts'
import { DAY_MS, type DataQualityFigures } from '../../storage/index.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

const MAX_RANGE_DAYS = 400
const Share = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'A fraction from 0 to 1; null when there is nothing to divide by.' })
const Count = Type.Integer({ minimum: 0 })

export const DataQualityReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  generatedAt: Type.String(),
  identity: Type.Object({
    people: Count,
    anonymousOnlyMultiple: Count,
    anonymousOnlyMultipleShare: Share,
    withUserId: Count,
    multiDevice: Count,
    stitchingRate: Share,
    anonymousIds: Count,
    anonymousIdsStitched: Count,
    anonymousIdsStitchedShare: Share,
    merges: Count,
    undoneMerges: Count,
    refusedMerges: Count,
    reassigned: Count,
  }),
  catalog: Type.Object({
    items: Count,
    withoutCategory: Count,
    withoutPrice: Count,
    withoutImage: Count,
    withoutCategoryShare: Share,
    withoutPriceShare: Share,
    withoutImageShare: Share,
    eventsNamingItems: Count,
    eventsNamingUnknownItems: Count,
    eventsNamingUnknownItemsShare: Share,
    unknownItems: Count,
    topUnknownItems: Type.Array(Type.Object({ itemId: Type.String(), events: Count })),
  }),
  sparsity: Type.Object({
    people: Count,
    events: Count,
    meanEventsPerPerson: Type.Union([Type.Number(), Type.Null()]),
    buckets: Type.Array(Type.Object({ label: Type.String(), min: Count, max: Type.Union([Count, Type.Null()]), people: Count, share: Share })),
  }),
  fallback: Type.Array(
    Type.Object({
      strategy: Type.String(),
      ownLevel: Type.Union([Type.String(), Type.Null()]),
      answers: Count,
      ownLevelOnly: Count,
      usedFallback: Count,
      fallbackShare: Share,
      empty: Count,
      unrecorded: Count,
      levels: Type.Array(Type.Object({ level: Type.String(), answers: Count, share: Share })),
    }),
  ),
  consent: Type.Object({
    people: Count,
    purposes: Type.Array(
      Type.Object({
        purpose: Type.String(),
        granted: Count,
        denied: Count,
        unset: Count,
        default: Type.Union([Type.Boolean(), Type.Null()]),
        grantedShare: Share,
        deniedShare: Share,
        unsetShare: Share,
        effectiveGrantedShare: Share,
      }),
    ),
  }),
  rejected: Type.Object({
    total: Count,
    byCode: Type.Array(Type.Object({ code: Type.String(), count: Count })),
    days: Type.Array(Type.Object({ day: Type.String({ description: 'UTC date, YYYY-MM-DD.' }), total: Count, byCode: Type.Record(Type.String(), Count) })),
  }),
})
export type DataQualityReport = Static<typeof DataQualityReport>

const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null)
const BUCKET_MAX: Record<number, number | null> = { 1: 1, 2: 2, 3: 4, 5: 9, 10: 19, 20: 49, 50: 99, 100: null }

/** The report from the store's figures (exported for tests of the arithmetic). */
export function dataQualityReport(f: DataQualityFigures, consentDefaults: Record<string, boolean>, from: number, to: number, now = Date.now()): DataQualityReport {
  const { identity: id, catalog: cat, sparsity: sp, consent } = f

  const strategies = new Map<string, DataQualityReport['fallback'][number]>()
  const levelCounts = new Map<string, Map<string, number>>()
  for (const row of f.placements) {
    const own = (CHAINS as Record<string, readonly string[]>)[row.strategy]?.[0] ?? null
    let s = strategies.get(row.strategy)
    if (!s) {
      s = { strategy: row.strategy, ownLevel: own, answers: 0, ownLevelOnly: 0, usedFallback: 0, fallbackShare: null, empty: 0, unrecorded: 0, levels: [] }
      strategies.set(row.strategy, s)
      levelCounts.set(row.strategy, new Map())
    }
    s.answers += row.count
    if (row.servedBy === null) {
      s.unrecorded += row.count
      continue
    }
    let levels: string[]
    try {
      const parsed = JSON.parse(row.servedBy) as unknown
      levels = Array.isArray(parsed) ? parsed.filter((l): l is string => typeof l === 'string' && l !== 'pinned') : []
    } catch {
      levels = []
    }
    if (levels.length === 0) s.empty += row.count
    else if (levels.every((l) => l === own)) s.ownLevelOnly += row.count
    else s.usedFallback += row.count
    const counts = levelCounts.get(row.strategy)!
    for (const l of new Set(levels)) counts.set(l, (counts.get(l) ?? 0) + row.count)
  }
  const fallback = [...strategies.values()]
    .map((s) => {
      const recorded = s.answers - s.unrecorded
      const counts = levelCounts.get(s.strategy)!
      const chain = (CHAINS as Record<string, readonly string[]>)[s.strategy] ?? []
      const order = (l: string) => (chain.includes(l) ? chain.indexOf(l) : chain.length)
      return {
        ...s,
        fallbackShare: share(s.usedFallback, recorded),
        levels: [...counts].sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0])).map(([level, answers]) => ({ level, answers, share: share(answers, recorded) })),
      }
    })
    .sort((a, b) => a.strategy.localeCompare(b.strategy))

  const purposes = [...new Set([...Object.keys(consentDefaults), ...consent.purposes.map((p) => p.purpose)])].sort()
  const people = consent.profiles
  const consentRows = purposes.map((purpose) => {
    const stated = consent.purposes.find((p) => p.purpose === purpose) ?? { granted: 0, denied: 0 }
    const unset = Math.max(0, people - stated.granted - stated.denied)
    const fallbackDefault = Object.hasOwn(consentDefaults, purpose) ? consentDefaults[purpose]! : null
    return {
      purpose,
      granted: stated.granted,
      denied: stated.denied,
      unset,
      default: fallbackDefault,
      grantedShare: share(stated.granted, people),
      deniedShare: share(stated.denied, people),
      unsetShare: share(unset, people),
      effectiveGrantedShare: share(stated.granted + (fallbackDefault === true ? unset : 0), people),
    }
  })

  const byCode = new Map<string, number>()
  const perDay = new Map<number, Record<string, number>>()
  for (const r of f.rejected) {
    byCode.set(r.code, (byCode.get(r.code) ?? 0) + r.count)
    const day = perDay.get(r.day) ?? {}
    day[r.code] = (day[r.code] ?? 0) + r.count
    perDay.set(r.day, day)
  }
  const days: DataQualityReport['rejected']['days'] = []
  for (let d = Math.floor(from / DAY_MS); d <= Math.floor((to - 1) / DAY_MS); d++) {
    const codes = perDay.get(d) ?? {}
    days.push({ day: new Date(d * DAY_MS).toISOString().slice(0, 10), total: Object.values(codes).reduce((a, b) => a + b, 0), byCode: codes })
  }

  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    generatedAt: new Date(now).toISOString(),
    identity: {
      people: id.people,
      anonymousOnlyMultiple: id.anonymousOnlyMulti,
      anonymousOnlyMultipleShare: share(id.anonymousOnlyMulti, id.people),
      withUserId: id.withUserId,
      multiDevice: id.multiDevice,
      stitchingRate: share(id.multiDevice, id.withUserId),
      anonymousIds: id.anonymousIds,
      anonymousIdsStitched: id.anonymousIdsWithUser,
      anonymousIdsStitchedShare: share(id.anonymousIdsWithUser, id.anonymousIds),
      merges: id.merges,
      undoneMerges: id.undoneMerges,
      refusedMerges: id.refusedMerges,
      reassigned: id.reassigned,
    },
    catalog: {
      items: cat.items,
      withoutCategory: cat.withoutCategory,
      withoutPrice: cat.withoutPrice,
      withoutImage: cat.withoutImage,
      withoutCategoryShare: share(cat.withoutCategory, cat.items),
      withoutPriceShare: share(cat.withoutPrice, cat.items),
      withoutImageShare: share(cat.withoutImage, cat.items),
      eventsNamingItems: cat.eventsWithItem,
      eventsNamingUnknownItems: cat.eventsUnknownItem,
      eventsNamingUnknownItemsShare: share(cat.eventsUnknownItem, cat.eventsWithItem),
      unknownItems: cat.unknownItems,
      topUnknownItems: cat.topUnknown,
    },
    sparsity: {
      people: sp.people,
      events: sp.events,
      meanEventsPerPerson: sp.people > 0 ? Math.round((sp.events / sp.people) * 100) / 100 : null,
      buckets: sp.buckets.map((b) => {
        const max = BUCKET_MAX[b.min] ?? null
        return { label: max === null ? `${b.min}+` : max === b.min ? String(b.min) : `${b.min}–${max}`, min: b.min, max, people: b.people, share: share(b.people, sp.people) }
      }),
    },
    fallback,
    consent: { people, purposes: consentRows },
    rejected: {
      total: [...byCode.values()].reduce((a, b) => a + b, 0),
      byCode: [...byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([code, count]) => ({ code, count })),
      days,
    },
  }
}

function time(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback
  const t = Date.parse(value)
  if (Number.isNaN(t) || Math.abs(t) > 8.64e15) throw new AttuneError('invalid_field', `${field} must be an ISO 8601 time`, field)
  return t
}

export function dataQualityRoutes(ctx: RouteContext) {
  const guard = requireScope(ctx, 'secret')
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: { from?: string; to?: string } }>(
      '/v1/reports/data-quality',
      {
        preHandler: guard,
        schema: {
          tags: ['reports'],
          summary: 'Data quality: identity fragmentation, catalogue coverage, sparsity, fallbacks, consent, refused events',
          description:
            'The state of the data now (identity, catalogue, sparsity, consent) and, over [from, to) (ISO times; default the last 30 days, at most 400), ' +
            'the share of recommendation placements served by fallback levels per strategy and the refused events per UTC day and code. Definitions in docs/api.md, "Data quality".',
          security: secretKeySecurity,
          querystring: Type.Object({ from: Type.Optional(Type.String({ maxLength: 40 })), to: Type.Optional(Type.String({ maxLength: 40 })) }),
          response: { 200: DataQualityReport },
        },
      },
      async (request) => {
        const to = time(request.query.to, 'to', Date.now())
        const from = time(request.query.from, 'from', to - 30 * DAY_MS)
        if (from >= to) throw new AttuneError('invalid_field', 'from must be before to', 'from')
        if (to - from > MAX_RANGE_DAYS * DAY_MS) throw new AttuneError('invalid_field', `from and to may be at most ${MAX_RANGE_DAYS} days apart`, 'from')
        // What was shown or refused in the last ~200 ms is still queued: flush so the report includes it.
        await Promise.all([ctx.engine.impressions.flush(), ctx.engine.rejected.flush()])
        const figures = await ctx.engine.store.diagnostics.dataQuality(from, to)
        return dataQualityReport(figures, ctx.engine.settings.consentDefaults, from, to)
      },
    )
  }
}
