/**
 * `attune import orders`: order-line exports (one CSV row per product of an order, the shape every
 * shop system and the UCI Online Retail log share) become the events a live shop would have sent:
 * one Segment "Order Completed" per order with all its products, or "Order Refunded" for returns.
 * Message ids come from the order id, so importing the same file (or an overlapping export) twice
 * stores each order once.
 */
import type { Store } from '../storage/index.ts'
import { EventSink, messageBytes } from './event-sink.ts'
import { csvRows, openSource } from './file-source.ts'
import {
  type CommonImportOptions,
  DEFAULT_MAX_EVENT_BYTES,
  cellNumber,
  csvSettings,
  cellText,
  detectFormat,
  emailContext,
  resolveColumns,
  usageError,
} from './import-options.ts'
import { type ImportSummary, SummaryBuilder } from './import-summary.ts'
import { type ProductInfo, createMissingItems } from './missing-items.ts'
import { isoTime, parseTimestamp } from './timestamps.ts'

export const ORDER_FIELDS = [
  'order_id',
  'customer_id',
  'timestamp',
  'product_id',
  'quantity',
  'unit_price',
  'description',
  'category',
  'country',
] as const
const REQUIRED: readonly string[] = ['order_id', 'customer_id', 'timestamp', 'product_id', 'quantity']

export interface OrderImportOptions extends CommonImportOptions {
  /** Create catalogue items for product ids not in the store yet (default true). */
  createItems?: boolean | undefined
  /** ISO 4217 code of the prices, set on events and created items. */
  currency?: string | undefined
  /** Order ids starting with this are returns (default "C", as in Online Retail); "" turns it off. */
  refundPrefix?: string | undefined
  /** Orders kept open for more lines (files are grouped by order; this tolerates light interleaving). */
  openOrders?: number | undefined
}

interface OpenOrder {
  key: string
  orderId: string
  refund: boolean
  customerId: string
  time: number
  firstLine: number
  country: string
  /** Non-empty when the order's lines come in several separate runs: the first line of this run. */
  segment: string
  products: { product_id: string; quantity: number; price?: number; name?: string; category?: string }[]
}

const PROGRESS_EVERY = 5000

export async function importOrders(store: Store, file: string, options: OrderImportOptions = {}): Promise<ImportSummary> {
  const format = detectFormat(file, options.format)
  if (format === 'jsonl') throw usageError('orders are read from CSV or TSV files, not JSONL', '--format')
  const source = await openSource(file)
  const summary = new SummaryBuilder('orders', file, options.preset)
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES
  const sink = new EventSink(store, summary, { maxEventBytes, chunkSize: options.chunkSize, publisher: options.publisher })
  const offset = options.timezoneOffsetMinutes ?? 0
  const refundPrefix = options.refundPrefix ?? 'C'
  const createItems = options.createItems ?? true
  const window = options.openOrders ?? 1000
  const products = new Map<string, ProductInfo>()
  const open = new Map<string, OpenOrder>()
  const closed = new Set<string>()
  let c: Record<string, string> = {}
  const progress = () =>
    options.onProgress?.({ bytesRead: source.bytesRead(), totalBytes: source.size, rows: summary.summary.rowsRead })

  const flush = async (order: OpenOrder) => {
    open.delete(order.key)
    closed.add(order.key)
    const pieces = splitToFit(order, options.currency, maxEventBytes)
    if (pieces.length > 1) summary.summary.ordersSplit += 1
    for (const piece of pieces) await sink.add(piece.message, order.firstLine, piece.lines)
  }

  const rows = csvRows(source, {
    ...csvSettings(options, format),
    onHeader: (header) => {
      c = resolveColumns(ORDER_FIELDS, options.map ?? {}, header, REQUIRED, file)
    },
    onBadRecord: (line, message) => summary.unreadable(line, message),
  })
  const addLine = async (line: number, row: Record<string, string>) => {
    summary.summary.rowsRead += 1
    if (summary.summary.rowsRead % PROGRESS_EVERY === 0) progress()
    const text = (field: string) => (c[field] === undefined ? '' : cellText(row[c[field]]))
    const orderId = text('order_id')
    const customerId = text('customer_id')
    const productId = text('product_id')
    const quantityText = text('quantity')
    const quantity = cellNumber(quantityText)
    const priceText = text('unit_price')
    const price = cellNumber(priceText)
    const time = parseTimestamp(text('timestamp'), offset)
    if (orderId === '') summary.reject(line, c.order_id!, 'the order id is empty')
    else if (customerId === '') summary.skip('no customer id')
    else if (productId === '') summary.reject(line, c.product_id!, 'the product id is empty')
    else if (quantity === undefined) summary.reject(line, c.quantity!, `quantity "${quantityText}" is not a number`)
    else if (priceText !== '' && price === undefined) summary.reject(line, c.unit_price!, `unit price "${priceText}" is not a number`)
    else if (time === null) {
      summary.reject(line, c.timestamp!, `"${text('timestamp')}" is not a date-time (ISO 8601, YYYY-MM-DD HH:MM:SS or epoch seconds/ms)`)
    } else if (quantity === 0) summary.skip('zero quantity')
    else {
      const refund = quantity < 0 || (refundPrefix !== '' && orderId.startsWith(refundPrefix))
      const key = `${refund ? 'R' : 'C'}:${orderId}`
      let order = open.get(key)
      if (order && order.customerId !== customerId) {
        summary.reject(line, c.customer_id!, `order ${orderId} belongs to customer ${order.customerId}, this line names ${customerId}`)
        return
      }
      if (!order) {
        // A run of lines for an order already written becomes its own event (ids stay deterministic).
        const segment = closed.has(key) ? `@${line}` : ''
        order = { key, orderId, refund, customerId, time, firstLine: line, country: text('country'), segment, products: [] }
        open.set(key, order)
        if (open.size > window) await flush(open.values().next().value!)
      }
      const name = text('description')
      const category = text('category')
      order.products.push({
        product_id: productId,
        quantity: Math.abs(quantity),
        ...(price !== undefined && { price }),
        ...(name !== '' && { name }),
        ...(category !== '' && { category }),
      })
      if (createItems) learnProduct(products, productId, line, name, category, refund ? undefined : price)
    }
  }
  try {
    for await (const { line, row } of rows) await addLine(line, row)
  } catch (error) {
    throw summary.interrupted(error)
  }
  for (const order of [...open.values()]) await flush(order)
  await sink.flush()
  if (createItems) await createMissingItems(store, products, summary, options.currency)
  progress()
  return summary.finish()
}

/** Title and category from the latest line naming them; price from the latest sale at a price above 0. */
function learnProduct(products: Map<string, ProductInfo>, id: string, line: number, name: string, category: string, price: number | undefined) {
  let info = products.get(id)
  if (!info) {
    info = { title: null, price: null, category: null, line }
    products.set(id, info)
  }
  info.line = line
  if (name !== '') info.title = name
  if (category !== '') info.category = category
  if (price !== undefined && price > 0) info.price = price
}

const round = (n: number) => Math.round(n * 1e6) / 1e6

/**
 * The order's message, split into several when it exceeds the per-event limit (an order of hundreds
 * of lines); each piece carries its own products and revenue, so the pieces add up to the order.
 */
function splitToFit(order: OpenOrder, currency: string | undefined, maxBytes: number) {
  const base = order.refund ? `import:refund:${order.orderId}` : `import:order:${order.orderId}`
  const email = emailContext(order.customerId)
  const build = (products: OpenOrder['products'], piece: number, pieces: number) => {
    const revenue = products.every((p) => p.price !== undefined)
      ? round(products.reduce((sum, p) => sum + (p.price ?? 0) * p.quantity, 0))
      : undefined
    const message: Record<string, unknown> = {
      type: 'track',
      event: order.refund ? 'Order Refunded' : 'Order Completed',
      userId: order.customerId,
      messageId: `${base}${order.segment}${piece > 1 ? `:${piece}` : ''}`,
      timestamp: isoTime(order.time),
      properties: {
        order_id: order.orderId,
        ...(revenue !== undefined && { revenue }),
        ...(currency !== undefined && { currency }),
        products,
        ...(pieces > 1 && { import_part: piece, import_parts: pieces }),
      },
      ...((order.country !== '' || email) && { context: { ...(order.country !== '' && { location: { country: order.country } }), ...email } }),
    }
    return { message, lines: products.length }
  }
  const whole = build(order.products, 1, 1)
  const size = messageBytes(whole.message)
  if (size <= maxBytes) return [whole]
  for (let pieces = Math.ceil(size / (maxBytes * 0.9)); pieces <= order.products.length; pieces++) {
    const per = Math.ceil(order.products.length / pieces)
    const out = []
    for (let i = 0; i * per < order.products.length; i++) out.push(build(order.products.slice(i * per, (i + 1) * per), i + 1, Math.ceil(order.products.length / per)))
    if (out.every((p) => messageBytes(p.message) <= maxBytes)) return out
  }
  return [whole] // a single product over the limit: let the check report it
}
