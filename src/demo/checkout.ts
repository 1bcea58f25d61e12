/**
 * The demo's checkout. The cart lives in the browser and travels as `id`/`q` pairs: a GET of
 * /demo/checkout shows the order, only the POST of that page's form places it (as an `Order Completed`
 * event, priced from the catalogue, never from what the browser says). A POST counts only from the
 * shop's own form: its Origin must be this host, and its `token` field must equal the HttpOnly,
 * SameSite=Strict cookie the checkout page set (a double-submit token a cross-site page can neither
 * read nor send).
 */
import crypto from 'node:crypto'
import type { Item } from '../core/index.ts'

export const TOKEN_COOKIE = 'demo_checkout'
export const MAX_LINES = 50
export const MAX_QUANTITY = 99
const TOKEN_SHAPE = /^[\w-]{32}$/
const ORDER_SHAPE = /^demo-[a-z0-9]{6,12}-[a-z0-9]{8}$/

export interface CartLine {
  id: string
  quantity: number
}

export interface OrderLine {
  item: Item
  quantity: number
  total: number
}

export interface PricedOrder {
  lines: OrderLine[]
  total: number
  currency: string
}

export type Checked<T> = { ok: true; value: T } | { ok: false; field: string; message: string }

const fail = (field: string, message: string): { ok: false; field: string; message: string } => ({ ok: false, field, message: `${field}: ${message}` })
const cents = (n: number) => Math.round(n * 100) / 100

/** The cart of a query string or form body: `id` and `q` repeated, paired by position. */
export function readLines(params: URLSearchParams): Checked<CartLine[]> {
  const ids = params.getAll('id')
  const quantities = params.getAll('q')
  if (ids.length === 0) return fail('id', 'the order has no products')
  if (ids.length > MAX_LINES) return fail('id', `an order holds at most ${MAX_LINES} products; this one has ${ids.length}`)
  if (quantities.length > ids.length) return fail(`id[${ids.length}]`, 'is missing (every q needs its id)')
  const lines = new Map<string, CartLine>()
  for (const [i, id] of ids.entries()) {
    const q = quantities[i]
    if (id === '' || id.length > 255) return fail(`id[${i}]`, 'must be a product id of 1 to 255 characters')
    if (q === undefined) return fail(`q[${i}]`, 'is missing (every id needs its quantity)')
    const quantity = /^\d{1,2}$/.test(q) ? Number(q) : 0
    if (quantity < 1 || quantity > MAX_QUANTITY) return fail(`q[${i}]`, `the quantity must be a whole number from 1 to ${MAX_QUANTITY}; got "${q.slice(0, 20)}"`)
    const line = lines.get(id)
    if (line && line.quantity + quantity > MAX_QUANTITY) return fail(`q[${i}]`, `the quantity must be a whole number from 1 to ${MAX_QUANTITY}; ${id} adds up to ${line.quantity + quantity}`)
    if (line) line.quantity += quantity
    else lines.set(id, { id, quantity })
  }
  return { ok: true, value: [...lines.values()] }
}

/** Prices the lines from the catalogue (`items` keyed by id); every product must exist, be in stock and have a price. */
export function priceOrder(lines: readonly CartLine[], items: ReadonlyMap<string, Item>): Checked<PricedOrder> {
  const priced: OrderLine[] = []
  let currency: string | null = null
  for (const [i, line] of lines.entries()) {
    const item = items.get(line.id)
    if (!item) return fail(`id[${i}]`, `there is no product "${line.id}" in this shop`)
    if (!item.available) return fail(`id[${i}]`, `"${item.title ?? item.id}" is out of stock`)
    if (item.price === null) return fail(`id[${i}]`, `"${item.title ?? item.id}" has no price`)
    const own = item.currency ?? 'EUR'
    if (currency !== null && own !== currency) return fail(`id[${i}]`, `"${item.title ?? item.id}" is priced in ${own}, the rest of the order in ${currency}`)
    currency = own
    priced.push({ item, quantity: line.quantity, total: cents(item.price * line.quantity) })
  }
  return { ok: true, value: { lines: priced, total: cents(priced.reduce((s, l) => s + l.total, 0)), currency: currency ?? 'EUR' } }
}

/** The token of this browser's checkout cookie, or a new one. */
export function checkoutToken(cookie: string | null): string {
  return cookie !== null && TOKEN_SHAPE.test(cookie) ? cookie : crypto.randomBytes(24).toString('base64url')
}

export function tokenCookie(token: string, secure: boolean): string {
  return `${TOKEN_COOKIE}=${token}; Path=/demo; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`
}

/** The form's token equals the cookie's (compared in constant time). */
export function tokenMatches(cookie: string | null, field: unknown): boolean {
  if (cookie === null || typeof field !== 'string' || !TOKEN_SHAPE.test(cookie) || field.length !== cookie.length) return false
  return crypto.timingSafeEqual(Buffer.from(cookie), Buffer.from(field))
}

/**
 * The POST comes from a page of this host: its Origin names this host (browsers send Origin with every
 * form POST); without one, Sec-Fetch-Site must not say another site. Clients that send neither (curl)
 * still need the token.
 */
export function fromThisSite(headers: { origin?: string; 'sec-fetch-site'?: string | string[] }, host: string): boolean {
  if (headers.origin !== undefined) {
    try {
      return new URL(headers.origin).host === host
    } catch {
      return false // "null" (a sandboxed or privacy-redirected page), or garbage
    }
  }
  const site = headers['sec-fetch-site']
  return site === undefined || site === 'same-origin'
}

/** A fresh order id for a checkout page; the same form posted twice is the same order. */
export function newOrderId(now = Date.now()): string {
  return `demo-${now.toString(36)}-${crypto.randomBytes(6).readUIntBE(0, 6).toString(36).padStart(8, '0').slice(-8)}`
}

export function isOrderId(value: unknown): value is string {
  return typeof value === 'string' && ORDER_SHAPE.test(value)
}

/** The `Order Completed` event of Segment's e-commerce spec for a priced order. */
export function orderCompleted(orderId: string, order: PricedOrder, ids: { userId: string | null; anonymousId: string }, userAgent: string | undefined): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Order Completed',
    // One event per order id: a form posted again (reload, double click) is deduplicated by the engine.
    messageId: `demo-order-${orderId}`,
    anonymousId: ids.anonymousId,
    ...(ids.userId ? { userId: ids.userId } : {}),
    properties: {
      order_id: orderId,
      revenue: order.total,
      currency: order.currency,
      products: order.lines.map((l) => ({ product_id: l.item.id, name: l.item.title, price: l.item.price, quantity: l.quantity, category: l.item.categories[0] ?? null, brand: l.item.brand })),
    },
    context: { library: { name: 'attune-demo-checkout' }, ...(userAgent ? { userAgent: userAgent.slice(0, 500) } : {}), page: { path: '/demo/checkout' } },
  }
}

/** The orders placed since the server started, for their thank-you pages (only the placing browser sees one). */
export class RecentOrders {
  readonly #orders = new Map<string, { owner: string; order: PricedOrder }>()
  constructor(readonly limit = 1000) {}

  add(orderId: string, owner: string, order: PricedOrder): void {
    if (this.#orders.has(orderId)) return // a form posted again: the first placing stands
    this.#orders.set(orderId, { owner, order })
    if (this.#orders.size > this.limit) this.#orders.delete(this.#orders.keys().next().value!)
  }

  /** The order when `token` is the token of the browser that placed it. */
  get(orderId: string, token: string | null): PricedOrder | null {
    const found = this.#orders.get(orderId)
    return found && tokenMatches(token, found.owner) ? found.order : null
  }
}
