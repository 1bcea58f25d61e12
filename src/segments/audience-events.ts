/**
 * "Audience Entered" / "Audience Exited" (Segment's names and properties), appended to the log for every
 * membership change so triggers and webhooks can react. The message id is a hash of the change itself
 * (segment, person, direction, time), so a retried pass appends nothing twice.
 */
import { createHash } from 'node:crypto'
import type { EventRecord } from '../core/index.ts'
import type { MembershipChange } from '../storage/index.ts'

export interface AudienceNames {
  key: string
  name: string
}

/** The ids the event is sent with: the person's user id, else an anonymous id (null when they have neither). */
export interface AudienceIds {
  userId: string | null
  anonymousId: string | null
}

export function audienceMessageId(change: MembershipChange): string {
  const digest = createHash('sha256').update(`${change.segmentId}\u0000${change.personId}\u0000${change.entered ? 1 : 0}\u0000${change.at}`).digest('base64url')
  return `attune-audience-${digest.slice(0, 32)}`
}

export function audienceEvent(change: MembershipChange, segment: AudienceNames, ids: AudienceIds): EventRecord {
  const event = change.entered ? 'Audience Entered' : 'Audience Exited'
  const messageId = audienceMessageId(change)
  const properties = {
    audience_key: segment.key,
    audience_id: change.segmentId,
    audience_name: segment.name,
    version: change.version,
    // Attune's own: the person the engine evaluated (the projector attributes the event to them).
    person_id: change.personId,
  }
  const message: Record<string, unknown> = {
    type: 'track',
    event,
    messageId,
    ...(ids.userId !== null ? { userId: ids.userId } : {}),
    ...(ids.userId === null && ids.anonymousId !== null ? { anonymousId: ids.anonymousId } : {}),
    properties,
    context: { library: { name: 'attune-segments' } },
    timestamp: new Date(change.at).toISOString(),
  }
  return {
    messageId,
    type: 'track',
    event,
    kind: change.entered ? 'audience_entered' : 'audience_exited',
    userId: ids.userId,
    anonymousId: ids.userId === null ? ids.anonymousId : null,
    itemId: null,
    timestamp: change.at,
    receivedAt: change.at,
    message,
    data: {},
  }
}
