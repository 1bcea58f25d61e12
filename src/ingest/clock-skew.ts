/**
 * Event time with client clock skew removed, as Segment does it: a client stamps `timestamp` when the
 * event happens and `sentAt` when the request leaves; the difference is trusted, the client clock is not.
 *   timestamp = receivedAt - (sentAt - originalTimestamp)
 * Without `sentAt` the client's timestamp is used as is; without a timestamp, the receive time.
 */
export function correctedTimestamp(originalTimestamp: number | null, sentAt: number | null, receivedAt: number): number {
  if (originalTimestamp === null) return receivedAt
  if (sentAt === null) return originalTimestamp
  return receivedAt - (sentAt - originalTimestamp)
}

/** Parses an ISO 8601 date-time (or epoch milliseconds); null when it is not one. */
export function parseTime(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null
  if (typeof value !== 'string' || value.length < 10 || value.length > 40) return null
  // Require a date shape: Date.parse alone accepts strings such as "1" on some engines.
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}
