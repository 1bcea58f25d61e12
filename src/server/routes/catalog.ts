/** Catalogue routes (secret key): items and categories. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { ItemInputSchema, MAX_ITEMS_PER_BATCH } from '../../catalog/index.ts'
import { PageQuery } from '../schemas.ts'
import { documentOnly, requireScope, type RouteContext, secretKeySecurity } from './context.ts'

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) })
const ItemsQuery = Type.Object({
  ...PageQuery.properties,
  category: Type.Optional(Type.String({ maxLength: 500, description: 'Only items in this category or below it.' })),
})

export function catalogRoutes(ctx: RouteContext) {
  const { catalog } = ctx.engine
  const secret = requireScope(ctx, 'secret')
  // Changing the catalogue and its sensitivity marks is for editors and admins.
  const edit = requireScope(ctx, 'secret', 'editor')
  const tags = ['catalog']

  return async (app: FastifyInstance) => {
    app.put<{ Params: { id: string } }>(
      '/v1/items/:id',
      {
        preHandler: edit,
        schema: {
          tags,
          summary: 'Create or replace an item',
          security: secretKeySecurity,
          params: IdParams,
          body: Type.Omit(ItemInputSchema, ['id']),
        },
        // The service checks the body so that its errors name fields the same way as the batch route.
        validatorCompiler: ({ httpPart }) => (httpPart === 'body' ? () => true : undefined) as never,
      },
      async (request) => catalog.put(request.params.id, request.body),
    )

    app.post(
      '/v1/items',
      {
        preHandler: edit,
        bodyLimit: 16 * 1024 * 1024,
        validatorCompiler: documentOnly,
        schema: {
          tags,
          summary: `Create or replace up to ${MAX_ITEMS_PER_BATCH} items`,
          description: 'Good items are written even when others are not; rejected ones are listed by index (status 400).',
          security: secretKeySecurity,
          body: Type.Object({ items: Type.Array(ItemInputSchema, { maxItems: MAX_ITEMS_PER_BATCH }) }),
        },
      },
      async (request, reply) => {
        const outcome = await catalog.upsertMany(request.body)
        if (outcome.rejected.length === 0) return { upserted: outcome.upserted }
        const first = outcome.rejected[0]!
        return reply.status(400).send({
          error: {
            code: 'invalid_items',
            message: `${outcome.rejected.length} item(s) rejected (first: ${first.message}); the other ${outcome.upserted} were written`,
            field: first.field,
          },
          upserted: outcome.upserted,
          rejected: outcome.rejected,
        })
      },
    )

    app.get<{ Params: { id: string } }>(
      '/v1/items/:id',
      { preHandler: secret, schema: { tags, summary: 'Read an item', security: secretKeySecurity, params: IdParams } },
      async (request) => catalog.get(request.params.id),
    )

    app.get<{ Querystring: { limit?: number; cursor?: string; category?: string } }>(
      '/v1/items',
      { preHandler: secret, schema: { tags, summary: 'List items by id, a page at a time', security: secretKeySecurity, querystring: ItemsQuery } },
      async (request) => catalog.list(request.query.limit ?? 50, request.query.cursor, request.query.category),
    )

    app.delete<{ Params: { id: string } }>(
      '/v1/items/:id',
      { preHandler: edit, schema: { tags, summary: 'Delete an item', security: secretKeySecurity, params: IdParams } },
      async (request, reply) => {
        await catalog.delete(request.params.id)
        return reply.status(204).send()
      },
    )

    app.get(
      '/v1/categories',
      { preHandler: secret, schema: { tags, summary: 'Categories with item counts and sensitivity', security: secretKeySecurity } },
      async () => ({ data: await catalog.listCategories() }),
    )

    app.post(
      '/v1/categories',
      {
        preHandler: edit,
        validatorCompiler: documentOnly,
        schema: {
          tags,
          summary: 'Mark categories sensitive (health, religion, ...) or not',
          description: 'A sensitive category makes its whole subtree sensitive. Sensitive categories are never used for inference without consent.',
          security: secretKeySecurity,
          body: Type.Object({ categories: Type.Array(Type.Object({ path: Type.String(), sensitive: Type.Boolean() })) }),
        },
      },
      async (request) => ({ data: await catalog.markCategories(request.body) }),
    )
  }
}

