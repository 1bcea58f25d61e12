/**
 * The CRUD routes shared by segments (/v1/segments) and computed traits (/v1/traits): list, create, get,
 * change (versioned: `expectedVersion`, 409 on a conflict), delete, versions. Staff viewers read, editors
 * change, as for the catalogue and people; the secret key may do everything. After a change this process's
 * workers reload at once (`segmentsChanged`); other nodes notice the definitions' stamp at their next poll.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler } from 'fastify'
import Type, { type TSchema } from 'typebox'
import { AttuneError, isWellFormedText } from '../../core/index.ts'
import type { SegmentDefinitionRecord } from '../../storage/index.ts'
import { type DefinitionChecks, definitionId, keyFromName } from '../segment-definition-checks.ts'
import { keyOf, requireScope, type RouteContext, secretKeySecurity, staffOf } from './context.ts'
import { createBody, DefinitionVersions, type DefinitionView, MAX_DEFINITION_BYTES, updateBody } from './segment-schemas.ts'

type Kind = SegmentDefinitionRecord['kind']

export interface DefinitionRoutesOptions<View> {
  kind: Kind
  /** /v1/segments or /v1/traits */
  base: string
  /** The OpenAPI schema of `definition` (the rule or the trait definition). */
  definitionSchema: TSchema
  listReply: TSchema
  viewReply: TSchema
  /** The API view of definitions (segments add their size). */
  views(records: SegmentDefinitionRecord[]): Promise<View[]>
  checks: DefinitionChecks
  /** Runs after the definition is gone (a segment's members are removed). */
  afterDelete(id: string): Promise<void>
}

export const isoView = (r: SegmentDefinitionRecord): DefinitionView => ({ ...r, createdAt: new Date(r.createdAt).toISOString(), updatedAt: new Date(r.updatedAt).toISOString() })

const Params = { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 255 } }, required: ['id'] } as const

/**
 * The body is validated against its envelope only (`definition` as any JSON): the definition is then
 * checked by src/segments, whose errors name the field inside it; the full schema is for OpenAPI.
 */
function envelopeOnly(app: FastifyInstance, envelope: TSchema): FastifySchemaCompiler<unknown> {
  const base = app.validatorCompiler!
  return (route) => base(route.httpPart === 'body' ? { ...route, schema: envelope } : route)
}

/** Who made a change: the staff email, or the secret key's id. */
export function changedBy(request: FastifyRequest): string {
  const signedIn = staffOf(request)
  return signedIn ? signedIn.user.email : `secret key ${keyOf(request).id}`
}

function visibleText(value: string | undefined, field: string, line: boolean): void {
  if (value === undefined) return
  if (!isWellFormedText(value)) throw new AttuneError('invalid_field', `${field} holds a lone UTF-16 surrogate (not valid Unicode text)`, field)
  const controls = line ? /[\u0000-\u001f\u007f]/ : /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
  if (controls.test(value)) throw new AttuneError('invalid_field', `${field} holds control characters`, field)
  if (line && value.trim() === '') throw new AttuneError('invalid_field', `${field} must not be blank`, field)
}

export function definitionRoutes<View>(ctx: RouteContext, o: DefinitionRoutesOptions<View>) {
  const { store } = ctx.engine
  const defs = store.segmentDefinitions
  const read = requireScope(ctx, 'secret')
  const edit = requireScope(ctx, 'secret', 'editor')
  const what = o.kind === 'segment' ? 'segment' : 'computed trait'
  const plural = o.kind === 'segment' ? 'segments' : 'traits'
  const tags = ['segments']
  const security = secretKeySecurity

  async function require(id: string): Promise<SegmentDefinitionRecord> {
    const record = await defs.get(id)
    if (!record || record.kind !== o.kind) throw new AttuneError('not_found', `no ${what} with id "${id.slice(0, 255)}"`, 'id')
    return record
  }
  const viewOf = async (r: SegmentDefinitionRecord) => (await o.views([r]))[0]!
  // The workers of this process (or its embedded worker thread) re-read the definitions at once; not awaited:
  // evaluating everyone for a new rule can take a while, and the change is stored already.
  const reload = () => ctx.engine.segmentsChanged()

  return async (app: FastifyInstance) => {
    const create = createBody(plural, o.definitionSchema)
    const update = updateBody(plural, o.definitionSchema)
    app.get(o.base, { preHandler: read, schema: { tags, security, summary: `Every ${what}, by key`, response: { 200: o.listReply } } }, async () => ({
      data: await o.views(await defs.list(o.kind)),
    }))

    app.post<{ Body: { key?: string; name: string; description?: string; definition: unknown; enabled?: boolean } }>(
      o.base,
      {
        preHandler: edit,
        bodyLimit: MAX_DEFINITION_BYTES,
        validatorCompiler: envelopeOnly(app, createBody(plural, Type.Unknown())),
        schema: {
          tags,
          security,
          summary: `Create a ${what}`,
          description: `Version 1. Without \`key\`, one is made from the name. A definition naming an unknown segment or trait, or one that would make a cycle, is refused (400, naming the field).`,
          body: create,
          response: { 201: o.viewReply },
        },
      },
      async (request, reply) => {
        const body = request.body
        visibleText(body.name, 'name', true)
        visibleText(body.description, 'description', false)
        const key = body.key ?? keyFromName(body.name)
        if (key === null) throw new AttuneError('missing_field', 'key is required when the name has no letters or digits to make one from', 'key')
        const definition = await o.checks.check(o.kind, key, body.definition)
        const record = await defs.create(
          { id: definitionId(o.kind), kind: o.kind, key, name: body.name.trim(), description: body.description ?? '', definition, builtIn: false, enabled: body.enabled ?? true, updatedBy: changedBy(request) },
          Date.now(),
        )
        if (!record) throw new AttuneError('conflict', `a ${what} with key "${key}" exists already`, 'key')
        reload()
        return reply.code(201).send(await viewOf(record))
      },
    )

    app.get<{ Params: { id: string } }>(`${o.base}/:id`, { preHandler: read, schema: { tags, security, summary: `One ${what}`, params: Params, response: { 200: o.viewReply } } }, async (request) =>
      viewOf(await require(request.params.id)),
    )

    app.put<{ Params: { id: string }; Body: { expectedVersion: number; key?: string; name?: string; description?: string; definition?: unknown; enabled?: boolean } }>(
      `${o.base}/:id`,
      {
        preHandler: edit,
        bodyLimit: MAX_DEFINITION_BYTES,
        validatorCompiler: envelopeOnly(app, updateBody(plural, Type.Unknown())),
        schema: {
          tags,
          security,
          summary: `Change a ${what} (a new version)`,
          description:
            'Fields sent replace those fields; the others keep their values. `expectedVersion` is the version you read: when it is not the current one, nothing changes and the answer is 409 conflict (read it again). ' +
            'The previous versions stay listed under /versions.',
          params: Params,
          body: update,
          response: { 200: o.viewReply },
        },
      },
      async (request) => {
        const current = await require(request.params.id)
        const body = request.body
        visibleText(body.name, 'name', true)
        visibleText(body.description, 'description', false)
        const key = body.key ?? current.key
        if (key !== current.key) await o.checks.notReferenced(o.kind, current.key, current.id)
        const definition = body.definition === undefined ? current.definition : await o.checks.check(o.kind, key, body.definition, current.id)
        const change = { key, name: body.name?.trim() ?? current.name, description: body.description ?? current.description, definition, enabled: body.enabled ?? current.enabled }
        const outcome = await defs.update(current.id, change, { updatedBy: changedBy(request), now: Date.now(), expectedVersion: body.expectedVersion })
        if (outcome === null) throw new AttuneError('not_found', `no ${what} with id "${current.id}"`, 'id')
        if (outcome === 'conflict') {
          const now = await defs.get(current.id)
          throw new AttuneError('conflict', `the ${what} changed since version ${body.expectedVersion} (it is at version ${now?.version ?? '?'}): read it again and apply your change to that`, 'expectedVersion')
        }
        if (outcome === 'key_taken') throw new AttuneError('conflict', `a ${what} with key "${key}" exists already`, 'key')
        reload()
        return viewOf(outcome)
      },
    )

    app.delete<{ Params: { id: string } }>(
      `${o.base}/:id`,
      {
        preHandler: edit,
        schema: {
          tags,
          security,
          summary: `Delete a ${what}`,
          description: `With its history${o.kind === 'segment' ? ' and its members (no Audience Exited events are sent for them)' : ' and its values'}. Refused with 409 while another definition uses it. A built-in deleted stays deleted (POST /v1/segments/built-ins brings it back).`,
          params: Params,
        },
      },
      async (request, reply: FastifyReply) => {
        const current = await require(request.params.id)
        await o.checks.notReferenced(o.kind, current.key, current.id)
        if (!(await defs.delete(current.id))) throw new AttuneError('not_found', `no ${what} with id "${current.id}"`, 'id')
        await o.afterDelete(current.id)
        reload()
        return reply.code(204).send()
      },
    )

    app.get<{ Params: { id: string } }>(
      `${o.base}/:id/versions`,
      { preHandler: read, schema: { tags, security, summary: `Every version of a ${what}, newest first`, params: Params, response: { 200: DefinitionVersions } } },
      async (request) => {
        const current = await require(request.params.id)
        return { data: (await defs.versions(current.id)).map(isoView) }
      },
    )
  }
}
