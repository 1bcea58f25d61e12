/**
 * People routes (secret key): a stitched person's profile and events found by any of their identifiers,
 * and the changes a shopper or an operator makes (preferences, consent, merge, unmerge).
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import Type from 'typebox'
import { AttuneError, EVENT_KINDS, type EventKind, isWellFormedText, type StoredEvent } from '../../core/index.ts'
import { type AffinityEvidence, type CommandOutcome, isoTime, LOOKUP_TYPES, type LookupType, type PeopleListQuery, type PersonListRow, type ProfileView } from '../../profiles/index.ts'
import { PageQuery } from '../schemas.ts'
import type { PersonSegments } from './segment-schemas.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'
import { personSegments } from './segment-members.ts'

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
    // A row stored before event times were checked may hold a time no date can show (null then).
    timestamp: isoTime(e.timestamp),
    receivedAt: isoTime(e.receivedAt),
    originalTimestamp: typeof m.timestamp === 'string' ? m.timestamp : null,
    properties: m.properties ?? {},
    traits: m.traits ?? {},
    context: m.context ?? {},
    data: e.data,
  }
}

const PersonParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 255, description: 'Any identifier of the person (see `type`).' }) })
const LookupQuery = Type.Object({
  type: Type.Optional(
    Type.Union(
      LOOKUP_TYPES.map((t) => Type.Literal(t)),
      { description: 'What kind of id `userId` is. Without it: user id, person id, email, anonymous id, device id, external id ("type:id"), in that order.' },
    ),
  ),
})
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 200 })
const LikedDisliked = Type.Object({ liked: Type.Optional(Names), disliked: Type.Optional(Names) }, { additionalProperties: false })
const PreferencesBody = Type.Object(
  {
    categories: Type.Optional(LikedDisliked),
    brands: Type.Optional(LikedDisliked),
    notForMe: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 1000, description: 'Item ids the person said are not for them.' })),
    communication: Type.Optional(Type.Record(Type.String({ maxLength: 50 }), Type.Boolean(), { description: 'Opt-ins by channel, e.g. { "email": true, "sms": false }.' })),
    gifts: Type.Optional(
      Type.Array(
        Type.Object({ orderId: Type.String({ minLength: 1, maxLength: 255 }), itemId: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }, { additionalProperties: false }),
        { maxItems: 200, description: 'Orders (or single lines) bought as gifts: left out of the person\'s inferred tastes.' },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
const ConsentBody = Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,49}$' }), Type.Boolean(), {
  minProperties: 1,
  // Without it, a key that misses the pattern ("Personalization") would skip every check.
  additionalProperties: false,
  description: 'Purposes granted (true) or refused (false): personalization, email, advertising, sensitive, or your own.',
})
const MergeBody = Type.Object(
  {
    otherId: Type.String({ minLength: 1, maxLength: 255, description: 'An identifier of the person to merge into this one.' }),
    otherType: Type.Optional(Type.Union(LOOKUP_TYPES.map((t) => Type.Literal(t)))),
    force: Type.Optional(Type.Boolean({ description: 'Merge even when the identity rules refuse (e.g. two user ids).' })),
  },
  { additionalProperties: false },
)
const UnmergeBody = Type.Object({ mergeId: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false })

const ListQuery = Type.Object({
  q: Type.Optional(
    Type.String({
      maxLength: 255,
      description: 'Any identifier, or its beginning: user id, email (case-insensitive), anonymous id, device id, external id ("type:id") or person id. Without it, everyone.',
    }),
  ),
  match: Type.Optional(Type.Union([Type.Literal('prefix'), Type.Literal('exact')], { description: 'prefix (default): identifiers starting with q; exact: equal to q.' })),
  type: Type.Optional(Type.Union(LOOKUP_TYPES.map((t) => Type.Literal(t)), { description: 'Search only this kind of identifier.' })),
  identified: Type.Optional(Type.Union([Type.Literal('user'), Type.Literal('anonymous')], { description: 'user: people with a user id; anonymous: people without one.' })),
  consent: Type.Optional(
    Type.Union([Type.Literal('granted'), Type.Literal('refused'), Type.Literal('unstated')], {
      description: 'Personalization consent: granted or refused (stated, or the default for people who never said), unstated (never said).',
    }),
  ),
  minOrders: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'At least this many orders (1: people who ordered).' })),
  ...PageQuery.properties,
})

/** GET /v1/people/:userId's answer: the profile, with the person's segments and computed traits. */
export type PersonProfile = ProfileView & PersonSegments

/** GET /v1/people's answer (for the dashboard's types). */
export interface PeopleList {
  data: PersonListRow[]
  nextCursor: string | null
}
export type { AffinityEvidence, AffinityEvent, PersonListRow } from '../../profiles/index.ts'
/** One event of GET /v1/people/:id/events. */
export type PersonEvent = ReturnType<typeof eventView>
export interface PersonEvents {
  data: PersonEvent[]
  nextCursor: string | null
}
/** What a change (preferences, consent, merge, unmerge) answers: the new profile, or pending when the workers are late. */
export type PersonChange = { messageId: string; profile: ProfileView | null } | { status: 'pending'; messageId: string }

type PersonRequest = { Params: { userId: string }; Querystring: { type?: LookupType } }

export function peopleRoutes(ctx: RouteContext) {
  const { store, profiles } = ctx.engine
  const guard = requireScope(ctx, 'secret')
  // Changing a person (preferences, consent, merges) is for editors and admins.
  const edit = requireScope(ctx, 'secret', 'editor')
  const common = { tags: ['people'], security: secretKeySecurity, params: PersonParams }

  /** The profile after a change, or 202 when the workers did not apply it in time (it will be). */
  async function changed(reply: FastifyReply, root: string, outcome: CommandOutcome) {
    if (!outcome.applied) return reply.status(202).send({ status: 'pending', messageId: outcome.messageId })
    const current = (await profiles.find(root, 'person_id')) ?? root
    return { messageId: outcome.messageId, profile: await profiles.view(current, true) }
  }

  return async (app: FastifyInstance) => {
    app.get<{ Querystring: Omit<PeopleListQuery, 'limit'> & { limit?: number } }>(
      '/v1/people',
      {
        preHandler: guard,
        schema: {
          tags: ['people'],
          security: secretKeySecurity,
          summary: 'People: everyone, newest seen first, or a search by any identifier',
          description:
            'One row per person (merged identities are one person): its identifiers (the strongest few, and how many), orders, revenue, first and last seen, personalization consent. ' +
            'With `q`, the people with an identifier equal to (`match=exact`) or starting with `q`, in the order of that identifier (code points), each at their first matching identifier; ' +
            'a page may then hold fewer than `limit` rows with a `nextCursor` when filters leave many matches out. Without `q`, everyone by last seen, newest first.',
          querystring: ListQuery,
        },
      },
      async (request): Promise<PeopleList> => {
        const { q } = request.query
        if (q !== undefined && !isWellFormedText(q)) throw new AttuneError('invalid_field', 'q holds a lone UTF-16 surrogate (not valid Unicode text)', 'q')
        return profiles.list({ ...request.query, limit: request.query.limit ?? 50 })
      },
    )

    app.get<PersonRequest>(
      '/v1/people/:userId',
      {
        preHandler: guard,
        schema: {
          ...common,
          summary: "A person's profile, found by any of their identifiers",
          description:
            'Identities (with every merge and its cause), affinities (top categories and brands, decayed to now; explicit likes first, dislikes never), ' +
            'recently viewed, cart, purchases, RFM, email engagement, sessions, devices and channels, preferences and consent. ' +
            'Without personalization consent, affinities and recently viewed are empty and `personalization` is false. ' +
            'Also the segments the person is in now (`segments`: id, key, name, since) and their computed traits (`computedTraits`: key → value).',
          querystring: LookupQuery,
        },
      },
      async (request): Promise<PersonProfile> => {
        const root = await profiles.require(request.params.userId, request.query.type)
        const view = await profiles.view(root)
        if (!view) throw new AttuneError('not_found', `no events processed yet for "${request.params.userId}"`, 'userId')
        return { ...view, ...(await personSegments(store, root)) }
      },
    )

    app.get<{ Params: { userId: string }; Querystring: { events?: number; type?: LookupType } }>(
      '/v1/people/:userId/affinities',
      {
        preHandler: guard,
        schema: {
          ...common,
          summary: "A person's affinities with the events behind each",
          description:
            'The categories and brands of the profile (ranked as in the profile), each with the last `events` events that added to its score, newest first: ' +
            'what the event added (`weight`) and what that is worth now after decay (`worth`). Replays the person\'s history, so it costs more than the profile.',
          querystring: Type.Intersect([
            Type.Object({ events: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5, description: 'Events per affinity.' })) }),
            LookupQuery,
          ]),
        },
      },
      async (request): Promise<AffinityEvidence> => {
        const root = await profiles.require(request.params.userId, request.query.type)
        const evidence = await profiles.affinityEvidence(root, request.query.events ?? 5)
        if (!evidence) throw new AttuneError('not_found', `no events processed yet for "${request.params.userId}"`, 'userId')
        return evidence
      },
    )

    app.get<{ Params: { userId: string }; Querystring: { limit?: number; cursor?: string; type?: LookupType; kind?: string } }>(
      '/v1/people/:userId/events',
      {
        preHandler: guard,
        schema: {
          ...common,
          summary: "A person's events, newest first",
          description: 'Every event stitched to the person. Events not yet processed by the workers are found by their userId or anonymousId.',
          querystring: Type.Intersect([
            PageQuery,
            LookupQuery,
            Type.Object({
              kind: Type.Optional(
                Type.String({ maxLength: 1000, description: 'Only events of these normalised kinds, comma-separated (e.g. order_completed,order_refunded for the orders).' }),
              ),
            }),
          ]),
        },
      },
      async (request) => {
        const kinds = request.query.kind === undefined ? undefined : request.query.kind.split(',').map((k) => k.trim())
        const unknown = kinds?.find((k) => !(EVENT_KINDS as readonly string[]).includes(k))
        if (unknown !== undefined) throw new AttuneError('invalid_field', `kind "${unknown.slice(0, 50)}" is not an event kind (one of ${EVENT_KINDS.join(', ')})`, 'kind')
        const root = await profiles.find(request.params.userId, request.query.type)
        const nodes = root ? await store.readPeople(async (tx) => [root, ...(await tx.membersOf([root])).map((m) => m.id)]) : undefined
        const page = await store.listPersonEvents({ personId: request.params.userId, personNodes: nodes, limit: request.query.limit ?? 50, cursor: request.query.cursor, kinds: kinds as EventKind[] | undefined })
        return { data: page.data.map(eventView), nextCursor: page.nextCursor }
      },
    )

    app.put<PersonRequest & { Body: Record<string, unknown> }>(
      '/v1/people/:userId/preferences',
      {
        preHandler: edit,
        schema: {
          ...common,
          summary: 'Set explicit preferences',
          description: 'Fields sent replace those fields; fields left out keep their values. Explicit preferences beat inferred ones everywhere.',
          querystring: LookupQuery,
          body: PreferencesBody,
        },
      },
      async (request, reply) => {
        const root = await profiles.require(request.params.userId, request.query.type)
        return changed(reply, root, await profiles.setPreferences(root, request.body))
      },
    )

    app.put<PersonRequest & { Body: Record<string, boolean> }>(
      '/v1/people/:userId/consent',
      {
        preHandler: edit,
        schema: { ...common, summary: 'Grant or refuse consent per purpose', description: 'Recorded with its time and source "api".', querystring: LookupQuery, body: ConsentBody },
      },
      async (request, reply) => {
        const root = await profiles.require(request.params.userId, request.query.type)
        return changed(reply, root, await profiles.setConsent(root, request.body))
      },
    )

    app.post<PersonRequest & { Body: { otherId: string; otherType?: LookupType; force?: boolean } }>(
      '/v1/people/:userId/merge',
      {
        preHandler: edit,
        schema: {
          ...common,
          summary: 'Merge another person into this one',
          description: 'Refused with 409 when the identity rules forbid it (two user ids, limits, people split before) unless `force` is true. Logged, and undoable with unmerge.',
          querystring: LookupQuery,
          body: MergeBody,
        },
      },
      async (request, reply) => {
        if (!isWellFormedText(request.body.otherId)) throw new AttuneError('invalid_field', 'otherId holds a lone UTF-16 surrogate (not valid Unicode text)', 'otherId')
        const root = await profiles.require(request.params.userId, request.query.type)
        const other = await profiles.require(request.body.otherId, request.body.otherType, 'otherId')
        return changed(reply, root, await profiles.merge(root, other, request.body.force === true))
      },
    )

    app.post<PersonRequest & { Body: { mergeId: string } }>(
      '/v1/people/:userId/unmerge',
      {
        preHandler: edit,
        schema: {
          ...common,
          summary: 'Undo a merge',
          description: 'The people the merge joined become separate again, each with its own identifiers and events; automatic rules will not merge them again.',
          querystring: LookupQuery,
          body: UnmergeBody,
        },
      },
      async (request, reply) => {
        const root = await profiles.require(request.params.userId, request.query.type)
        return changed(reply, root, await profiles.unmerge(request.body.mergeId))
      },
    )
  }
}
