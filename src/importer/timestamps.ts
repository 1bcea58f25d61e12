/**
 * Event times as shop exports write them. Files rarely say their time zone, so a date-time without
 * one is read as UTC shifted by `--timezone-offset` (the shop's clock), never as the importing
 * machine's local time, which would make the same file import differently on two machines.
 */

/** Numbers below this are epoch seconds, above it milliseconds (1e11 s is the year 5138; 1e11 ms is 1973). */
export const EPOCH_SECONDS_BELOW = 1e11
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

const NUMERIC = /^\d+(?:\.\d+)?$/
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i

function fromEpoch(n: number): number | null {
  if (!Number.isFinite(n) || n < 0) return null
  const ms = Math.round(n < EPOCH_SECONDS_BELOW ? n * 1000 : n)
  return ms <= LATEST ? ms : null
}

/**
 * Milliseconds since the epoch from ISO 8601 (with or without zone), `YYYY-MM-DD HH:MM[:SS[.fff]]`,
 * `YYYY-MM-DD`, or epoch seconds / milliseconds (told apart by size). `offsetMinutes` is the zone of
 * times written without one (+60 for a clock one hour ahead of UTC). Null when the value is none of these.
 */
export function parseTimestamp(value: unknown, offsetMinutes = 0): number | null {
  if (typeof value === 'number') return fromEpoch(value)
  if (typeof value !== 'string') return null
  const s = value.trim()
  if (NUMERIC.test(s)) return fromEpoch(Number(s))
  const m = LOCAL.exec(s)
  if (m) {
    const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((p) => Number(p ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ]
    const ms = Math.round(Number(`0.${m[7] ?? '0'}`) * 1000)
    const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms)
    // Date.UTC rolls 2021-02-30 over to March; a round trip catches impossible dates.
    const check = new Date(utc)
    if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null
    const shifted = utc - offsetMinutes * 60_000
    return shifted >= 0 && shifted <= LATEST ? shifted : null
  }
  if (ZONED.test(s)) {
    const ms = Date.parse(s.replace(' ', 'T'))
    return Number.isNaN(ms) || ms < 0 || ms > LATEST ? null : ms
  }
  return null
}

/** `+01:00`, `-0500`, `+5:30`, `2`, `Z` or `UTC` as minutes east of UTC; null when it is none of these. */
export function parseTimezoneOffset(raw: string): number | null {
  const s = raw.trim()
  if (/^(?:z|utc)$/i.test(s)) return 0
  const m = /^([+-])?(\d{1,2})(?::?(\d{2}))?$/.exec(s)
  if (!m) return null
  const hours = Number(m[2])
  const minutes = Number(m[3] ?? 0)
  if (hours > 14 || minutes > 59) return null
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes)
}

/** A parsed time as the ISO 8601 string a Segment message carries. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString()
}
