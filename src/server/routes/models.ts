/** Model routes (secret key): train on demand, list versions, roll back to an earlier one. */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { AttuneError } from '../../core/index.ts'
import type { ModelVersion } from '../../storage/index.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

/** Offline metrics at K on the validation split (the last tenth of time), means over its test people. */
export const ModelMetricValues = Type.Object({
  recall: Type.Number(),
  ndcg: Type.Number(),
  precision: Type.Number(),
  hitrate: Type.Number(),
  map: Type.Number(),
  coverage: Type.Number(),
  novelty: Type.Number(),
  people: Type.Number(),
})
export type ModelMetricValues = Static<typeof ModelMetricValues>

export const ModelVersionView = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('training'), Type.Literal('ready'), Type.Literal('failed')]),
  reason: Type.String({ description: 'Why it was trained: api, cli, schedule.' }),
  active: Type.Boolean({ description: 'The version every serving node loads.' }),
  serving: Type.Boolean({ description: 'The version this node serves now.' }),
  progress: Type.Number({ description: 'Fraction done, 0 to 1.' }),
  stage: Nullable(Type.String({ description: 'While training: the step it is at (e.g. "validation", "neighbours"); null otherwise.' })),
  note: Type.String(),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  heartbeatAt: Type.String({ description: 'Last sign of life of a training run.' }),
  error: Nullable(Type.String()),
  /** Validation metrics by part and strategy (blend, personal, also-bought, also-viewed, similar, complete-the-look, ...), null when the data was too small to validate. */
  metrics: Nullable(Type.Record(Type.String(), ModelMetricValues)),
  /** The bestsellers baseline on the same split: what every other line is measured against. */
  baseline: Nullable(ModelMetricValues),
  /** Metrics count the first K items of each list. */
  k: Type.Integer(),
  timings: Type.Object({
    totalSeconds: Nullable(Type.Number({ description: 'From start to ready or failed.' })),
    stages: Type.Record(Type.String(), Type.Number(), { description: 'Seconds per pipeline stage (validation, neighbours, personal, content, factors).' }),
  }),
  summary: Type.Record(Type.String(), Type.Unknown()),
})
export type ModelVersionView = Static<typeof ModelVersionView>

export const ModelsReply = Type.Object({
  data: Type.Array(ModelVersionView),
  active: Nullable(Type.String()),
  serving: Nullable(Type.String()),
})
export type ModelsReply = Static<typeof ModelsReply>

/** The pipeline measures at 10 (training/pipeline.ts). */
const METRICS_K = 10

function view(v: ModelVersion, serving: string | null): ModelVersionView {
  const validation = v.summary.validation as { metrics?: Record<string, ModelMetricValues> } | null | undefined
  const metrics = validation?.metrics ?? null
  return {
    id: v.id,
    status: v.status,
    reason: v.reason,
    active: v.active,
    serving: v.id === serving,
    progress: v.progress,
    stage: v.status === 'training' ? v.note : null,
    note: v.note,
    createdAt: new Date(v.createdAt).toISOString(),
    finishedAt: v.finishedAt === null ? null : new Date(v.finishedAt).toISOString(),
    heartbeatAt: new Date(v.heartbeatAt).toISOString(),
    error: v.error,
    metrics,
    baseline: metrics?.bestsellers ?? null,
    k: METRICS_K,
    timings: {
      totalSeconds: v.finishedAt === null ? null : Math.round(v.finishedAt - v.createdAt) / 1000,
      stages: (v.summary.seconds as Record<string, number> | undefined) ?? {},
    },
    summary: v.summary,
  }
}

export function modelRoutes(ctx: RouteContext) {
  const { store, trainer, models } = ctx.engine
  const guard = requireScope(ctx, 'secret')
  // Training and activating versions is for editors and admins.
  const edit = requireScope(ctx, 'secret', 'editor')
  const common = { tags: ['models'], security: secretKeySecurity }
  return async (app: FastifyInstance) => {
    app.post(
      '/v1/models/train',
      {
        preHandler: edit,
        schema: {
          ...common,
          summary: 'Train a new model version now',
          description:
            'Answers at once (202) with the new version, trained in a background thread and activated when ready; serving nodes switch to it within seconds. ' +
            '409 `conflict` while another run is training.',
        },
      },
      async (_request, reply) => {
        const version = await trainer.start('api')
        if (!version) {
          const running = (await store.modelVersions.list(20)).find((v) => v.status === 'training')
          throw new AttuneError('conflict', `a training run is already in progress${running ? ` (${running.id}, ${Math.round(running.progress * 100)} %)` : ''}`)
        }
        return reply.status(202).send(view(version, models.current?.version.id ?? null))
      },
    )

    app.get<{ Querystring: { limit?: number } }>(
      '/v1/models',
      {
        preHandler: guard,
        schema: {
          ...common,
          summary: 'Model versions, newest first',
          description:
            'Status (training, ready, failed), progress (fraction and `stage`), validation `metrics` per strategy next to the bestsellers `baseline`, `timings`, sizes in `summary`, which one is active, and which one this node serves.',
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }),
        },
      },
      async (request): Promise<ModelsReply> => {
        const serving = models.current?.version.id ?? null
        const versions = await store.modelVersions.list(request.query.limit ?? 20)
        return { data: versions.map((v) => view(v, serving)), active: versions.find((v) => v.active)?.id ?? (await store.modelVersions.active())?.id ?? null, serving }
      },
    )

    app.post<{ Params: { id: string } }>(
      '/v1/models/:id/activate',
      {
        preHandler: edit,
        schema: {
          ...common,
          summary: 'Make a ready version the active one (roll back or forward)',
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        },
      },
      async (request) => {
        const found = await store.modelVersions.get(request.params.id)
        if (!found) throw new AttuneError('not_found', `no model version "${request.params.id}"`, 'id')
        if (!(await store.modelVersions.activate(found.id))) throw new AttuneError('conflict', `version "${found.id}" is ${found.status}, not ready`, 'id')
        await models.refresh()
        return view((await store.modelVersions.get(found.id))!, models.current?.version.id ?? null)
      },
    )
  }
}
