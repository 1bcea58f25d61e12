/** Durations ("30m", "48h", "14d", "2w") and absolute dates (ISO 8601) of the rule language. */

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const
/** Ten years: a longer window is a mistake, and all time is written by leaving the window out. */
export const MAX_DURATION_MS = 3650 * UNIT_MS.d

/** The duration in ms, or a message saying why it is not one. */
export function parseDuration(v: unknown): number | string {
  if (typeof v !== 'string') return `must be a duration such as "14d" or "48h", got ${JSON.stringify(v)?.slice(0, 40)}`
  if (/^-/.test(v.trim())) return `must be a positive duration, got "${v}"`
  const m = /^(\d{1,7})(m|h|d|w)$/.exec(v)
  if (!m) return `"${v.slice(0, 40)}" is not a duration: a whole number followed by m (minutes), h (hours), d (days) or w (weeks), such as "14d"`
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
  if (ms === 0) return 'must be longer than zero'
  if (ms > MAX_DURATION_MS) return 'must be at most 3650 days (leave the window out for all time)'
  return ms
}

/** A checked duration in ms (the rule passed its check). */
export function durationMs(v: string): number {
  const ms = parseDuration(v)
  if (typeof ms === 'string') throw new Error(`unchecked duration: ${ms}`)
  return ms
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/

/** The date in ms (a bare date is midnight UTC), or null when it is not an ISO 8601 date between 1970 and 9999. */
export function parseDate(v: unknown): number | null {
  if (typeof v !== 'string' || !ISO.test(v)) return null
  const ms = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v)
  if (!Number.isFinite(ms) || ms < 0) return null
  // Date.parse rolls "2026-02-31" over to March: refuse days that do not exist (checked on the date as written).
  const [y, m, d] = v.slice(0, 10).split('-').map(Number) as [number, number, number]
  if (new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d) return null
  return ms
}
