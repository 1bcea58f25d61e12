/** POST /v1/recommendations (write or secret key): one call per page, any number of placements. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { type RecommendationRequest, STRATEGIES } from '../../recommend/index.ts'
import { requireScope, type RouteContext, secretKeySecurity, writeKeySecurity } from './context.ts'

const Id = Type.String({ minLength: 1, maxLength: 255 })
const Ids = Type.Array(Id, { maxItems: 200 })
const Filters = Type.Object(
  {
    inStock: Type.Optional(Type.Boolean({ description: 'Only available items (default true).' })),
    excludeBought: Type.Optional(Type.Boolean({ description: 'Leave out what the person bought (default true).' })),
    excludeCart: Type.Optional(Type.Boolean({ description: "Leave out the person's cart (default true)." })),
    exclude: Type.Optional(Ids),
    categories: Type.Optional(Ids),
    excludeCategories: Type.Optional(Ids),
    brands: Type.Optional(Ids),
    excludeBrands: Type.Optional(Ids),
    minPrice: Type.Optional(Type.Number({ minimum: 0 })),
    maxPrice: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
)
const PlacementFields = {
  id: Type.Optional(Type.String({ maxLength: 100 })),
  strategy: Type.Union(STRATEGIES.map((s) => Type.Literal(s))),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  itemId: Type.Optional(Id),
  itemIds: Type.Optional(Ids),
  category: Type.Optional(Id),
  filters: Type.Optional(Filters),
}
const Placement = Type.Object(PlacementFields, { additionalProperties: false })
const Body = Type.Object(
  {
    userId: Type.Optional(Id),
    anonymousId: Type.Optional(Id),
    writeKey: Type.Optional(Type.String()),
    placements: Type.Optional(Type.Array(Placement, { minItems: 1, maxItems: 10 })),
    ...Object.fromEntries(Object.entries(PlacementFields).map(([k, v]) => [k, Type.Optional(v)])),
  },
  { additionalProperties: false },
)

export function recommendationRoutes(ctx: RouteContext) {
  const guard = requireScope(ctx, 'write')
  return async (app: FastifyInstance) => {
    app.post<{ Body: Record<string, unknown> }>(
      '/v1/recommendations',
      {
        preHandler: guard,
        schema: {
          tags: ['recommendations'],
          summary: 'Recommendations for one page: one placement, or several without repeats between them',
          description:
            'Strategies: ' + STRATEGIES.join(', ') + '. Each runs down its fallback chain until `count` items pass the filters; `servedBy` lists the levels used. ' +
            'Without a person, an unknown person or without personalization consent the answer is non-personalized and says so in `note`.',
          security: [...writeKeySecurity, ...secretKeySecurity],
          body: Body,
        },
      },
      async (request) => {
        const { userId, anonymousId, placements, writeKey: _key, ...single } = request.body as Record<string, unknown>
        const req = {
          ...(typeof userId === 'string' && { userId }),
          ...(typeof anonymousId === 'string' && { anonymousId }),
          placements: (placements as RecommendationRequest['placements'] | undefined) ?? [single as unknown as RecommendationRequest['placements'][number]],
        } as RecommendationRequest
        return ctx.engine.recommender.recommend(req)
      },
    )
  }
}
