/**
 * GET /v1/items/:id/related (secret key; any staff role): the dashboard's item page. The item's
 * also-bought, also-viewed, similar and complete-the-look lists as a shopper on its page would get them,
 * answered by the real recommender (its fallback chains, filters and reasons) for an anonymous visitor,
 * with the chain level that supplied each item. Nothing is recorded: these are no impressions.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { CHAINS, type PlacementAnswer, type RecommendationRequest, type Strategy } from '../../recommend/index.ts'
import { CatalogItem, stockOf, StockStatus } from './catalog.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

/** The lists of an item's page, in the order the dashboard shows them. */
export const RELATED_STRATEGIES = ['also-bought', 'also-viewed', 'similar', 'complete-the-look'] as const satisfies readonly Strategy[]
export type RelatedStrategy = (typeof RELATED_STRATEGIES)[number]

const Level = Type.String({ description: 'The fallback chain level that supplied the item (e.g. also-bought, similar, same-category, bestsellers).' })

export const RelatedItem = Type.Object({
  id: Type.String(),
  title: Type.Union([Type.String(), Type.Null()]),
  brand: Type.Union([Type.String(), Type.Null()]),
  categories: Type.Array(Type.String()),
  price: Type.Union([Type.Number(), Type.Null()]),
  currency: Type.Union([Type.String(), Type.Null()]),
  imageUrl: Type.Union([Type.String(), Type.Null()]),
  score: Type.Number(),
  reason: Type.String({ description: 'The reason a shopper is shown ("Customers who bought … also bought this").' }),
  level: Level,
  stock: StockStatus,
})
export type RelatedItem = Static<typeof RelatedItem>

export const RelatedList = Type.Object({
  strategy: Type.Enum(RELATED_STRATEGIES),
  /** The strategy's whole fallback chain, nearest first. */
  chain: Type.Array(Level),
  items: Type.Array(RelatedItem),
  servedBy: Type.Array(Level, { description: 'The chain levels that supplied items, in order.' }),
  partial: Type.Boolean({ description: 'Fewer items than asked passed the filters.' }),
  note: Type.Union([Type.String(), Type.Null()], { description: 'What to know about the answer: fallbacks used, the item unknown to the model, no complements.' }),
})
export type RelatedList = Static<typeof RelatedList>

export const ItemRelatedReply = Type.Object({
  item: Type.Intersect([CatalogItem, Type.Object({ stock: StockStatus })]),
  modelVersion: Type.Union([Type.String(), Type.Null()]),
  /** Set when there is no model to answer from. */
  note: Type.Union([Type.String(), Type.Null()]),
  lists: Type.Array(RelatedList),
})
export type ItemRelatedReply = Static<typeof ItemRelatedReply>

const Query = Type.Object({
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, description: 'Items per list (default 10).' })),
  inStock: Type.Optional(Type.Boolean({ description: 'Only items in stock, as shoppers see them (default true); false shows the others too.' })),
})

/** Which level each item came from: levels fill a placement in order, each taking `taken` items. */
function withLevels(answer: PlacementAnswer): { level: string; item: PlacementAnswer['items'][number] }[] {
  const levels = (answer.explain ?? []).flatMap((l) => Array.from({ length: l.taken }, () => l.source as string))
  return answer.items.map((item, i) => ({ item, level: levels[i] ?? answer.servedBy.at(-1) ?? 'unknown' }))
}

export function itemRelatedRoutes(ctx: RouteContext) {
  const { catalog, recommender, models } = ctx.engine
  const guard = requireScope(ctx, 'secret', 'viewer')
  return async (app: FastifyInstance) => {
    app.get<{ Params: { id: string }; Querystring: Static<typeof Query> }>(
      '/v1/items/:id/related',
      {
        preHandler: guard,
        schema: {
          tags: ['catalog'],
          summary: "An item's also-bought, also-viewed, similar and complete-the-look lists, with reasons and levels",
          description:
            'What an anonymous shopper on the item\'s page would be shown, from the active model through each strategy\'s fallback chain, with the level that supplied each item. ' +
            'Records no impressions. Without a trained model the lists are empty and `note` says so.',
          security: secretKeySecurity,
          params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) }),
          querystring: Query,
        },
      },
      async (request): Promise<ItemRelatedReply> => {
        const item = await catalog.get(request.params.id)
        const count = request.query.count ?? 10
        const inStock = request.query.inStock ?? true
        const loaded = models.current
        const empty = (strategy: RelatedStrategy): RelatedList => ({ strategy, chain: CHAINS[strategy], items: [], servedBy: [], partial: true, note: null })
        if (!loaded) {
          return {
            item: { ...item, stock: stockOf(item) },
            modelVersion: null,
            note: 'no model is trained yet: train one (POST /v1/models/train, or Train now on the Models page)',
            lists: RELATED_STRATEGIES.map(empty),
          }
        }
        // One request per list, so that the lists do not hold back each other's items (a page's placements would).
        const answers = await Promise.all(
          RELATED_STRATEGIES.map(async (strategy) => {
            const req: RecommendationRequest = {
              placements: [{ strategy, itemId: item.id, count, filters: { inStock } }],
              fields: ['available', 'inventory'],
              explain: true,
            }
            const { answer } = await recommender.recommend(req)
            return { strategy, modelVersion: answer.modelVersion, placement: answer.placements[0]! }
          }),
        )
        return {
          item: { ...item, stock: stockOf(item) },
          modelVersion: answers[0]?.modelVersion ?? loaded.version.id,
          note: null,
          lists: answers.map(({ strategy, placement }) => ({
            strategy,
            chain: CHAINS[strategy],
            items: withLevels(placement).map(({ item: r, level }) => ({
              id: r.id,
              title: r.title,
              brand: r.brand,
              categories: r.categories,
              price: r.price,
              currency: r.currency,
              imageUrl: r.imageUrl,
              score: r.score,
              reason: r.reason,
              level,
              stock: stockOf({ available: r.available ?? true, inventory: r.inventory ?? null }),
            })),
            servedBy: placement.servedBy,
            partial: placement.partial,
            note: placement.note,
          })),
        }
      },
    )
  }
}
