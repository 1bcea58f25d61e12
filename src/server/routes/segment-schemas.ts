/**
 * Request and reply schemas of the segment and computed-trait routes (TypeBox: they validate requests, feed
 * the OpenAPI document and, through api-types.ts, type the dashboard). The rule or trait definition itself
 * is checked by src/segments (`checkSegmentRule` / `checkTraitDefinition`), whose errors name the field.
 */
import Type, { type Static, type TSchema } from 'typebox'

/** Keys are snake_case: a segment's is its audience key in Audience Entered / Exited, a trait's its name on the profile. */
export const KEY_PATTERN = '^[a-z][a-z0-9_]{0,63}$'
export const MAX_DEFINITION_BYTES = 64 * 1024
/** The most people a preview names (its cost is the evaluation, not the sample). */
export const MAX_PREVIEW_SAMPLE = 50

const Key = (what: string) => Type.String({ pattern: KEY_PATTERN, description: `snake_case, unique among ${what}: a letter, then up to 63 letters, digits or _.` })
const Name = Type.String({ minLength: 1, maxLength: 200, description: 'Shown to staff.' })
const Description = Type.String({ maxLength: 2000 })

/** A definition as the API shows it (segments and traits alike). */
export const DefinitionView = Type.Object({
  id: Type.String({ description: 'Stable id (seg_… / trait_…); also the audience_id of Audience Entered / Exited.' }),
  kind: Type.Union([Type.Literal('segment'), Type.Literal('trait')]),
  key: Type.String(),
  name: Type.String(),
  description: Type.String(),
  definition: Type.Unknown({ description: 'The rule (segments) or the trait definition (traits), as JSON: see docs/segments.md.' }),
  version: Type.Integer({ description: 'Starts at 1, raised by every change: send it as expectedVersion with PUT.' }),
  builtIn: Type.Boolean({ description: 'Shipped with the engine (editable; deleting one keeps it deleted).' }),
  enabled: Type.Boolean({ description: 'A disabled segment keeps its definition but has no members; a disabled trait has no values.' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String({ description: 'A staff email, "secret key <id>" or "engine".' }),
})
export type DefinitionView = Static<typeof DefinitionView>

export const SegmentView = Type.Intersect([
  DefinitionView,
  Type.Object({ size: Type.Union([Type.Integer(), Type.Null()], { description: 'Members now; null before the engine evaluated the segment.' }) }),
])
export type SegmentView = Static<typeof SegmentView>
export const SegmentList = Type.Object({ data: Type.Array(SegmentView) })
export type SegmentList = Static<typeof SegmentList>
export const TraitView = DefinitionView
export type TraitView = Static<typeof TraitView>
export const TraitList = Type.Object({ data: Type.Array(TraitView) })
export type TraitList = Static<typeof TraitList>
export const DefinitionVersions = Type.Object({ data: Type.Array(DefinitionView, { description: 'Every version, newest first.' }) })
export type DefinitionVersions = Static<typeof DefinitionVersions>

/** The body of POST /v1/segments and /v1/traits; `definition` is documented by the route (rule or trait schema). */
export function createBody<T extends TSchema>(what: 'segments' | 'traits', definition: T) {
  return Type.Object(
    {
      key: Type.Optional(Key(what)),
      name: Name,
      description: Type.Optional(Description),
      definition,
      enabled: Type.Optional(Type.Boolean({ default: true })),
    },
    { additionalProperties: false },
  )
}
export const CreateDefinitionBody = createBody('segments', Type.Unknown())
export type CreateDefinitionBody = Static<typeof CreateDefinitionBody>

/** The body of PUT: the fields sent replace those fields, the others keep their values. */
export function updateBody<T extends TSchema>(what: 'segments' | 'traits', definition: T) {
  return Type.Object(
    {
      expectedVersion: Type.Integer({ minimum: 1, description: 'The version you read: a change made since then makes this one fail with 409 conflict.' }),
      key: Type.Optional(Key(what)),
      name: Type.Optional(Name),
      description: Type.Optional(Description),
      definition: Type.Optional(definition),
      enabled: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  )
}
export const UpdateDefinitionBody = updateBody('segments', Type.Unknown())
export type UpdateDefinitionBody = Static<typeof UpdateDefinitionBody>

export const PersonRef = Type.Object({
  personId: Type.String({ description: 'The canonical person id (GET /v1/people/{personId}?type=person_id).' }),
  identifier: Type.Union([Type.Object({ type: Type.String(), value: Type.String() }), Type.Null()], {
    description: "The person's strongest identifier (user id, then email, external, device, anonymous id); null when none is left.",
  }),
})
export type PersonRef = Static<typeof PersonRef>

export const SegmentMember = Type.Intersect([
  PersonRef,
  Type.Object({
    since: Type.String({ format: 'date-time', description: 'When the person entered.' }),
    version: Type.Integer({ description: 'The segment version that admitted them.' }),
  }),
])
export type SegmentMember = Static<typeof SegmentMember>
export const SegmentMembersPage = Type.Object({ data: Type.Array(SegmentMember), nextCursor: Type.Union([Type.String(), Type.Null()]) })
export type SegmentMembersPage = Static<typeof SegmentMembersPage>

export const SizesQuery = Type.Object({
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 30 days before `to`. Rounded down to a UTC day.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now. Exclusive, rounded up to a UTC day; at most 400 days after `from`.' })),
})
export const SegmentSizePoint = Type.Object({
  day: Type.String({ format: 'date-time', description: 'Start of the UTC day.' }),
  size: Type.Integer({ description: 'Members at the end of the day.' }),
  entered: Type.Integer(),
  exited: Type.Integer(),
})
export const SegmentSizes = Type.Object({
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  data: Type.Array(SegmentSizePoint, { description: 'One point per UTC day, oldest first.' }),
})
export type SegmentSizes = Static<typeof SegmentSizes>

export function previewBody<T extends TSchema>(definition: T) {
  return Type.Object(
    {
      definition,
      sample: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_PREVIEW_SAMPLE, default: 10, description: 'How many members to name.' })),
    },
    { additionalProperties: false },
  )
}
export const SegmentPreviewBody = previewBody(Type.Unknown())
export type SegmentPreviewBody = Static<typeof SegmentPreviewBody>
export const SegmentPreview = Type.Object({
  size: Type.Integer({ description: 'People the rule selects now.' }),
  population: Type.Integer({ description: 'People evaluated (everyone with a profile).' }),
  sample: Type.Array(PersonRef, { description: 'Some of them.' }),
  ms: Type.Number({ description: 'How long the evaluation took.' }),
})
export type SegmentPreview = Static<typeof SegmentPreview>

/** What GET /v1/people/{id} adds to the profile. */
export const PersonSegment = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  since: Type.String({ format: 'date-time' }),
})
export type PersonSegment = Static<typeof PersonSegment>
export const PersonSegments = Type.Object({
  segments: Type.Array(PersonSegment, { description: 'The segments the person is in now, by key.' }),
  computedTraits: Type.Record(Type.String(), Type.Unknown(), { description: 'Computed trait values by trait key (traits without a value are left out).' }),
})
export type PersonSegments = Static<typeof PersonSegments>
