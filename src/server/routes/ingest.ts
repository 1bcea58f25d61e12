/** Segment-compatible Tracking API: /v1/track, identify, page, screen, alias, group and batch. */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { toAttuneError } from '../http-errors.ts'
import { unparsedBody } from '../request-body.ts'
import { AttuneError, type CallType } from '../../core/index.ts'
import type { IngestOutcome } from '../../ingest/index.ts'
import { AliasBody, BatchBody, ErrorBody, GroupBody, IdentifyBody, IngestReply, PageBody, Problem, TrackBody } from '../schemas.ts'
import { documentOnly, keyOf, requireScope, type RouteContext, writeKeySecurity } from './context.ts'
import Type from 'typebox'

const SINGLE: Record<CallType, object> = {
  track: TrackBody,
  identify: IdentifyBody,
  page: PageBody,
  screen: PageBody,
  alias: AliasBody,
  group: GroupBody,
}

/** The call each path takes (analytics.js's one-letter aliases too). */
const ENDPOINTS: Record<string, string> = Object.fromEntries([...Object.keys(SINGLE), 'batch'].flatMap((t) => [[t, t], [t[0]!, t]]))

const PartialReply = Type.Object({
  error: ErrorBody.properties.error,
  accepted: Type.Optional(Type.Integer()),
  duplicates: Type.Optional(Type.Integer()),
  rejected: Type.Optional(Type.Array(Problem)),
})

export function ingestRoutes(ctx: RouteContext) {
  const { engine, metrics } = ctx
  const count = (o: IngestOutcome) => {
    metrics.events.inc({ outcome: 'accepted' }, o.accepted)
    if (o.duplicates) metrics.events.inc({ outcome: 'duplicate' }, o.duplicates)
    if (o.rejected.length) metrics.events.inc({ outcome: 'rejected' }, o.rejected.length)
  }
  const ingest = async (type: CallType | 'batch', request: FastifyRequest) => {
    try {
      return await engine.ingest.ingest(type, request.body, { keyId: keyOf(request).id })
    } catch (error) {
      if (error instanceof AttuneError && error.status < 500) metrics.events.inc({ outcome: 'rejected' })
      throw error
    }
  }

  // A body that is not JSON never reaches the ingest service: kept here, with the start of its text.
  const unreadable = async (request: FastifyRequest, _reply: unknown, error: FastifyError) => {
    const text = unparsedBody(request)
    if (text === null) return
    const known = toAttuneError(error)
    const endpoint = request.url.split('?')[0]!.slice('/v1/'.length)
    engine.rejected.record({
      receivedAt: Date.now(),
      keyId: keyOf(request).id,
      endpoint: ENDPOINTS[endpoint] ?? endpoint,
      refusals: [{ index: null, code: known.code, field: known.field ?? null, message: known.message, raw: null, rawText: text }],
    })
  }

  return async (app: FastifyInstance) => {
    // Segment's analytics.js 2.0 posts to one-letter paths (/v1/t, /v1/i, ..., /v1/b for batches): the
    // same routes answer there, so its browser SDK works with only its apiHost changed.
    for (const [type, schema] of Object.entries(SINGLE) as [CallType, object][]) {
      for (const url of [`/v1/${type}`, `/v1/${type[0]}`]) app.post(
        url,
        {
          bodyLimit: engine.config.maxEventBytes + 1024,
          validatorCompiler: documentOnly,
          preHandler: requireScope(ctx, 'write'),
          onError: unreadable,
          schema: {
            ...(url.length === 5 && { hide: true }),
            tags: ['tracking'],
            summary: `Segment ${type} call`,
            security: writeKeySecurity,
            body: schema,
            response: { 200: IngestReply, '4xx': ErrorBody },
          },
        },
        async (request) => {
          const outcome = await ingest(type, request)
          count(outcome)
          return { success: true, accepted: outcome.accepted, duplicates: outcome.duplicates }
        },
      )
    }

    for (const url of ['/v1/batch', '/v1/b']) app.post(
      url,
      {
        bodyLimit: engine.config.maxBatchBytes,
        validatorCompiler: documentOnly,
        preHandler: requireScope(ctx, 'write'),
        onError: unreadable,
        schema: {
          ...(url === '/v1/b' && { hide: true }),
          tags: ['tracking'],
          summary: 'Several calls in one request (Segment batch, up to 500 KB)',
          description:
            'Good events are stored even when others are not; when any is rejected the reply is 400 with `rejected` listing each by index.',
          security: writeKeySecurity,
          body: BatchBody,
          response: { 200: IngestReply, 400: PartialReply },
        },
      },
      async (request, reply) => {
        const outcome = await ingest('batch', request)
        count(outcome)
        if (outcome.rejected.length === 0) return { success: true, accepted: outcome.accepted, duplicates: outcome.duplicates }
        const first = outcome.rejected[0]!
        const stored = outcome.accepted + outcome.duplicates
        return reply.status(400).send({
          error: {
            code: 'invalid_events',
            message: `${outcome.rejected.length} event(s) rejected (first: ${first.message}); the other ${stored} were stored`,
            field: first.field,
          },
          accepted: outcome.accepted,
          duplicates: outcome.duplicates,
          rejected: outcome.rejected,
        })
      },
    )
  }
}
