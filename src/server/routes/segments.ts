/**
 * Segments (secret key; staff viewers read, editors change): the CRUD of definition-routes.ts with each
 * segment's size, its daily sizes, the preview of an unsaved rule (size and a sample, two at a time per
 * node), and the restore of deleted built-ins. Members, paged and as CSV, are in segment-members.ts.
 */
import type { FastifyInstance } from 'fastify'
import { AttuneError } from '../../core/index.ts'
import { DAY_MS, type SegmentDefinitionRecord } from '../../storage/index.ts'
import { SegmentRuleSchema } from '../../segments/index.ts'
import { builtInSeeds } from '../built-in-seeds.ts'
import { definitionChecks } from '../segment-definition-checks.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'
import { definitionRoutes, isoView } from './definition-routes.ts'
import { personRefs } from './segment-members.ts'
import {
  MAX_DEFINITION_BYTES,
  previewBody,
  SegmentPreview,
  SegmentList,
  SegmentPreviewBody,
  SegmentSizes,
  SizesQuery,
  SegmentView,
} from './segment-schemas.ts'

/** Previews evaluate every person: this many at once per node, the others are asked to retry. */
const PREVIEWS_AT_ONCE = 2
const MAX_SIZE_RANGE_DAYS = 400
/** A key no stored definition can have (keys are snake_case), so the rule under preview replaces none. */
const PREVIEW_KEY = '\u0000preview'

const Params = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 255 } }, required: ['id'] } as const

export function segmentRoutes(ctx: RouteContext) {
  const { store } = ctx.engine
  const members = store.segmentMembers
  const checks = definitionChecks(store)
  const read = requireScope(ctx, 'secret')
  const edit = requireScope(ctx, 'secret', 'editor')
  // A preview changes nothing: viewers may explore rules too.
  const explore = requireScope(ctx, 'secret', 'viewer')
  const tags = ['segments']
  const security = secretKeySecurity
  let previews = 0

  const views = async (records: SegmentDefinitionRecord[]): Promise<SegmentView[]> => {
    const counts = records.length === 1 ? new Map([[records[0]!.id, await members.count(records[0]!.id)]]) : await members.counts()
    return records.map((r) => ({ ...isoView(r), size: r.enabled ? (counts.get(r.id) ?? 0) : 0 }))
  }

  const crud = definitionRoutes(ctx, {
    kind: 'segment',
    base: '/v1/segments',
    definitionSchema: SegmentRuleSchema,
    listReply: SegmentList,
    viewReply: SegmentView,
    views,
    checks,
    afterDelete: (id) => members.clear(id),
  })

  return async (app: FastifyInstance) => {
    await crud(app)

    app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string } }>(
      '/v1/segments/:id/sizes',
      {
        preHandler: read,
        schema: { tags, security, summary: "A segment's size per UTC day", description: `At most ${MAX_SIZE_RANGE_DAYS} days; default the last 30.`, params: Params, querystring: SizesQuery, response: { 200: SegmentSizes } },
      },
      async (request) => {
        const segment = await store.segmentDefinitions.get(request.params.id)
        if (!segment || segment.kind !== 'segment') throw new AttuneError('not_found', `no segment with id "${request.params.id}"`, 'id')
        const to = Math.ceil(time(request.query.to, Date.now(), 'to') / DAY_MS) * DAY_MS
        const from = Math.floor(time(request.query.from, to - 30 * DAY_MS, 'from') / DAY_MS) * DAY_MS
        if (from >= to) throw new AttuneError('invalid_field', 'from must be before to', 'from')
        if (to - from > MAX_SIZE_RANGE_DAYS * DAY_MS) throw new AttuneError('invalid_field', `from and to may be at most ${MAX_SIZE_RANGE_DAYS} days apart`, 'from')
        const points = await members.sizeHistory(segment.id, from, to)
        return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), data: points.map((p) => ({ ...p, day: new Date(p.day).toISOString() })) }
      },
    )

    app.post<{ Body: { definition: unknown; sample?: number } }>(
      '/v1/segments/preview',
      {
        preHandler: explore,
        bodyLimit: MAX_DEFINITION_BYTES,
        validatorCompiler: (route) => app.validatorCompiler!(route.httpPart === 'body' ? { ...route, schema: SegmentPreviewBody } : route),
        schema: {
          tags,
          security,
          summary: 'The size and a sample of an unsaved rule',
          description: `Evaluates the rule for everyone now (nothing is stored, no events are sent). ${PREVIEWS_AT_ONCE} previews at a time per server: more answer 429 rate_limited (retry after a second).`,
          body: previewBody(SegmentRuleSchema),
          response: { 200: SegmentPreview },
        },
      },
      async (request, reply): Promise<SegmentPreview> => {
        await checks.check('segment', PREVIEW_KEY, request.body.definition)
        if (previews >= PREVIEWS_AT_ONCE) {
          reply.header('retry-after', '1')
          throw new AttuneError('rate_limited', `${PREVIEWS_AT_ONCE} previews are running on this server: retry in a second`)
        }
        previews += 1
        try {
          const result = await ctx.engine.segments.preview(request.body.definition, { sample: request.body.sample ?? 10 })
          const refs = await personRefs(store, result.sample)
          return { size: result.size, population: result.population, sample: result.sample.map((id) => ({ personId: id, identifier: refs.get(id) ?? null })), ms: result.ms }
        } finally {
          previews -= 1
        }
      },
    )

    app.post(
      '/v1/segments/built-ins',
      {
        preHandler: edit,
        schema: {
          tags,
          security,
          summary: 'Restore the built-in segments',
          description: 'Creates again every built-in segment that was deleted (as shipped, version 1); built-ins that exist, edited or not, are left as they are.',
          response: { 200: SegmentList },
        },
      },
      async () => {
        const restored = await store.segmentDefinitions.seedBuiltIns(builtInSeeds(), Date.now(), { restore: true })
        if (restored.length > 0) ctx.engine.segmentsChanged()
        return { data: await views(restored) }
      },
    )
  }
}

function time(value: string | undefined, fallback: number, field: string): number {
  if (value === undefined) return fallback
  const t = Date.parse(value)
  if (!Number.isFinite(t)) throw new AttuneError('invalid_field', `${field} is not a date`, field)
  return t
}
