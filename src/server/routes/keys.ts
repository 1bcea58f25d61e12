/**
 * API keys over HTTP (admins, or the secret key): GET /v1/keys, POST /v1/keys (the key is in this reply only:
 * the store keeps its SHA-256 digest), DELETE /v1/keys/:id (revoke; never the last active secret key).
 * This node applies a change at once; the other API nodes re-read their keys every 10 s.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { type ApiKeyRecord, AttuneError, hashKey, isWellFormedText, type KeyScope, newApiKey, newId } from '../../core/index.ts'
import { requireScope, type RouteContext, secretKeySecurity, staffOf } from './context.ts'

export const ApiKeyView = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('write'), Type.Literal('secret')], {
    description: 'write: public, for browsers and apps (events, recommendations, decisions); secret: server side, everything.',
  }),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  active: Type.Boolean(),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When the key last authorized a request: to the minute on other nodes, exact on this one; null when never (or before the engine kept it).',
  }),
})
export type ApiKeyView = Static<typeof ApiKeyView>
export const ApiKeyList = Type.Object({ data: Type.Array(ApiKeyView) })
export type ApiKeyList = Static<typeof ApiKeyList>
export const CreatedApiKey = Type.Object({
  apiKey: ApiKeyView,
  key: Type.String({ description: 'The key itself, shown only in this reply: store it now.' }),
})
export type CreatedApiKey = Static<typeof CreatedApiKey>
const CreateBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('write'), Type.Literal('secret')]),
    name: Type.String({ minLength: 1, maxLength: 100, description: 'What the key is for, e.g. "storefront" or "nightly export".' }),
  },
  { additionalProperties: false },
)
export type CreateApiKeyBody = Static<typeof CreateBody>
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 255 }) })
const tags = ['keys']
const security = secretKeySecurity

export function apiKeyView(k: ApiKeyRecord, lastUsed: number | null = null): ApiKeyView {
  return {
    id: k.id,
    kind: k.scope,
    name: k.label,
    createdAt: k.createdAt,
    revokedAt: k.revokedAt,
    active: k.revokedAt === null,
    lastUsedAt: lastUsed === null ? null : new Date(lastUsed).toISOString(),
  }
}

export function keyRoutes(ctx: RouteContext) {
  const { store, keys } = ctx.engine
  const admin = requireScope(ctx, 'secret', 'admin')
  /** This node counts a change at once; the others at their next key refresh. */
  const reload = async () => keys.replace(await store.listApiKeys())
  return async (app: FastifyInstance) => {
    app.get(
      '/v1/keys',
      {
        preHandler: admin,
        schema: { tags, summary: 'API keys', description: 'Every key, revoked ones too, oldest first; never the key itself (only its digest is stored).', security, response: { 200: ApiKeyList } },
      },
      async () => {
        // This node's uses are written first, so its own are exact.
        await store.settings.recordKeyUses(keys.takeUses())
        const uses = await store.settings.keyUses()
        return { data: (await store.listApiKeys()).map((k) => apiKeyView(k, uses.get(k.id) ?? null)) }
      },
    )
    app.post<{ Body: CreateApiKeyBody }>(
      '/v1/keys',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Create an API key',
          description: 'The key is in this reply only. This server accepts it at once, the other API nodes within 10 s.',
          security,
          body: CreateBody,
          response: { 201: CreatedApiKey },
        },
      },
      async (request, reply) => {
        const { kind, name } = request.body
        const label = name.trim()
        if (label === '' || !isWellFormedText(label) || /[\u0000-\u001f\u007f]/.test(label)) {
          throw new AttuneError('invalid_field', 'name must be visible text without control characters', 'name')
        }
        const key = newApiKey(kind as KeyScope)
        const record: ApiKeyRecord = { id: newId(), scope: kind, hash: hashKey(key), label, createdAt: new Date().toISOString(), revokedAt: null }
        await store.insertApiKey(record)
        await reload()
        request.log.info({ keyId: record.id, kind, by: staffOf(request)?.user.email ?? 'secret key' }, 'API key created')
        return reply.code(201).header('cache-control', 'no-store').send({ apiKey: apiKeyView(record), key })
      },
    )
    app.delete<{ Params: { id: string } }>(
      '/v1/keys/:id',
      {
        preHandler: admin,
        schema: {
          tags,
          summary: 'Revoke an API key',
          description:
            'Refused with 409 for the last active secret key (create another first). This server refuses the key at once, the other API nodes within 10 s. ' +
            'Identity tokens signed with a revoked secret key stop verifying.',
          security,
          params: Params,
        },
      },
      async (request, reply) => {
        const { id } = request.params
        const outcome = await store.settings.revokeApiKey(id, new Date())
        if (outcome === 'not_found') throw new AttuneError('not_found', `no active key with id "${id}" (unknown, or revoked already)`, 'id')
        if (outcome === 'last_secret') {
          throw new AttuneError(
            'conflict',
            'this is the last active secret key: revoking it would lock out every server-side caller. Create another secret key first (POST /v1/keys with kind "secret"), then revoke this one',
            'id',
          )
        }
        await reload()
        request.log.info({ keyId: id, by: staffOf(request)?.user.email ?? 'secret key' }, 'API key revoked')
        return reply.code(204).send()
      },
    )
  }
}
