/**
 * The live-events debugger (secret key, or a staff session with at least the viewer role):
 * `GET /v1/events`, the stored events as they arrive with their normalised kind and the person each was
 * stitched to, and `GET /v1/events/rejected`, what the ingest refused, with the error and its field.
 * Both are newest first, paged by `cursor`, and take `after` to poll for what came since.
 */
import type { FastifyInstance } from 'fastify'
import Type, { type Static } from 'typebox'
import { EVENT_KINDS, ERROR_CODES } from '../../core/index.ts'
import { isoTime } from '../../profiles/index.ts'
import type { FeedEvent, StoredRejectedEvent } from '../../storage/index.ts'
import { PageQuery } from '../schemas.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

const After = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Only what came after this position (`seq` / `id` of the newest row you have): poll with it.' })

export const EventsFeedQuery = Type.Intersect([
  PageQuery,
  Type.Object({
    after: Type.Optional(After),
    kind: Type.Optional(Type.Union(EVENT_KINDS.map((k) => Type.Literal(k)), { description: 'Only events of this normalised kind.' })),
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Only events whose userId or anonymousId is this.' })),
  }),
])

export const FeedEventView = Type.Object({
  seq: Type.Integer({ description: 'Position in the log (what `after` takes).' }),
  messageId: Type.String(),
  receivedAt: Nullable(Type.String({ description: 'When the engine received it (ISO time).' })),
  timestamp: Nullable(Type.String({ description: 'Event time after clock-skew correction (ISO time).' })),
  type: Type.String(),
  event: Nullable(Type.String()),
  kind: Type.String({ description: 'The normalised kind (e.g. product_viewed, order_completed, custom).' }),
  userId: Nullable(Type.String()),
  anonymousId: Nullable(Type.String()),
  itemId: Nullable(Type.String()),
  personId: Nullable(Type.String({ description: 'The canonical person it was stitched to; null until the workers applied it.' })),
  message: Type.Record(Type.String(), Type.Unknown(), { description: 'The message as stored.' }),
})
export const EventsFeedReply = Type.Object({ data: Type.Array(FeedEventView), nextCursor: Nullable(Type.String()) })

export const RejectedQuery = Type.Intersect([
  PageQuery,
  Type.Object({
    after: Type.Optional(After),
    code: Type.Optional(Type.Union(Object.keys(ERROR_CODES).map((k) => Type.Literal(k)), { description: 'Only refusals with this error code.' })),
  }),
])

export const RejectedEventView = Type.Object({
  id: Type.Integer(),
  receivedAt: Nullable(Type.String()),
  keyId: Nullable(Type.String({ description: 'The id of the API key that sent it (`staff:<user id>` for a dashboard session).' })),
  endpoint: Type.String({ description: 'The call: track, identify, page, screen, alias, group or batch.' }),
  index: Nullable(Type.Integer({ description: 'Its position in the batch; null for a single call or a refused batch body.' })),
  code: Type.String(),
  field: Nullable(Type.String()),
  message: Type.String({ description: 'The error message the sender got.' }),
  messageId: Nullable(Type.String()),
  type: Nullable(Type.String()),
  raw: Type.String({ description: 'JSON text of the message as sent, at most 4096 characters.' }),
  truncated: Type.Boolean({ description: 'True when `raw` was cut (it is then not valid JSON).' }),
})
export const RejectedReply = Type.Object({ data: Type.Array(RejectedEventView), nextCursor: Nullable(Type.String()) })

export type FeedEventView = Static<typeof FeedEventView>
export type EventsFeedReply = Static<typeof EventsFeedReply>
export type RejectedEventView = Static<typeof RejectedEventView>
export type RejectedReply = Static<typeof RejectedReply>

export function feedEventView(e: FeedEvent): FeedEventView {
  return {
    seq: e.seq,
    messageId: e.messageId,
    receivedAt: isoTime(e.receivedAt),
    timestamp: isoTime(e.timestamp),
    type: e.type,
    event: e.event,
    kind: e.kind,
    userId: e.userId,
    anonymousId: e.anonymousId,
    itemId: e.itemId,
    personId: e.personId,
    message: e.message,
  }
}

export function rejectedView(r: StoredRejectedEvent): RejectedEventView {
  return {
    id: r.id,
    receivedAt: isoTime(r.receivedAt),
    keyId: r.keyId,
    endpoint: r.endpoint,
    index: r.index,
    code: r.code,
    field: r.field,
    message: r.message,
    messageId: r.messageId,
    type: r.type,
    raw: r.raw,
    truncated: r.truncated,
  }
}

export function eventsRoutes(ctx: RouteContext) {
  const { store } = ctx.engine
  const guard = requireScope(ctx, 'secret')
  const common = { tags: ['events'], security: secretKeySecurity }
  return async (app: FastifyInstance) => {
    app.get<{ Querystring: Static<typeof EventsFeedQuery> }>(
      '/v1/events',
      {
        preHandler: guard,
        schema: {
          ...common,
          summary: 'The live feed of incoming events, newest first',
          description:
            'Stored events by log position, newest first, each with its normalised kind and the canonical person it was stitched to ' +
            '(null until the workers applied it). `after=<seq>` returns only newer events (poll with the newest `seq` you have); ' +
            '`kind` and `id` (a userId or anonymousId) filter.',
          querystring: EventsFeedQuery,
          response: { 200: EventsFeedReply },
        },
      },
      async (request) => {
        const q = request.query
        const page = await store.diagnostics.feed({ limit: q.limit ?? 50, cursor: q.cursor, after: q.after, kind: q.kind, id: q.id })
        return { data: page.data.map(feedEventView), nextCursor: page.nextCursor }
      },
    )

    app.get<{ Querystring: Static<typeof RejectedQuery> }>(
      '/v1/events/rejected',
      {
        preHandler: guard,
        schema: {
          ...common,
          summary: 'Messages the ingest refused, newest first',
          description:
            'Every refused single call, batch member or batch body of a request that had a valid key, with the error code, field and message ' +
            'the sender got and a copy of the message (at most 4096 characters). Kept 7 days and at most 10,000 rows; requests refused before ' +
            'their body was read (401, 429) are not recorded.',
          querystring: RejectedQuery,
          response: { 200: RejectedReply },
        },
      },
      async (request) => {
        const q = request.query
        // Refusals of the last ~200 ms are still queued: flush so a poll right after sees them.
        await ctx.engine.rejected.flush()
        const page = await store.diagnostics.listRejected({ limit: q.limit ?? 50, cursor: q.cursor, after: q.after, code: q.code })
        return { data: page.data.map(rejectedView), nextCursor: page.nextCursor }
      },
    )
  }
}
