/**
 * Segment's e-commerce and email spec: event names mapped to internal kinds, and the product lines,
 * order id, revenue and search query pulled out of `properties` into `NormalizedData`.
 */
import type { EventKind, NormalizedData, ProductLine } from '../core/index.ts'
import { isWellFormedText, ok, reject, type StepResult } from '../core/index.ts'

/**
 * Spec names by their squashed form (lower case, no spaces, underscores or dashes). A Map, so an event
 * named "constructor" or "__proto__" is `custom` rather than whatever `Object.prototype` holds.
 */
const KIND_BY_NAME = new Map<string, EventKind>(Object.entries({
  productviewed: 'product_viewed',
  productclicked: 'product_clicked',
  productadded: 'product_added',
  productremoved: 'product_removed',
  productlistviewed: 'product_list_viewed',
  productlistfiltered: 'product_list_viewed',
  cartviewed: 'cart_viewed',
  checkoutstarted: 'checkout_started',
  ordercompleted: 'order_completed',
  orderrefunded: 'order_refunded',
  ordercancelled: 'order_cancelled',
  productssearched: 'products_searched',
  emailopened: 'email_opened',
  emaillinkclicked: 'email_link_clicked',
  promotionviewed: 'promotion_viewed',
  promotionclicked: 'promotion_clicked',
  productreviewed: 'product_rated',
  productrated: 'product_rated',
} satisfies Record<string, EventKind>))

/** The internal kind of a track event name; names outside the spec are `custom`. */
export function kindOfTrack(name: string): EventKind {
  return KIND_BY_NAME.get(name.toLowerCase().replace(/[\s_-]+/g, '')) ?? 'custom'
}

const SINGLE_PRODUCT: ReadonlySet<EventKind> = new Set([
  'product_viewed',
  'product_clicked',
  'product_added',
  'product_removed',
  'product_rated',
])
const PRODUCT_LIST: ReadonlySet<EventKind> = new Set([
  'product_list_viewed',
  'cart_viewed',
  'checkout_started',
  'order_completed',
  'order_refunded',
  'order_cancelled',
])
const ORDER: ReadonlySet<EventKind> = new Set(['order_completed', 'order_refunded', 'order_cancelled', 'checkout_started'])

type Props = Record<string, unknown>

/**
 * Largest price, amount or quantity taken: far above any real order (in any currency), low enough that
 * price × quantity and a person's lifetime revenue stay finite (1e308 × 10 would be Infinity).
 */
const MAX_AMOUNT = 1e15
const MAX_QUANTITY = 1e9

/**
 * A number, or a numeric string (shops send "12.50"); undefined when absent; an error otherwise.
 * `min` 0 refuses negatives (prices, quantities, an order's revenue; refunds are their own event).
 */
function optionalNumber(props: Props, key: string, field: string, limits: { min?: number; max?: number } = {}): StepResult<number | undefined> {
  const v = props[key]
  if (v === undefined || v === null || v === '') return ok(undefined)
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN
  if (!Number.isFinite(n)) return reject('invalid_field', field, `${field} must be a number`)
  if (limits.min !== undefined && n < limits.min) return reject('invalid_field', field, `${field} must not be negative`)
  if (limits.max !== undefined && Math.abs(n) > limits.max) return reject('invalid_field', field, `${field} must be at most ${limits.max}`)
  return ok(n)
}

function optionalId(props: Props, keys: readonly string[], field: string): StepResult<string | undefined> {
  for (const key of keys) {
    const v = props[key]
    if (v === undefined || v === null || v === '') continue
    if (typeof v === 'string' && v.length <= 255) {
      if (!isWellFormedText(v)) return reject('invalid_field', `${field}.${key}`, `${field}.${key} holds a lone UTF-16 surrogate (not valid Unicode text)`)
      return ok(v)
    }
    if (typeof v === 'number' && Number.isFinite(v)) return ok(String(v))
    return reject('invalid_field', `${field}.${key}`, `${field}.${key} must be a string of at most 255 characters or a number`)
  }
  return ok(undefined)
}

function optionalString(props: Props, key: string): string | null {
  const v = props[key]
  return typeof v === 'string' && v !== '' ? v : null
}

function productLine(p: Props, field: string): StepResult<ProductLine> {
  const id = optionalId(p, ['product_id', 'sku', 'id'], field)
  if (!id.ok) return id
  if (id.value === undefined) return reject('missing_field', `${field}.product_id`, `${field}.product_id (or sku) is required`)
  const quantity = optionalNumber(p, 'quantity', `${field}.quantity`, { min: 0, max: MAX_QUANTITY })
  if (!quantity.ok) return quantity
  const price = optionalNumber(p, 'price', `${field}.price`, { min: 0, max: MAX_AMOUNT })
  if (!price.ok) return price
  const line: ProductLine = {
    itemId: id.value,
    quantity: quantity.value ?? 1,
    price: price.value ?? null,
    category: optionalString(p, 'category'),
    name: optionalString(p, 'name'),
  }
  const brand = optionalString(p, 'brand')
  if (brand !== null) line.brand = brand
  // A line bought as a gift says nothing about the buyer's own taste (profiles leave it out).
  if (p.gift === true) line.gift = true
  return ok(line)
}

/** Extracts and checks the fields later stages need from an e-commerce event's properties. */
export function normalizeEcommerce(kind: EventKind, props: Props): StepResult<NormalizedData> {
  const data: NormalizedData = {}
  if (SINGLE_PRODUCT.has(kind)) {
    const line = productLine(props, 'properties')
    if (!line.ok) return line
    data.products = [line.value]
    if (kind === 'product_rated') {
      const rating = optionalNumber(props, 'rating', 'properties.rating')
      if (!rating.ok) return rating
      if (rating.value !== undefined) data.rating = rating.value
    }
  }
  if (PRODUCT_LIST.has(kind) && props.products !== undefined) {
    if (!Array.isArray(props.products)) return reject('invalid_field', 'properties.products', 'properties.products must be an array')
    const lines: ProductLine[] = []
    for (let i = 0; i < props.products.length; i++) {
      const p: unknown = props.products[i]
      const field = `properties.products[${i}]`
      if (typeof p !== 'object' || p === null || Array.isArray(p)) return reject('invalid_field', field, `${field} must be an object`)
      const line = productLine(p as Props, field)
      if (!line.ok) return line
      lines.push(line.value)
    }
    data.products = lines
  }
  if (ORDER.has(kind)) {
    const orderId = optionalId(props, ['order_id', 'checkout_id'], 'properties')
    if (!orderId.ok) return orderId
    if (orderId.value !== undefined) data.orderId = orderId.value
    // A refund or cancellation may state its amount either way round; an order or checkout may not be negative.
    const sign = kind === 'order_refunded' || kind === 'order_cancelled' ? {} : { min: 0 }
    for (const key of ['revenue', 'total', 'value'] as const) {
      const amount = optionalNumber(props, key, `properties.${key}`, { ...sign, max: MAX_AMOUNT })
      if (!amount.ok) return amount
      if (amount.value !== undefined && data.revenue === undefined) data.revenue = amount.value
    }
    // Without a stated revenue, the product lines give it.
    if (data.revenue === undefined && data.products?.every((p) => p.price !== null)) {
      data.revenue = data.products.reduce((sum, p) => sum + (p.price ?? 0) * p.quantity, 0)
      if (!Number.isFinite(data.revenue)) return reject('invalid_field', 'properties.products', 'properties.products: the sum of price × quantity is not a finite number')
    }
  }
  if (kind === 'order_completed' && data.orderId === undefined) {
    return reject('missing_field', 'properties.order_id', 'properties.order_id is required on "Order Completed"')
  }
  if (ORDER.has(kind) && props.gift === true) data.gift = true
  const currency = props.currency
  if (currency !== undefined && currency !== null) {
    if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
      return reject('invalid_field', 'properties.currency', 'properties.currency must be a three-letter ISO 4217 code')
    }
    data.currency = currency.toUpperCase()
  }
  if (kind === 'products_searched') {
    const query = props.query
    if (query !== undefined && typeof query !== 'string') return reject('invalid_field', 'properties.query', 'properties.query must be a string')
    if (typeof query === 'string') data.query = query
  }
  return ok(data)
}
