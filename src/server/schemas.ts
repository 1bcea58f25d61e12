/** Request and response schemas shown in the OpenAPI document (TypeBox, i.e. plain JSON Schema). */
import Type from 'typebox'

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, listed in docs/errors.md.' }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'Path of the offending field, e.g. batch[3].userId.' })),
    }),
  },
  { $id: 'ErrorBody' },
)

const Common = {
  userId: Type.Optional(Type.String({ description: 'Your id for a known person. userId or anonymousId is required.' })),
  anonymousId: Type.Optional(Type.String({ description: 'A device or cookie id for a person not yet known.' })),
  messageId: Type.Optional(Type.String({ description: 'Makes the call idempotent: a retry with the same id is stored once.' })),
  timestamp: Type.Optional(Type.String({ format: 'date-time', description: 'When it happened (client clock).' })),
  sentAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the client sent it; corrects clock skew.' })),
  context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  integrations: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  writeKey: Type.Optional(Type.String({ description: 'The write key, when it is not sent as HTTP Basic user name.' })),
}

export const TrackBody = Type.Object({
  ...Common,
  event: Type.String({ description: 'Event name, e.g. "Product Viewed", "Order Completed".' }),
  properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})
export const IdentifyBody = Type.Object({ ...Common, traits: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })
export const PageBody = Type.Object({
  ...Common,
  name: Type.Optional(Type.String()),
  category: Type.Optional(Type.String()),
  properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})
export const AliasBody = Type.Object({ ...Common, previousId: Type.String(), userId: Type.String() })
export const GroupBody = Type.Object({ ...Common, groupId: Type.String(), traits: Type.Optional(Type.Record(Type.String(), Type.Unknown())) })
export const BatchBody = Type.Object({
  batch: Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'Calls, each with its own `type`.' }),
  sentAt: Type.Optional(Type.String({ format: 'date-time' })),
  context: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  writeKey: Type.Optional(Type.String()),
})

export const IngestReply = Type.Object({
  success: Type.Boolean(),
  accepted: Type.Integer({ description: 'Events newly stored.' }),
  duplicates: Type.Integer({ description: 'Events already stored under the same messageId.' }),
})

export const Problem = Type.Object({
  index: Type.Integer(),
  code: Type.String(),
  message: Type.String(),
  field: Type.Optional(Type.String()),
})

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the previous page.' })),
})
