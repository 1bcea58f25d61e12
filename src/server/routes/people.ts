/** People routes (secret key). Identity stitching and profiles arrive with their own issue. */
import type { FastifyInstance } from 'fastify'
import Type from 'typebox'
import { AttuneError, type StoredEvent } from '../../core/index.ts'
import { PageQuery } from '../schemas.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

/** The API view of a stored event. */
export function eventView(e: StoredEvent) {
  const m = e.message
  return {
    messageId: e.messageId,
    type: e.type,
    event: e.event,
    kind: e.kind,
    userId: e.userId,
    anonymousId: e.anonymousId,
    itemId: e.itemId,
    timestamp: new Date(e.timestamp).toISOString(),
    receivedAt: new Date(e.receivedAt).toISOString(),
    originalTimestamp: typeof m.timestamp === 'string' ? m.timestamp : null,
    properties: m.properties ?? {},
    traits: m.traits ?? {},
    context: m.context ?? {},
    data: e.data,
  }
}

export function peopleRoutes(ctx: RouteContext) {
  const { store, activity } = ctx.engine
  const PersonParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255 }) })
  return async (app: FastifyInstance) => {
    app.get<{ Params: { userId: string } }>(
      '/v1/people/:userId',
      {
        preHandler: requireScope(ctx, 'secret'),
        schema: {
          tags: ['people'],
          summary: 'What is known about a person',
          description:
            'Today: activity counters (events by kind, orders, revenue, first and last seen) kept by the workers from the event stream, ' +
            'read from hot state (Redis when configured). Identity stitching and full profiles arrive with the identity issue.',
          security: secretKeySecurity,
          params: PersonParams,
        },
      },
      async (request) => {
        const found = await activity.read(request.params.userId)
        if (!found) throw new AttuneError('not_found', `no events processed yet for "${request.params.userId}"`, 'userId')
        return {
          id: found.personId,
          activity: { ...found, firstSeen: new Date(found.firstSeen).toISOString(), lastSeen: new Date(found.lastSeen).toISOString() },
        }
      },
    )

    app.get<{ Params: { userId: string }; Querystring: { limit?: number; cursor?: string } }>(
      '/v1/people/:userId/events',
      {
        preHandler: requireScope(ctx, 'secret'),
        schema: {
          tags: ['people'],
          summary: "A person's events, newest first",
          description: 'Matches events whose userId or anonymousId is the given id.',
          security: secretKeySecurity,
          params: PersonParams,
          querystring: PageQuery,
        },
      },
      async (request) => {
        const page = await store.listPersonEvents({
          personId: request.params.userId,
          limit: request.query.limit ?? 50,
          cursor: request.query.cursor,
        })
        return { data: page.data.map(eventView), nextCursor: page.nextCursor }
      },
    )
  }
}
