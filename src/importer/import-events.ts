/**
 * `attune import events`: interaction logs (ratings, views, clicks, cart additions, purchases) as
 * CSV, TSV or JSONL rows, Segment messages exported as JSONL, and OTTO session files. Each row
 * becomes the Segment event a live shop would have tracked, with a message id derived from the file
 * name and line, so importing the same file again stores nothing twice.
 */
import type { Store } from '../storage/index.ts'
import { EventSink } from './event-sink.ts'
import { csvRows, openSource, textLines } from './file-source.ts'
import {
  type CommonImportOptions,
  DEFAULT_MAX_EVENT_BYTES,
  baseName,
  cellNumber,
  csvSettings,
  cellText,
  detectFormat,
  emailContext,
  resolveColumns,
  usageError,
} from './import-options.ts'
import { type ImportSummary, SummaryBuilder } from './import-summary.ts'
import { isoTime, parseTimestamp } from './timestamps.ts'

export const EVENT_FIELDS = ['person', 'item', 'value', 'time', 'quantity', 'price', 'order'] as const

/** `--event-type` values and the Segment event each row becomes. */
export const EVENT_TYPES = {
  view: 'Product Viewed',
  click: 'Product Clicked',
  add: 'Product Added',
  purchase: 'Order Completed',
  rating: 'Product Rated',
} as const
export type EventType = keyof typeof EVENT_TYPES

export interface EventImportOptions extends CommonImportOptions {
  /** What each row is (default rating). Ignored for Segment messages and OTTO sessions. */
  eventType?: EventType | undefined
  /** `otto`: OTTO's session JSONL (`{"session", "events": [{"aid", "ts", "type"}]}`). */
  layout?: 'rows' | 'otto' | undefined
}

const PROGRESS_EVERY = 5000
const OTTO_EVENTS: Record<string, string> = { clicks: 'Product Clicked', carts: 'Product Added', orders: 'Order Completed' }

type Message = Record<string, unknown>
type Problem = { field: string; message: string }
/** A row's events, or the problem that refuses it. */
type Built = { messages: Message[] } | Problem

export async function importEvents(store: Store, file: string, options: EventImportOptions = {}): Promise<ImportSummary> {
  const format = detectFormat(file, options.format)
  const source = await openSource(file)
  const summary = new SummaryBuilder('events', file, options.preset)
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES
  const sink = new EventSink(store, summary, { maxEventBytes, chunkSize: options.chunkSize, publisher: options.publisher })
  const name = baseName(file)
  const eventType = options.eventType ?? 'rating'
  const offset = options.timezoneOffsetMinutes ?? 0
  const map = options.map ?? {}
  let columns: Record<string, string> = { ...map }

  const consume = async (line: number, built: Built) => {
    summary.summary.rowsRead += 1
    if (summary.summary.rowsRead % PROGRESS_EVERY === 0) {
      options.onProgress?.({ bytesRead: source.bytesRead(), totalBytes: source.size, rows: summary.summary.rowsRead })
    }
    if ('messages' in built) for (const message of built.messages) await sink.add(message, line)
    else summary.reject(line, built.field, built.message)
  }

  const readJsonl = async () => {
    for await (const { line, text } of textLines(source, options.encoding ?? 'utf8')) {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        await consume(line, { field: 'row', message: `not JSON: ${(error as Error).message}` })
        continue
      }
      const built =
        typeof value !== 'object' || value === null || Array.isArray(value)
          ? { field: 'row', message: 'each line must be a JSON object' }
          : options.layout === 'otto'
            ? fromOttoSession(value as Message, name, line)
            : typeof (value as Message).type === 'string'
              ? { messages: [fromSegmentMessage(value as Message, name, line)] }
              : fromRow(value as Message, columns, eventType, name, line, offset)
      await consume(line, built)
    }
  }
  const readCsv = async () => {
    const rows = csvRows(source, {
      ...csvSettings(options, format),
      onHeader: (header) => {
        if (options.eventType === undefined && map.value === undefined && !header.includes('value')) {
          throw usageError(
            `${file} has no column "value" for ratings (its columns: ${header.join(', ')}); name it with --map value=COLUMN, or give --event-type view|click|add|purchase`,
            '--event-type',
          )
        }
        const required = ['person', 'item', ...(eventType === 'rating' ? ['value'] : [])]
        columns = resolveColumns(EVENT_FIELDS, map, header, required, file)
      },
      onBadRecord: (line, message) => summary.unreadable(line, message),
    })
    for await (const { line, row } of rows) await consume(line, fromRow(row, columns, eventType, name, line, offset))
  }

  try {
    await (format === 'jsonl' ? readJsonl() : readCsv())
  } catch (error) {
    throw summary.interrupted(error)
  }
  await sink.flush()
  options.onProgress?.({ bytesRead: source.bytesRead(), totalBytes: source.size, rows: summary.summary.rowsRead })
  return summary.finish()
}

/** One interaction row as the event of `eventType`; columns name the file's fields. */
function fromRow(row: Message, columns: Record<string, string>, eventType: EventType, name: string, line: number, offset: number): Built {
  const col = (field: string) => columns[field] ?? field
  const text = (field: string) => cellText(row[col(field)])
  const person = text('person')
  if (person === '') return { field: col('person'), message: 'the person id is empty' }
  const item = text('item')
  if (item === '') return { field: col('item'), message: 'the item id is empty' }
  const timeText = text('time')
  const time = timeText === '' ? null : parseTimestamp(timeText, offset)
  if (timeText !== '' && time === null) {
    return { field: col('time'), message: `"${timeText}" is not a date-time (ISO 8601, YYYY-MM-DD HH:MM:SS or epoch seconds/ms)` }
  }
  const numbers: Record<string, number | undefined> = {}
  for (const field of ['value', 'quantity', 'price']) {
    const t = text(field)
    numbers[field] = cellNumber(t)
    if (t !== '' && numbers[field] === undefined) return { field: col(field), message: `"${t}" is not a number` }
  }
  const id = `import:${name}:${line}`
  let properties: Message
  if (eventType === 'rating') {
    if (numbers.value === undefined) return { field: col('value'), message: 'the rating value is empty' }
    properties = { product_id: item, rating: numbers.value }
  } else {
    const product = {
      product_id: item,
      ...(numbers.quantity !== undefined && { quantity: numbers.quantity }),
      ...(numbers.price !== undefined && { price: numbers.price }),
    }
    properties = eventType === 'purchase' ? { order_id: text('order') || id.slice('import:'.length), products: [product] } : product
  }
  const message: Message = { type: 'track', event: EVENT_TYPES[eventType], userId: person, messageId: id, properties }
  const email = emailContext(person)
  if (email) message.context = email
  if (time !== null) message.timestamp = isoTime(time)
  return { messages: [message] }
}

/**
 * A Segment message exported as JSON, kept as it is except: a message id is made up when missing (so a
 * re-import is idempotent), and `sentAt` is dropped so the original `timestamp` is kept instead of
 * being shifted to now by the clock-skew correction (made for live traffic, not for history).
 */
function fromSegmentMessage(raw: Message, name: string, line: number): Message {
  const { sentAt: _sentAt, ...message } = raw
  if (message.timestamp === undefined || message.timestamp === null) {
    const fallback = message.originalTimestamp ?? message.receivedAt
    if (fallback !== undefined) message.timestamp = fallback
  }
  if (message.messageId === undefined || message.messageId === null || message.messageId === '') message.messageId = `import:${name}:${line}`
  return message
}

/** One OTTO session line: clicks, cart additions and orders of one person, in time order. */
function fromOttoSession(raw: Message, name: string, line: number): Built {
  const session = cellText(raw.session)
  if (session === '') return { field: 'session', message: 'session must be a number or a string' }
  if (!Array.isArray(raw.events)) return { field: 'events', message: 'events must be an array' }
  const messages: Message[] = []
  for (const [i, e] of (raw.events as unknown[]).entries()) {
    const ev = (typeof e === 'object' && e !== null ? e : {}) as Message
    const aid = cellText(ev.aid)
    const time = typeof ev.ts === 'number' ? parseTimestamp(ev.ts) : null
    const event = typeof ev.type === 'string' ? OTTO_EVENTS[ev.type] : undefined
    if (aid === '') return { field: `events[${i}].aid`, message: 'aid must be a number' }
    if (time === null) return { field: `events[${i}].ts`, message: 'ts must be epoch milliseconds' }
    if (event === undefined) return { field: `events[${i}].type`, message: 'type must be clicks, carts or orders' }
    const properties =
      event === 'Order Completed' ? { order_id: `otto-${session}-${ev.ts}`, products: [{ product_id: aid }] } : { product_id: aid }
    messages.push({
      type: 'track',
      event,
      userId: `otto-${session}`,
      messageId: `import:${name}:${line}:${i}`,
      timestamp: isoTime(time),
      properties,
    })
  }
  return { messages }
}
