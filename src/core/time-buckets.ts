/**
 * Time buckets in a viewer's time zone (minutes, hours, local days) for reports. A zone's UTC offset is
 * constant between its transitions, so a range is cut into spans of one offset; within a span a bucket is
 * plain integer arithmetic on the timestamp, which SQL can do on every backend (see `bucketKeyOf`).
 *
 * Keys: minute and hour buckets are keyed by the UTC instant they start at (so the hour that repeats
 * when clocks go back is two buckets); day buckets by the local day number (days since 1970-01-01 in the
 * zone), so a day of 23 or 25 hours, or one cut by a transition, stays one bucket.
 */
import { AttuneError } from './errors.ts'

export const BUCKET_SIZES = ['minute', 'hour', 'day'] as const
export type BucketSize = (typeof BUCKET_SIZES)[number]

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
export const BUCKET_MS: Record<BucketSize, number> = { minute: MINUTE, hour: HOUR, day: DAY }
/** The most buckets one report answers. */
export const MAX_BUCKETS = 2000
/** Timestamps before this are refused by reports (the integer arithmetic assumes positive local times). */
export const EARLIEST_REPORT_TIME = DAY

/** [from, to) with one UTC offset (local minus UTC, in ms). */
export interface OffsetSpan {
  from: number
  to: number
  offset: number
}

/** How a timestamp maps to its bucket key: `offset` applies to timestamps below `before` (the last has Infinity). */
export interface BucketKeyRule {
  size: BucketSize
  spans: { before: number; offset: number }[]
}

export interface TimeBucket {
  key: number
  /** The bucket's first instant, clipped to the range. */
  start: number
  /** The instant after the bucket, clipped to the range. */
  end: number
  /** Local wall time of the bucket's natural start: `2026-03-29` for days, `2026-03-29T14:00` otherwise. */
  label: string
}

export interface BucketPlan {
  from: number
  to: number
  size: BucketSize
  timeZone: string
  rule: BucketKeyRule
  buckets: TimeBucket[]
  /** The bucket index of a timestamp in [from, to) (-1 outside). */
  indexOf(t: number): number
}

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
    if (formatters.size > 500) formatters.clear()
    formatters.set(timeZone, f)
  }
  return f
}

/** An IANA time zone name Intl knows (default UTC), or an invalid_field error naming `field`. */
export function checkTimeZone(value: string | undefined, field = 'tz'): string {
  if (value === undefined || value === '') return 'UTC'
  if (value.length > 64) throw new AttuneError('invalid_field', `${field} must be an IANA time zone such as Europe/Berlin`, field)
  try {
    // Validated by Intl, answered as given (Intl would rename some, e.g. Asia/Kolkata to Asia/Calcutta).
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return value
  } catch {
    throw new AttuneError('invalid_field', `${field} must be an IANA time zone such as Europe/Berlin (got an unknown zone)`, field)
  }
}

/** Local time minus UTC at instant `t`, in ms (whole seconds). */
export function zoneOffset(timeZone: string, t: number): number {
  if (timeZone === 'UTC') return 0
  const parts = formatter(timeZone).formatToParts(new Date(t))
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value)
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'))
  return wall - (t - (((t % 1000) + 1000) % 1000))
}

/** Cuts [from, to) into spans of constant offset. Transitions are found by sampling every 6 hours, then bisecting. */
export function offsetSpans(timeZone: string, from: number, to: number): OffsetSpan[] {
  const spans: OffsetSpan[] = []
  let start = from
  let offset = zoneOffset(timeZone, from)
  if (timeZone === 'UTC') return [{ from, to, offset: 0 }]
  const STEP = 6 * HOUR
  for (let probe = from; probe < to; ) {
    const next = Math.min(probe + STEP, to - 1)
    if (next <= probe) break
    const o = zoneOffset(timeZone, next)
    if (o !== offset) {
      // The first instant with the new offset lies in (probe, next].
      let lo = probe
      let hi = next
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2)
        if (zoneOffset(timeZone, mid) === offset) lo = mid
        else hi = mid
      }
      spans.push({ from: start, to: hi, offset })
      start = hi
      offset = zoneOffset(timeZone, hi)
      probe = hi
      continue
    }
    probe = next
  }
  spans.push({ from: start, to, offset })
  return spans
}

/** The key of timestamp `t` under `offset` (see the module comment). */
function keyWith(size: BucketSize, offset: number, t: number): number {
  const ms = BUCKET_MS[size]
  return size === 'day' ? Math.floor((t + offset) / ms) : Math.floor((t + offset) / ms) * ms - offset
}

/** The key of a timestamp under a rule: what the SQL expression of the rule computes. */
export function bucketKeyOf(rule: BucketKeyRule, t: number): number {
  const span = rule.spans.find((s) => t < s.before) ?? rule.spans.at(-1)!
  return keyWith(rule.size, span.offset, t)
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

function wallLabel(size: BucketSize, wall: number): string {
  const d = new Date(wall)
  const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  return size === 'day' ? day : `${day}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

/**
 * The buckets of [from, to) in `timeZone`, first and last clipped to the range. Refuses (invalid_field on
 * `bucket`) a plan of more than `max` buckets before doing any work proportional to the range.
 */
export function planBuckets(from: number, to: number, size: BucketSize, timeZone: string, max = MAX_BUCKETS): BucketPlan {
  const ms = BUCKET_MS[size]
  // Offsets are within ±1 day, so this estimate is at most two buckets off.
  const estimate = Math.ceil((to - from) / ms) + 1
  if (estimate > max + 2) {
    throw new AttuneError('invalid_field', `from..to spans about ${estimate} ${size} buckets; at most ${max}: choose a larger bucket or a shorter range`, 'bucket')
  }
  const spans = offsetSpans(timeZone, from, to)
  const rule: BucketKeyRule = { size, spans: spans.map((s, i) => ({ before: i === spans.length - 1 ? Infinity : s.to, offset: s.offset })) }
  const spanAt = (t: number) => spans.find((s) => t < s.to) ?? spans.at(-1)!
  const starts: { key: number; natural: number; offset: number }[] = []
  if (size === 'day') {
    const first = bucketKeyOf(rule, from)
    const last = bucketKeyOf(rule, to - 1)
    for (let d = first; d <= last; d++) {
      // The first instant of local day d: local midnight in the span that holds it, else the transition into d.
      let natural = Infinity
      let offset = spans[0]!.offset
      for (const s of spans) {
        const midnight = d * DAY - s.offset
        if (midnight >= s.from && midnight < s.to && midnight < natural) ((natural = midnight), (offset = s.offset))
        else if (keyWith('day', s.offset, s.from) === d && s.from < natural) ((natural = s.from), (offset = s.offset))
      }
      if (natural === Infinity) ((natural = d * DAY - offset), (offset = zoneOffset(timeZone, natural)))
      starts.push({ key: d, natural: d === first ? Math.min(natural, from) : natural, offset })
    }
  } else {
    let s = bucketKeyOf(rule, from)
    while (s < to) {
      starts.push({ key: s, natural: s, offset: spanAt(Math.max(s, from)).offset })
      let next = bucketKeyOf(rule, s + ms)
      if (next <= s) next = s + ms
      s = next
    }
  }
  if (starts.length > max) {
    throw new AttuneError('invalid_field', `from..to spans ${starts.length} ${size} buckets; at most ${max}: choose a larger bucket or a shorter range`, 'bucket')
  }
  const buckets: TimeBucket[] = starts.map((b, i) => ({
    key: b.key,
    start: Math.max(from, b.natural),
    end: i + 1 < starts.length ? starts[i + 1]!.natural : to,
    label: size === 'day' ? wallLabel('day', b.key * DAY) : wallLabel(size, b.natural + b.offset),
  }))
  const index = new Map(buckets.map((b, i) => [b.key, i]))
  return {
    from,
    to,
    size,
    timeZone,
    rule,
    buckets,
    indexOf: (t) => (t < from || t >= to ? -1 : (index.get(bucketKeyOf(rule, t)) ?? -1)),
  }
}
