/** POST /v1/recommendations (write or secret key): one call per page, any number of placements. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { AttuneError } from '../../core/index.ts'
import { checkConditions, CONDITION_OPS, EXTRA_FIELDS, type RecommendationRequest, SECRET_FIELDS, STRATEGIES } from '../../recommend/index.ts'
import { keyOf, requireScope, type RouteContext, secretKeySecurity, writeKeySecurity } from './context.ts'
import { RequestIdentity, UserToken } from './request-identity.ts'

const Id = Type.String({ minLength: 1, maxLength: 255 })
const Ids = Type.Array(Id, { maxItems: 200 })
const Value = Type.Union([Type.String({ maxLength: 255 }), Type.Number(), Type.Boolean()])
// Whether `value` fits `op` (required, a list, a single value) is checked in the handler (checkConditions),
// which names the value in the error. The list comes first so that its length limits are what a bad list reports.
const Condition = Type.Object(
  {
    attribute: Type.String({ pattern: '^(brand|category|tag|price|title|attributes\\.[^.]+)$', description: '`brand`, `category`, `tag`, `price`, `title` or `attributes.<name>`.' }),
    op: Type.Enum(CONDITION_OPS),
    value: Type.Optional(
      Type.Union([Type.Array(Value, { minItems: 1, maxItems: 100 }), Value], {
        description: 'Left out for exists/notExists; a list (1 to 100) for in/notIn; a number or string for gt/gte/lt/lte; one value for eq/ne.',
      }),
    ),
  },
  { additionalProperties: false },
)
const Filters = Type.Object(
  {
    inStock: Type.Optional(Type.Boolean({ description: 'Only available items (default true).' })),
    excludeBought: Type.Optional(Type.Boolean({ description: 'Leave out what the person bought (default true).' })),
    rebuyCategories: Type.Optional(Type.Array(Id, { maxItems: 200, description: 'Consumables: items under these category paths are kept even when bought.' })),
    excludeCart: Type.Optional(Type.Boolean({ description: "Leave out the person's cart (default true)." })),
    exclude: Type.Optional(Ids),
    categories: Type.Optional(Ids),
    excludeCategories: Type.Optional(Ids),
    brands: Type.Optional(Ids),
    excludeBrands: Type.Optional(Ids),
    minPrice: Type.Optional(Type.Number({ minimum: 0 })),
    maxPrice: Type.Optional(Type.Number({ minimum: 0 })),
    where: Type.Optional(Type.Array(Condition, { maxItems: 20, description: 'Attribute conditions that must all hold.' })),
  },
  { additionalProperties: false },
)
const AttributeRule = (factor: { exclusiveMinimum: number; exclusiveMaximum?: number }, description: string) =>
  Type.Array(
    Type.Object(
      {
        attribute: Type.String({ pattern: '^(brand|category|tag|attributes\\.[^.]+)$', description: '`brand`, `category`, `tag` or `attributes.<name>`.' }),
        value: Value,
        factor: Type.Number({ ...factor, maximum: 1000 }),
      },
      { additionalProperties: false },
    ),
    { maxItems: 50, description },
  )
const Rules = Type.Object(
  {
    pin: Type.Optional(Type.Array(Id, { maxItems: 100, description: 'Item ids placed first, in this order, when they pass the filters (reason "Featured").' })),
    boost: Type.Optional(AttributeRule({ exclusiveMinimum: 1 }, 'Multiply matching candidates\' scores by `factor` (> 1).')),
    bury: Type.Optional(AttributeRule({ exclusiveMinimum: 0, exclusiveMaximum: 1 }, 'Multiply matching candidates\' scores by `factor` (between 0 and 1).')),
    maxPerCategory: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'At most this many items of one primary category.' })),
    maxPerBrand: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'At most this many items of one brand.' })),
    newItemBoost: Type.Optional(
      Type.Object(
        { days: Type.Number({ exclusiveMinimum: 0, maximum: 3650 }), factor: Type.Number({ exclusiveMinimum: 0, maximum: 1000 }) },
        { additionalProperties: false, description: 'Multiply the scores of items created within the last `days` days by `factor`.' },
      ),
    ),
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
  rules: Type.Optional(Rules),
}
const Placement = Type.Object(PlacementFields, { additionalProperties: false })
const Body = Type.Object(
  {
    userId: Type.Optional(Id),
    userToken: Type.Optional(UserToken),
    anonymousId: Type.Optional(Id),
    writeKey: Type.Optional(Type.String()),
    placements: Type.Optional(Type.Array(Placement, { minItems: 1, maxItems: 10 })),
    fields: Type.Optional(
      Type.Array(Type.Union(EXTRA_FIELDS.map((f) => Type.Literal(f))), {
        maxItems: EXTRA_FIELDS.length,
        uniqueItems: true,
        description: `Item fields added to the display fields; ${SECRET_FIELDS.join(' and ')} need the secret key.`,
      }),
    ),
    explain: Type.Optional(Type.Boolean({ description: 'Per placement, what each chain level offered and why candidates were left out (secret key).' })),
    preview: Type.Optional(
      Type.Boolean({
        description: 'A look at the answer, not a page shown to a shopper: no impression is recorded, so attribution reports leave it out (secret key or a staff session; 403 with the write key).',
      }),
    ),
    personId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'A canonical person id instead of userId / anonymousId (secret key or a staff session).' })),
    ...Object.fromEntries(Object.entries(PlacementFields).map(([k, v]) => [k, Type.Optional(v)])),
  },
  { additionalProperties: false },
)

export function recommendationRoutes(ctx: RouteContext) {
  // Any signed-in staff member may preview recommendations (the dashboard's playground).
  const guard = requireScope(ctx, 'write', 'viewer')
  const identity = new RequestIdentity(ctx.engine)
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
            '`filters.where` keeps only items whose attributes meet every condition. `rules` pin items first, boost or bury by attribute, boost new items and cap items per category or brand. ' +
            'Without a person, an unknown person or without personalization consent the answer is non-personalized and says so in `note`. ' +
            'With the write key, a `userId` counts only with its `userToken` (identity verification, docs/sdk.md#identity-verification); without it the answer is the one for the rest of the request, and `note` says so.',
          security: [...writeKeySecurity, ...secretKeySecurity],
          body: Body,
        },
      },
      async (request) => {
        const { userId, userToken, anonymousId, personId: askedPerson, placements, fields, explain, preview, writeKey: _key, ...single } = request.body as Record<string, unknown>
        // The schema cannot require `strategy` only when `placements` is absent.
        if (placements === undefined && single.strategy === undefined) throw new AttuneError('missing_field', `strategy is required (one of ${STRATEGIES.join(', ')}), or placements`, 'strategy')
        const key = keyOf(request)
        if (key.scope !== 'secret') {
          // The write key is public (it sits in every page): what it may see is limited.
          const secret = ((fields as string[] | undefined) ?? []).findIndex((f) => SECRET_FIELDS.includes(f as never))
          if (secret >= 0) throw new AttuneError('insufficient_scope', `the item field "${(fields as string[])[secret]}" needs the secret key`, `fields[${secret}]`)
          if (explain === true) throw new AttuneError('insufficient_scope', 'explain needs the secret key', 'explain')
          // A preview records no impression: from a public key it would be a way to hide traffic from the reports.
          if (preview === true) throw new AttuneError('insufficient_scope', 'preview needs the secret key or a staff session', 'preview')
          if (askedPerson !== undefined) throw new AttuneError('insufficient_scope', 'personId needs the secret key or a staff session', 'personId')
        }
        if (askedPerson !== undefined && (userId !== undefined || anonymousId !== undefined)) {
          throw new AttuneError('invalid_field', 'send personId alone, without userId or anonymousId', 'personId')
        }
        const who = await identity.resolve(key, { userId, anonymousId, userToken } as Record<string, string | undefined>)
        const req = {
          ...(who.userId !== undefined && { userId: who.userId }),
          ...(who.anonymousId !== undefined && { anonymousId: who.anonymousId }),
          ...(typeof askedPerson === 'string' && { personId: askedPerson }),
          ...(Array.isArray(fields) && { fields }),
          ...(explain === true && { explain }),
          ...(preview === true && { preview: true }),
          placements: (placements as RecommendationRequest['placements'] | undefined) ?? [single as unknown as RecommendationRequest['placements'][number]],
        } as RecommendationRequest
        req.placements.forEach((p, i) => checkConditions(p.filters?.where, `${placements ? `placements[${i}].` : ''}filters.where`))
        const { answer, personId } = await ctx.engine.recommender.recommend(req)
        if (who.notice) answer.note = answer.note ? `${who.notice}; ${answer.note}` : who.notice
        // A preview (the dashboard, a support tool) is not a page a shopper saw: no impression.
        if (preview === true) return { ...answer, preview: true }
        // Buffered, written in the background: attribution never holds up the answer.
        ctx.engine.impressions.record(req, answer, personId)
        return answer
      },
    )
  }
}
