/**
 * `/v1/batch` bodies with identity traffic for bench/profiles.ts: a shop's visitors in sessions of a few
 * events each, so the identity graph and the profiles do real work.
 *
 *   - guests: anonymous ids only, nearly always new (a visitor id space of 2^32), browsing and carting;
 *     a few sign up for the newsletter (identify with an email and no user id);
 *   - customers (`customers` of them, popularity skewed so some come back often): one or two browsers
 *     (anonymous ids) each; in a session they browse anonymously, log in (identify with userId, email and
 *     name, which links the browser to the user and merges the anonymous person into the customer), then
 *     browse, cart and order; or they are logged in from the start;
 *   - every product is one of the catalogue's items (`catalogue`, to be posted first), chosen with a
 *     skew so that affinities and popular items emerge.
 *
 * Like batch-bodies.ts, a pool of templates is built once; each template event refers to slots (request
 * tag, time, "customer slot k", "guest slot k") that request number n fills in: which customer or guest
 * a slot is depends on n, so requests reach ever new people while the body costs only a string join.
 */
import { type BodyFactory, rng, USER_AGENTS } from './batch-bodies.ts'

export interface CatalogueItem {
  id: string
  title: string
  categories: string[]
  brand: string
  price: number
  currency: string
  url: string
  tags: string[]
}

export interface IdentityBodies extends BodyFactory {
  readonly catalogue: CatalogueItem[]
  readonly customers: number
  /** Share of each event (track name or call type) in the templates. */
  readonly mix: Record<string, number>
}

const CATEGORIES = [
  'Shoes > Running > Road', 'Shoes > Running > Trail', 'Shoes > Hiking', 'Shoes > Sandals',
  'Apparel > Jackets > Rain', 'Apparel > Jackets > Insulated', 'Apparel > Base Layers', 'Apparel > Shorts', 'Apparel > Socks',
  'Outdoor > Tents', 'Outdoor > Backpacks > Day Packs', 'Outdoor > Backpacks > Trekking', 'Outdoor > Sleeping Bags', 'Outdoor > Cooking',
  'Accessories > Headlamps', 'Accessories > Bottles', 'Accessories > Watches', 'Accessories > Sunglasses',
]
const BRANDS = ['Acme Outdoor', 'Northline', 'Summit Co', 'Ridgeway', 'Fjellgear', 'Tidewater', 'Basecamp Labs', 'Alpenrot']
const FIRST = ['Alex', 'Sam', 'Maria', 'Jonas', 'Aiko', 'Priya', 'Lena', 'Tom', 'Ines', 'Omar', 'Chloe', 'Mateo']
const LAST = ['Berg', 'Novak', 'Silva', 'Okafor', 'Tanaka', 'Meyer', 'Rossi', 'Dubois', 'Kowalski', 'Larsen']
const SLOT = /@@([^@]+)@@/

/** A 32-bit mix of a few integers (murmur3 finaliser), for the per-request choice of people. */
function mix(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x27d4eb2f, 0x165667b1)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}
const hex = (x: number, width = 8) => x.toString(16).padStart(width, '0').slice(-width)
/** A browser's anonymous id, shaped like analytics.js's (a UUID v4). */
const uuid = (a: number, b: number) => `${hex(mix(a, b, 1))}-${hex(mix(a, b, 2), 4)}-4${hex(mix(a, b, 3), 3)}-a${hex(mix(a, b, 4), 3)}-${hex(mix(a, b, 5), 4)}${hex(mix(a, b, 6))}`

export function createIdentityBodies(options: { runTag: string; pool?: number; eventsPerBody?: number; customers?: number; items?: number; seed?: number }): IdentityBodies {
  const random = rng(options.seed ?? 7)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const skewed = (n: number) => Math.floor(n * random() ** 2)
  const eventsPerBody = options.eventsPerBody ?? 100
  const poolSize = options.pool ?? 64
  const customers = options.customers ?? 20_000

  const catalogue: CatalogueItem[] = Array.from({ length: options.items ?? 1000 }, (_, i) => {
    const category = pick(CATEGORIES)
    const brand = pick(BRANDS)
    const id = `sku-${10_000 + i}`
    return {
      id,
      title: `${brand} ${category.split(' > ').at(-1)} ${i}`,
      categories: [category],
      brand,
      price: Math.round((12 + random() * 280) * 100) / 100,
      currency: 'USD',
      url: `https://shop.example.com/products/${id}`,
      tags: random() < 0.3 ? ['new'] : [],
    }
  })

  // ---- templates: events with @@slot@@ placeholders ----
  const product = () => catalogue[skewed(catalogue.length)]!
  const productProps = (p: CatalogueItem) => ({ product_id: p.id, sku: p.id.toUpperCase(), name: p.title, category: p.categories[0], brand: p.brand, price: p.price, currency: 'USD' })
  const templateEvent = (i: number, ids: Record<string, string>, userAgent: string, pagePath: string, title: string, body: Record<string, unknown>) => ({
    ...body,
    ...ids,
    messageId: `ajs-next-${hex(Math.floor(random() * 2 ** 32))}${hex(i, 2)}-@@R@@`,
    timestamp: `@@T${i}@@`,
    context: { library: { name: 'analytics.js', version: '1.70.0' }, page: { path: pagePath, title, url: `https://shop.example.com${pagePath}` }, userAgent, locale: 'en-US' },
  })

  function template(): string[] {
    const events: Record<string, unknown>[] = []
    let guestSlots = 0
    let customerSlots = 0
    while (events.length < eventsPerBody) {
      const r = random()
      const guest = r < 0.45
      const slot = guest ? `G${guestSlots++}` : `C${customerSlots++}`
      const device = random() < 0.5 ? 0 : 1
      const anonymous = { anonymousId: guest ? `@@${slot}a@@` : `@@${slot}a${device}@@` }
      const known = { userId: `@@${slot}u@@`, ...anonymous }
      const userAgent = pick(USER_AGENTS)
      let ids: Record<string, string> = r >= 0.75 ? known : anonymous // customers from 0.75 on are logged in from the start
      const cart: CatalogueItem[] = []
      const add = (body: Record<string, unknown>, pagePath: string, title: string) => {
        if (events.length < eventsPerBody) events.push(templateEvent(events.length, ids, userAgent, pagePath, title, body))
      }
      const browse = (views: number) => {
        add({ type: 'page', name: 'Home', properties: { path: '/', title: 'Acme Outdoor' } }, '/', 'Acme Outdoor')
        for (let v = 0; v < views; v++) {
          const p = product()
          add({ type: 'track', event: 'Product Viewed', properties: productProps(p) }, `/products/${p.id}`, p.title)
          if (random() < 0.25) {
            cart.push(p)
            add({ type: 'track', event: 'Product Added', properties: { ...productProps(p), quantity: 1 } }, `/products/${p.id}`, p.title)
          }
        }
      }
      browse(1 + Math.floor(random() * 4))
      if (guest && random() < 0.1) {
        add({ type: 'identify', traits: { email: `@@${slot}e@@`, newsletter: true } }, '/newsletter', 'Newsletter')
      }
      if (!guest) {
        if (r < 0.75) {
          ids = known
          add({ type: 'identify', traits: { email: `@@${slot}e@@`, first_name: `@@${slot}f@@`, last_name: `@@${slot}l@@` } }, '/account/login', 'Log in')
          browse(Math.floor(random() * 3))
        }
        if (cart.length > 0 && random() < 0.5) {
          const revenue = Math.round(cart.reduce((s, p) => s + p.price, 0) * 100) / 100
          const products = cart.map((p) => ({ ...productProps(p), quantity: 1 }))
          add({ type: 'track', event: 'Order Completed', properties: { order_id: `order-@@R@@-${events.length}`, revenue, currency: 'USD', products } }, '/checkout/thank-you', 'Thank you')
        }
      }
    }
    return JSON.stringify({ batch: events, sentAt: '@@S@@' }).split(SLOT)
  }

  // ---- filling the slots for request n ----
  type Fill = (n: number, now: number) => string
  const customerOf = (n: number, k: number) => Math.floor(customers * (mix(n, k, 11) / 2 ** 32) ** 2) // skewed: some return often
  const guestOf = (n: number, k: number) => mix(n, k, 12)
  function fill(name: string): Fill {
    if (name === 'R') return (n) => `${options.runTag}-${n}`
    if (name === 'S') return (_n, now) => new Date(now).toISOString()
    if (name.startsWith('T')) {
      const back = (eventsPerBody - Number(name.slice(1))) * 50 // events of a request 50 ms apart, the last one now
      return (_n, now) => new Date(now - back).toISOString()
    }
    const m = /^([CG])(\d+)([a-z])(\d?)$/.exec(name)
    if (!m) throw new Error(`unknown slot ${name}`)
    const [, kind, k, field, device] = [m[0], m[1]!, Number(m[2]), m[3]!, Number(m[4] || 0)]
    if (kind === 'G') {
      if (field === 'a') return (n) => uuid(guestOf(n, k), 0)
      return (n) => `visitor-${hex(guestOf(n, k))}@example.net`
    }
    const person = (n: number) => customerOf(n, k)
    switch (field) {
      case 'u':
        return (n) => `user-${100_000 + person(n)}`
      case 'a': // a third of the customers use two browsers
        return (n) => uuid(person(n) + 0x10000000, person(n) % 3 === 0 ? device : 0)
      case 'e':
        return (n) => `${FIRST[person(n) % FIRST.length]!.toLowerCase()}.${LAST[person(n) % LAST.length]!.toLowerCase()}${person(n)}@example.com`
      case 'f':
        return (n) => FIRST[person(n) % FIRST.length]!
      case 'l':
        return (n) => LAST[person(n) % LAST.length]!
      default:
        throw new Error(`unknown slot ${name}`)
    }
  }

  const templates = Array.from({ length: poolSize }, () => {
    const parts = template()
    return { text: parts.filter((_, i) => i % 2 === 0), fills: parts.filter((_, i) => i % 2 === 1).map(fill) }
  })
  const body = (n: number) => {
    const t = templates[n % poolSize]!
    const now = Date.now()
    let out = t.text[0]!
    for (let i = 0; i < t.fills.length; i++) out += t.fills[i]!(n, now) + t.text[i + 1]!
    return out
  }

  let bodyBytes = 0
  const counts: Record<string, number> = {}
  for (let n = 0; n < poolSize; n++) {
    const json = body(n)
    bodyBytes += Buffer.byteLength(json)
    for (const e of (JSON.parse(json) as { batch: { type: string; event?: string }[] }).batch) counts[e.event ?? e.type] = (counts[e.event ?? e.type] ?? 0) + 1
  }
  const shares = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / (poolSize * eventsPerBody)]))
  const averageBodyBytes = Math.round(bodyBytes / poolSize)
  return { eventsPerBody, averageBodyBytes, averageEventBytes: Math.round(averageBodyBytes / eventsPerBody), runTag: options.runTag, catalogue, customers, mix: shares, body }
}
