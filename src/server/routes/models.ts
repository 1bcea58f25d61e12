/** Model routes (secret key): train on demand, list versions, roll back to an earlier one. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { AttuneError } from '../../core/index.ts'
import type { ModelVersion } from '../../storage/index.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

function view(v: ModelVersion, serving: string | null) {
  return {
    id: v.id,
    status: v.status,
    reason: v.reason,
    active: v.active,
    serving: v.id === serving,
    progress: v.progress,
    note: v.note,
    createdAt: new Date(v.createdAt).toISOString(),
    finishedAt: v.finishedAt === null ? null : new Date(v.finishedAt).toISOString(),
    error: v.error,
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
          description: 'Status (training, ready, failed), progress, validation metrics and sizes in `summary`, which one is active, and which one this node serves.',
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) }),
        },
      },
      async (request) => {
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
