/** POST /v1/decisions (write or secret key): which variant of a content placement a person sees. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { chooseVariant, decision, type DecisionRequest } from '../../content/index.ts'
import { keyOf, requireScope, type RouteContext, secretKeySecurity, writeKeySecurity } from './context.ts'
import { RequestIdentity, UserToken } from './request-identity.ts'

const Id = Type.String({ minLength: 1, maxLength: 255 })
const Body = Type.Object(
  {
    userId: Type.Optional(Id),
    userToken: Type.Optional(UserToken),
    anonymousId: Type.Optional(Id),
    writeKey: Type.Optional(Type.String()),
    placement: Id,
    variants: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 100 }),
          category: Type.Optional(Id),
          brand: Type.Optional(Id),
          default: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 50 },
    ),
  },
  { additionalProperties: false },
)

export function decisionRoutes(ctx: RouteContext) {
  const { engine } = ctx
  const halfLifeMs = engine.config.affinityHalfLifeDays * 86_400_000
  const identity = new RequestIdentity(engine)
  return async (app: FastifyInstance) => {
    app.post<{ Body: DecisionRequest & { userToken?: string; writeKey?: string } }>(
      '/v1/decisions',
      {
        preHandler: requireScope(ctx, 'write', 'viewer'),
        schema: {
          tags: ['content'],
          summary: 'Which variant of a content placement (banner, hero, block) a person sees',
          description:
            'Variants may target a `category` (the person is interested in it or in one under it) or a `brand`; the strongest matching interest picks the variant. ' +
            'Without a person, an unknown one or without personalization consent the `default` variant (else the first without a target) is shown, and `reason` says why. ' +
            'Sensitive categories are used only with the person’s consent. ' +
            'With the write key, a `userId` counts only with its `userToken` (docs/sdk.md#identity-verification); without it the decision is the one for the rest of the request, and `reason` says so.',
          security: [...writeKeySecurity, ...secretKeySecurity],
          body: Body,
        },
      },
      async (request) => {
        const { userId, userToken, anonymousId, placement, variants } = request.body
        const who = await identity.resolve(keyOf(request), { userId, anonymousId, userToken })
        const ref = who.userId ?? who.anonymousId
        const served = ref ? await engine.people.get(ref, who.userId ? 'user_id' : 'anonymous_id') : null
        const chosen = chooseVariant(variants, served?.state ?? null, { consentDefaults: engine.settings.consentDefaults, halfLifeMs }, await engine.sensitive())
        return decision(placement, who.notice ? { ...chosen, reason: `${who.notice}; ${chosen.reason}` } : chosen)
      },
    )
  }
}
