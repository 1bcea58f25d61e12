/** Numbers, money and times as the viewer reads them: their locale and their time zone (the browser's). */
const locale = typeof navigator === 'undefined' ? 'en' : navigator.language

/** The viewer's IANA time zone, sent to reports that bucket by day. */
export const viewerTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone

const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' })
const dateOnly = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' })
const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })
const decimal = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 })
const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 })

type TimeLike = string | number | Date | null | undefined

function toDate(value: TimeLike): Date | null {
  if (value === null || value === undefined || value === '') return null
  const date = value instanceof Date ? value : new Date(value)
  return Number.isNaN(date.getTime()) ? null : date
}

/** A time in the viewer's zone, e.g. "3 Dec 2026, 14:05:09"; an em dash when there is none. */
export function formatTime(value: TimeLike): string {
  const date = toDate(value)
  return date ? dateTime.format(date) : '—'
}

export function formatDate(value: TimeLike): string {
  const date = toDate(value)
  return date ? dateOnly.format(date) : '—'
}

/** "5 min ago", "in 2 h": for last-seen columns, with the exact time in a title. */
export function formatAgo(value: TimeLike, now = Date.now()): string {
  const date = toDate(value)
  if (!date) return '—'
  const seconds = Math.round((date.getTime() - now) / 1000)
  const units: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]]
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  for (const [unit, size] of units) if (Math.abs(seconds) >= size || unit === 'second') return rtf.format(Math.round(seconds / size), unit)
  return rtf.format(0, 'second')
}

export const formatInteger = (n: number | null | undefined) => (n === null || n === undefined ? '—' : integer.format(n))
export const formatNumber = (n: number | null | undefined) => (n === null || n === undefined ? '—' : decimal.format(n))
export const formatPercent = (n: number | null | undefined) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : percent.format(n))

/** Money without a known currency (the shop's prices are plain numbers). */
export const formatMoney = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n)
