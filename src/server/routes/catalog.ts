/** Catalogue routes (secret key): items (searched, paged) and categories. */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { ItemInputSchema, MAX_ITEMS_PER_BATCH } from '../../catalog/index.ts'
import type { Item } from '../../core/index.ts'
import { PageQuery } from '../schemas.ts'
import { documentOnly, requireScope, type RouteContext, secretKeySecurity } from './context.ts'

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) })
const ItemsQuery = Type.Object({
  ...PageQuery.properties,
  category: Type.Optional(Type.String({ maxLength: 500, description: 'Only items in this category or below it.' })),
  q: Type.Optional(
    Type.String({
      maxLength: 200,
      description: 'Search: items whose id starts with it, or whose title and brand have words starting with each of its words (any case, any accents).',
    }),
  ),
  inStock: Type.Optional(Type.Boolean({ description: 'true: only items in stock (available and inventory not 0); false: only the others.' })),
})

/** How an item stands for sale, as the recommender's in-stock filter sees it. */
export const StockStatus = Type.Union([Type.Literal('in_stock'), Type.Literal('out_of_stock'), Type.Literal('unavailable')], {
  description: '`unavailable`: marked not available; `out_of_stock`: inventory 0; `in_stock`: otherwise (inventory above 0 or not tracked).',
})
export type StockStatus = Static<typeof StockStatus>

export function stockOf(item: Pick<Item, 'available' | 'inventory'>): StockStatus {
  return !item.available ? 'unavailable' : item.inventory === 0 ? 'out_of_stock' : 'in_stock'
}

/** A catalogue item as the API returns it. */
export const CatalogItem = Type.Object({
  id: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  description: Type.Union([Type.String(), Type.Null()]),
  categories: Type.Array(Type.String()),
  brand: Type.Union([Type.String(), Type.Null()]),
  price: Type.Union([Type.Number(), Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()]),
  imageUrl: Type.Union([Type.String(), Type.Null()]),
  url: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  available: Type.Boolean(),
  inventory: Type.Union([Type.Integer(), Type.Null()], { description: 'Units in stock; null when not tracked.' }),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
})
export type CatalogItem = Static<typeof CatalogItem>

/** A page of `GET /v1/items`: each item with its stock status. */
export const CatalogItemsPage = Type.Object({
  data: Type.Array(Type.Intersect([CatalogItem, Type.Object({ stock: StockStatus })])),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
export type CatalogItemsPage = Static<typeof CatalogItemsPage>
export type CatalogItemsQuery = Static<typeof ItemsQuery>

export const CatalogCategory = Type.Object({
  path: Type.String(),
  sensitive: Type.Boolean(),
  inheritedSensitive: Type.Boolean({ description: 'Sensitive because an ancestor is marked.' }),
  itemCount: Type.Integer(),
})
export type CatalogCategory = Static<typeof CatalogCategory>
export const CatalogCategoriesReply = Type.Object({ data: Type.Array(CatalogCategory) })
export type CatalogCategoriesReply = Static<typeof CatalogCategoriesReply>

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

    app.get<{ Querystring: CatalogItemsQuery }>(
      '/v1/items',
      {
        preHandler: secret,
        schema: {
          tags,
          summary: 'List items by id, a page at a time: searched, in a category, in stock or not',
          description: 'Each item comes with `stock` (in_stock, out_of_stock, unavailable). Filters combine; `nextCursor` pages through the same filters.',
          security: secretKeySecurity,
          querystring: ItemsQuery,
        },
      },
      async (request): Promise<CatalogItemsPage> => {
        const { limit, cursor, category, q, inStock } = request.query
        const page = await catalog.list(limit ?? 50, cursor, category, { q, inStock })
        return { data: page.data.map((item) => ({ ...item, stock: stockOf(item) })), nextCursor: page.nextCursor }
      },
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

