/** POST /v1/user-tokens (secret key): a signed-in shopper's userToken, for backends that prefer a call to signing it themselves. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { AttuneError } from '../../core/index.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

const Body = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false })
const Reply = Type.Object({ userId: Type.String(), userToken: Type.String() })

export function userTokenRoutes(ctx: RouteContext) {
  return async (app: FastifyInstance) => {
    app.post<{ Body: { userId: string } }>(
      '/v1/user-tokens',
      {
        preHandler: requireScope(ctx, 'secret'),
        schema: {
          tags: ['recommendations'],
          summary: "A userId's identity token, signed with the newest active secret key",
          description:
            "Give it to the SDK of the page you render for that signed-in shopper (`attune.identify(userId, traits, { userToken })`): write-key recommendation and decision requests use a userId's history only with it. " +
            'The same token can be computed without this call: lowercase hex HMAC-SHA256 of the userId keyed by the SHA-256 hex digest of the secret key (docs/sdk.md#identity-verification).',
          security: secretKeySecurity,
          body: Body,
          response: { 200: Reply },
        },
      },
      async (request) => {
        const { userId } = request.body
        const userToken = ctx.engine.keys.signUserToken(userId)
        if (userToken === null) throw new AttuneError('unavailable', 'there is no active secret key to sign with')
        return { userId, userToken }
      },
    )
  }
}
