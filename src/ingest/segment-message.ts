/**
 * One Segment Tracking API call (track, identify, page, screen, alias, group) checked and turned into
 * an `EventRecord`. Field paths in errors are relative to the message; the caller prefixes `batch[i].`.
 */
import { CALL_TYPES, type CallType, type EventKind, type EventRecord, newId } from '../core/index.ts'
import { eventTime, parseTime } from './clock-skew.ts'
import { kindOfTrack, normalizeEcommerce } from './ecommerce.ts'
import { describeDeepPath, isWellFormedText, MAX_NESTING, ok, reject, type StepResult, tooDeepAt } from '../core/index.ts'

const MAX_ID = 255

export interface MessageContext {
  /** Server receive time, ms since the epoch. */
  receivedAt: number
  /** The batch's `sentAt`, used when a message has none of its own. */
  batchSentAt: number | null
  /** Segment's per-event limit in bytes. */
  maxEventBytes: number
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * An identifier: a non-empty string or a finite number (kept as its decimal string). Spaces around it
 * are dropped, as every lookup drops them (`GET /v1/people/%20u1` finds "u1"); a lone surrogate is
 * refused, since no UTF-8 store or URL could give it back.
 */
function identifier(msg: Record<string, unknown>, key: string): StepResult<string | null> {
  const raw = msg[key]
  if (raw === undefined || raw === null) return ok(null)
  if (typeof raw === 'number' && Number.isFinite(raw)) return ok(String(raw))
  if (typeof raw !== 'string') return reject('invalid_field', key, `${key} must be a string`)
  const v = raw.trim()
  if (v.length === 0) return ok(null)
  if (v.length > MAX_ID) return reject('invalid_field', key, `${key} must be at most ${MAX_ID} characters`)
  if (!isWellFormedText(v)) return reject('invalid_field', key, `${key} holds a lone UTF-16 surrogate (not valid Unicode text)`)
  return ok(v)
}

function optionalObject(msg: Record<string, unknown>, key: string): StepResult<Record<string, unknown>> {
  const v = msg[key]
  if (v === undefined || v === null) return ok({})
  if (!isObject(v)) return reject('invalid_field', key, `${key} must be an object`)
  return ok(v)
}

function optionalTime(msg: Record<string, unknown>, key: string): StepResult<number | null> {
  const v = msg[key]
  if (v === undefined || v === null) return ok(null)
  const t = parseTime(v)
  if (t === null) return reject('invalid_field', key, `${key} must be an ISO 8601 date-time or epoch milliseconds`)
  return ok(t)
}

function kindOf(type: CallType, event: string | null): EventKind {
  switch (type) {
    case 'track':
      return kindOfTrack(event ?? '')
    case 'page':
      return 'page_viewed'
    case 'screen':
      return 'screen_viewed'
    default:
      return type
  }
}

/** Determines the call type: the endpoint's, or for a batch entry its own `type`. */
export function callTypeOf(raw: Record<string, unknown>, endpointType: CallType | null): StepResult<CallType> {
  if (endpointType !== null) return ok(endpointType)
  const t = raw.type
  if (typeof t !== 'string' || t === '') return reject('missing_field', 'type', `type is required: one of ${CALL_TYPES.join(', ')}`)
  if (!(CALL_TYPES as readonly string[]).includes(t)) {
    return reject('unknown_call_type', 'type', `type "${t.slice(0, 40)}" is not one of ${CALL_TYPES.join(', ')}`)
  }
  return ok(t as CallType)
}

/** Checks one message and builds its event record. */
export function toEventRecord(raw: unknown, endpointType: CallType | null, ctx: MessageContext): StepResult<EventRecord> {
  if (!isObject(raw)) return reject('invalid_field', '', 'each event must be a JSON object')
  const type = callTypeOf(raw, endpointType)
  if (!type.ok) return type

  const { writeKey: _writeKey, ...message } = raw
  if (endpointType !== null) message.type = type.value
  // Before anything walks it recursively (serialising it below would overflow the stack at ~5,000 levels).
  const deep = tooDeepAt(message)
  if (deep) return reject('invalid_field', deep[0]!, `${describeDeepPath(deep)} nests deeper than ${MAX_NESTING} levels (objects and arrays, the event being level 1)`)
  const size = Buffer.byteLength(JSON.stringify(message))
  if (size > ctx.maxEventBytes) {
    return reject('payload_too_large', '', `the event is ${size} bytes; the limit is ${ctx.maxEventBytes} bytes (32 KB)`)
  }

  const userId = identifier(message, 'userId')
  if (!userId.ok) return userId
  const anonymousId = identifier(message, 'anonymousId')
  if (!anonymousId.ok) return anonymousId
  // Email service providers report opens and clicks by address only: an email stands in for the ids.
  if (userId.value === null && anonymousId.value === null && emailOf(message) === null) {
    return reject('missing_field', 'userId', 'userId or anonymousId is required (or, for email events, an email in context.traits.email or properties.email)')
  }
  const messageId = identifier(message, 'messageId')
  if (!messageId.ok) return messageId

  for (const key of ['context', 'integrations', 'properties', 'traits'] as const) {
    const checked = optionalObject(message, key)
    if (!checked.ok) return checked
  }
  const carried = checkCarriedIds(message)
  if (!carried.ok) return carried
  const timestamp = optionalTime(message, 'timestamp')
  if (!timestamp.ok) return timestamp
  // Segment's exports carry the device's time as originalTimestamp; a replayed one may have only that.
  const originalTimestamp = optionalTime(message, 'originalTimestamp')
  if (!originalTimestamp.ok) return originalTimestamp
  const sentAt = optionalTime(message, 'sentAt')
  if (!sentAt.ok) return sentAt

  let event: string | null = null
  switch (type.value) {
    case 'track': {
      const name = message.event
      if (typeof name !== 'string' || name.trim() === '') return reject('missing_field', 'event', 'event (the event name) is required for track')
      if (name.length > MAX_ID) return reject('invalid_field', 'event', `event must be at most ${MAX_ID} characters`)
      event = name
      break
    }
    case 'page':
    case 'screen': {
      const name = message.name
      if (name !== undefined && name !== null && typeof name !== 'string') return reject('invalid_field', 'name', 'name must be a string')
      event = typeof name === 'string' && name !== '' ? name : null
      break
    }
    case 'alias': {
      const previousId = identifier(message, 'previousId')
      if (!previousId.ok) return previousId
      if (previousId.value === null) return reject('missing_field', 'previousId', 'previousId is required for alias')
      if (userId.value === null) return reject('missing_field', 'userId', 'userId is required for alias')
      break
    }
    case 'group': {
      const groupId = identifier(message, 'groupId')
      if (!groupId.ok) return groupId
      if (groupId.value === null) return reject('missing_field', 'groupId', 'groupId is required for group')
      break
    }
    case 'identify':
      break
  }

  const kind = kindOf(type.value, event)
  const data = normalizeEcommerce(kind, isObject(message.properties) ? message.properties : {})
  if (!data.ok) return data

  const clientTime = timestamp.value !== null ? { at: timestamp.value, field: 'timestamp' } : { at: originalTimestamp.value, field: 'originalTimestamp' }
  const time = eventTime(clientTime, sentAt.value ?? ctx.batchSentAt, sentAt.value !== null, ctx.receivedAt)
  if (!time.ok) return time
  return ok({
    messageId: messageId.value ?? newId(),
    type: type.value,
    event,
    kind,
    userId: userId.value,
    anonymousId: anonymousId.value,
    itemId: data.value.products?.[0]?.itemId ?? null,
    timestamp: time.value,
    receivedAt: ctx.receivedAt,
    message,
    data: data.value,
  })
}

/** `o[key]` when `o` is an object (or array), else undefined. */
function fieldOf(o: unknown, key: string | number): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined
}

/**
 * The identifiers the identity graph reads off a message besides its ids (emails, Segment's
 * `context.externalIds`, `context.device.id`) must be text a store and a URL can give back, and an
 * external id, looked up as "type:id", must fit the 255 characters of a path segment.
 */
function checkCarriedIds(message: Record<string, unknown>): StepResult<null> {
  const at = fieldOf
  const context = at(message, 'context')
  const texts: [string, unknown][] = [
    ['traits.email', at(at(message, 'traits'), 'email')],
    ['context.traits.email', at(at(context, 'traits'), 'email')],
    ['properties.email', at(at(message, 'properties'), 'email')],
    ['context.device.id', at(at(context, 'device'), 'id')],
  ]
  const external = at(context, 'externalIds')
  for (let i = 0; Array.isArray(external) && i < Math.min(external.length, 10); i++) {
    const [id, type] = [at(external[i], 'id'), at(external[i], 'type')]
    texts.push([`context.externalIds[${i}].id`, id], [`context.externalIds[${i}].type`, type])
    if (typeof id === 'string' && typeof type === 'string' && type.trim().length + id.trim().length + 1 > MAX_ID) {
      return reject('invalid_field', `context.externalIds[${i}].id`, `context.externalIds[${i}]: "type:id" must be at most ${MAX_ID} characters`)
    }
  }
  for (const [field, v] of texts) {
    if (typeof v === 'string' && !isWellFormedText(v)) return reject('invalid_field', field, `${field} holds a lone UTF-16 surrogate (not valid Unicode text)`)
  }
  return ok(null)
}

/** The email address a message carries in its traits or properties, if any (not yet validated). */
function emailOf(message: Record<string, unknown>): string | null {
  const pick = fieldOf
  for (const candidate of [pick(pick(message, 'context'), 'traits'), pick(message, 'traits'), pick(message, 'properties')]) {
    const email = pick(candidate, 'email')
    if (typeof email === 'string' && email.includes('@')) return email
  }
  return null
}
