/**
 * Event time with client clock skew removed, as Segment does it: a client stamps `timestamp` when the
 * event happens and `sentAt` when the request leaves; the difference is trusted, the client clock is not.
 *   timestamp = receivedAt - (sentAt - originalTimestamp)
 * Without `sentAt` the client's timestamp is used as is; without a timestamp, the receive time.
 *
 * Segment documents no range; Attune keeps event times where every reader can use them: from the Unix
 * epoch (historical imports such as MovieLens's 1997 ratings stay possible) to 24 hours after the
 * server's clock (a little slack for queued and offline events). The range applies to the corrected
 * time, so a device whose clock is years off still gets its events in, as long as `sentAt` comes from
 * the same clock.
 */
import { ok, reject, type StepResult } from '../core/index.ts'

export const EARLIEST_EVENT_TIME = 0
export const MAX_AHEAD_MS = 24 * 60 * 60 * 1000
/** ECMAScript's last representable date (+275760-09-13); beyond it `new Date(t)` is invalid. */
const LAST_DATE_MS = 8.64e15

export function correctedTimestamp(originalTimestamp: number | null, sentAt: number | null, receivedAt: number): number {
  if (originalTimestamp === null) return receivedAt
  if (sentAt === null) return originalTimestamp
  return receivedAt - (sentAt - originalTimestamp)
}

/** Whether an event time is one Attune stores: finite, not before the epoch, at most 24 h ahead of `receivedAt`. */
export function isAcceptedEventTime(t: number, receivedAt: number): boolean {
  return Number.isFinite(t) && t >= EARLIEST_EVENT_TIME && t <= receivedAt + MAX_AHEAD_MS
}

/** The client's time of an event and the field it came from (`timestamp`, or `originalTimestamp` without one). */
export interface ClientTime {
  at: number | null
  field: string
}

/**
 * The corrected event time, or a rejection naming what put it out of range: the client's time when it
 * is out of range on its own (or the message has no `sentAt` of its own), else `sentAt`.
 */
export function eventTime(original: ClientTime, sentAt: number | null, ownSentAt: boolean, receivedAt: number): StepResult<number> {
  const at = correctedTimestamp(original.at, sentAt, receivedAt)
  if (isAcceptedEventTime(at, receivedAt)) return ok(at)
  const blameSentAt = ownSentAt && original.at !== null && isAcceptedEventTime(original.at, receivedAt)
  const field = blameSentAt ? 'sentAt' : original.field
  const shown = Math.abs(at) <= LAST_DATE_MS ? ` (${new Date(at).toISOString()}${sentAt === null ? '' : ' after correction with sentAt'})` : ''
  return reject('invalid_field', field, `${field} puts the event outside 1970-01-01T00:00:00Z .. 24 hours after the server's clock${shown}`)
}

/** Parses an ISO 8601 date-time (or epoch milliseconds); null when it is not one or not a representable date. */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= LAST_DATE_MS ? value : null
  if (typeof value !== 'string' || value.length < 10 || value.length > 40) return null
  // Require a date shape: Date.parse alone accepts strings such as "1" on some engines.
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}
