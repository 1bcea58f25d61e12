/**
 * A segment's members (secret key; staff viewers and up): paged JSON, and all of them as CSV, streamed page
 * by page (cells a spreadsheet would run as a formula are defused). Each member with their strongest
 * identifier, read for the page at once. Also what GET /v1/people/{id} adds: the person's segments and
 * computed traits.
 */
import type { Readable } from 'node:stream'
import { stringify } from 'csv-stringify'
import type { FastifyInstance } from 'fastify'
import { AttuneError } from '../../core/index.ts'
import { RANK } from '../../identity/index.ts'
import type { Store } from '../../storage/index.ts'
import { PageQuery } from '../schemas.ts'
import { requireScope, type RouteContext, secretKeySecurity } from './context.ts'
import { type PersonRef, type PersonSegments, SegmentMembersPage } from './segment-schemas.ts'

const Params = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 255 } }, required: ['id'] } as const
const CSV_PAGE = 1000
const CSV_COLUMNS = ['person_id', 'identifier_type', 'identifier', 'since', 'version']

/** The strongest identifier of each person (over every node merged into them). */
export async function personRefs(store: Store, personIds: readonly string[]): Promise<Map<string, PersonRef['identifier']>> {
  const out = new Map<string, PersonRef['identifier']>()
  if (personIds.length === 0) return out
  const rows = await store.readPeople(async (tx) => {
    const members = await tx.membersOf(personIds)
    const rootOf = new Map<string, string>([...personIds.map((id) => [id, id] as const), ...members.map((m) => [m.id, m.mergedInto!] as const)])
    return (await tx.identitiesOf([...rootOf.keys()])).map((i) => ({ root: rootOf.get(i.personId)!, identity: i }))
  })
  const rank = (type: string) => RANK[type as keyof typeof RANK] ?? 0
  const best = new Map<string, (typeof rows)[number]['identity']>()
  for (const { root, identity } of rows) {
    const held = best.get(root)
    if (!held || rank(identity.type) > rank(held.type) || (rank(identity.type) === rank(held.type) && identity.firstSeen < held.firstSeen)) best.set(root, identity)
  }
  for (const [root, identity] of best) out.set(root, { type: identity.type, value: identity.value })
  return out
}

/** A person's segments (by key) and computed trait values (by trait key), for the profile view. */
export async function personSegments(store: Store, personId: string): Promise<PersonSegments> {
  const [memberships, traits, definitions] = await Promise.all([
    store.segmentMembers.membershipsOf(personId),
    store.segmentMembers.traitsOf(personId),
    store.segmentDefinitions.list(),
  ])
  const byId = new Map(definitions.map((d) => [d.id, d]))
  const segments = memberships
    .flatMap((m) => {
      const d = byId.get(m.segmentId)
      return d && d.enabled ? [{ id: d.id, key: d.key, name: d.name, since: new Date(m.since).toISOString() }] : []
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const computedTraits: Record<string, unknown> = Object.create(null)
  for (const t of traits) {
    const d = byId.get(t.traitId)
    if (d && d.enabled && t.value !== null) computedTraits[d.key] = t.value
  }
  return { segments, computedTraits }
}

/** A cell a spreadsheet would read as a formula (=, +, -, @, or a tab or carriage return first) gets a leading quote. */
export function defuseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
}

/** Resolves when the stream wants more, or is closed (a client that went away). */
function drained(stream: NodeJS.WritableStream & { once: Readable['once']; off: Readable['off'] }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.once('drain', done)
    stream.once('close', done)
  })
}

export function segmentMemberRoutes(ctx: RouteContext) {
  const { store } = ctx.engine
  const read = requireScope(ctx, 'secret')
  const tags = ['segments']
  const security = secretKeySecurity

  async function segmentOf(id: string) {
    const segment = await store.segmentDefinitions.get(id)
    if (!segment || segment.kind !== 'segment') throw new AttuneError('not_found', `no segment with id "${id}"`, 'id')
    return segment
  }

  async function page(segmentId: string, limit: number, cursor: string | undefined) {
    const { items, next } = await store.segmentMembers.members(segmentId, { limit, cursor })
    const refs = await personRefs(store, items.map((m) => m.personId))
    return { next, rows: items.map((m) => ({ personId: m.personId, identifier: refs.get(m.personId) ?? null, since: new Date(m.since).toISOString(), version: m.version })) }
  }

  return async (app: FastifyInstance) => {
    app.get<{ Params: { id: string }; Querystring: { limit?: number; cursor?: string } }>(
      '/v1/segments/:id/members',
      {
        preHandler: read,
        schema: { tags, security, summary: "A segment's members, oldest entry first", params: Params, querystring: PageQuery, response: { 200: SegmentMembersPage } },
      },
      async (request) => {
        const segment = await segmentOf(request.params.id)
        const { rows, next } = await page(segment.id, request.query.limit ?? 50, request.query.cursor)
        return { data: rows, nextCursor: next }
      },
    )

    app.get<{ Params: { id: string } }>(
      '/v1/segments/:id/members.csv',
      {
        preHandler: read,
        schema: {
          tags,
          security,
          summary: "All of a segment's members as CSV",
          description: `Columns ${CSV_COLUMNS.join(', ')}; streamed, oldest entry first. A cell starting with =, +, -, @, a tab or a carriage return gets a leading ' so that a spreadsheet shows it as text.`,
          params: Params,
          produces: ['text/csv'],
        },
      },
      async (request, reply) => {
        const segment = await segmentOf(request.params.id)
        // The first page is read before answering, so a store failure still gets a JSON error.
        let batch = await page(segment.id, CSV_PAGE, undefined)
        const csv = stringify({ header: true, columns: CSV_COLUMNS, cast: { string: defuseCell } })
        const pump = async () => {
          for (;;) {
            for (const r of batch.rows) {
              if (csv.destroyed) return
              if (!csv.write([r.personId, r.identifier?.type ?? '', r.identifier?.value ?? '', r.since, String(r.version)])) await drained(csv)
            }
            if (batch.next === null || csv.destroyed) break
            batch = await page(segment.id, CSV_PAGE, batch.next)
          }
          csv.end()
        }
        pump().catch((error: unknown) => {
          request.log.warn({ err: error }, 'segment members CSV stopped')
          csv.destroy(error as Error)
        })
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="segment-${segment.key}-members.csv"`)
          .header('cache-control', 'no-store')
          .send(csv as Readable)
      },
    )
  }
}
