/**
 * Realistic Segment `/v1/batch` bodies for the ingestion benchmark: 100 events a batch, shaped like
 * analytics.js sends them (context with library, page, userAgent, locale), a mix of Product Viewed,
 * Product Added, Order Completed (with products[]), page and identify calls.
 *
 * Building 100 events per request would cost the load generator CPU it shares with the server, so a
 * pool of templates is built once; each request takes a template and writes its own request tag into
 * every messageId (`ajs-next-<random per template and position>-<run>-<n>`), so messageIds never repeat
 * within a run: two events of one request differ in the random part (which ends in the position), two
 * requests differ in `n`.
 */
import { seededRandom } from '../src/core/index.ts'

const PLACEHOLDER = '@@REQ@@'

/** Deterministic PRNG (mulberry32, from core) so every run sends the same mix. */
export const rng = seededRandom

const CATEGORIES = ['Shoes > Running', 'Shoes > Trail', 'Apparel > Jackets', 'Apparel > Base Layers', 'Outdoor > Tents', 'Outdoor > Backpacks']
const BRANDS = ['Acme Outdoor', 'Northline', 'Summit Co', 'Ridgeway']
export const USER_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
]

interface Product {
  product_id: string
  sku: string
  name: string
  category: string
  brand: string
  price: number
}

export interface BodyFactory {
  /** The body of request number `n` (unique messageIds for every n). */
  body(n: number): string
  /** Events per body. */
  readonly eventsPerBody: number
  /** Average size of one event in the templates, in bytes of JSON. */
  readonly averageEventBytes: number
  /** Average body size in bytes. */
  readonly averageBodyBytes: number
  /** The run tag that prefixes every messageId. */
  readonly runTag: string
}

export function createBodyFactory(options: { runTag: string; pool?: number; eventsPerBody?: number; seed?: number }): BodyFactory {
  const random = rng(options.seed ?? 42)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
  const eventsPerBody = options.eventsPerBody ?? 100
  const poolSize = options.pool ?? 64

  const products: Product[] = Array.from({ length: 500 }, (_, i) => {
    const category = pick(CATEGORIES)
    return {
      product_id: `sku-${10_000 + i}`,
      sku: `SKU-${10_000 + i}`,
      name: `${pick(BRANDS)} ${category.split(' > ')[1]} ${i}`,
      category,
      brand: pick(BRANDS),
      price: Math.round((15 + random() * 250) * 100) / 100,
    }
  })
  const people = Array.from({ length: 5_000 }, (_, i) => ({
    userId: random() < 0.4 ? `user-${100_000 + i}` : null,
    anonymousId: `${Math.floor(random() * 0xffffffff).toString(16).padStart(8, '0')}-6b1c-4f7e-9a3d-${i.toString(16).padStart(12, '0')}`,
    userAgent: pick(USER_AGENTS),
  }))

  const baseTime = Date.now()
  const iso = (offsetMs: number) => new Date(baseTime - offsetMs).toISOString()

  const context = (person: (typeof people)[number], pagePath: string, title: string) => ({
    library: { name: 'analytics.js', version: '1.70.0' },
    page: { path: pagePath, title, url: `https://shop.example.com${pagePath}` },
    userAgent: person.userAgent,
  })

  const event = (i: number): Record<string, unknown> => {
    const person = pick(people)
    const product = pick(products)
    const ids = { ...(person.userId && { userId: person.userId }), anonymousId: person.anonymousId }
    const common = {
      // analytics.js ids are random (ajs-next-<uuid>), so they land all over the unique index; the random
      // part comes from the template, the request tag after it makes the id unique.
      messageId: `ajs-next-${Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')}${i.toString(16).padStart(2, '0')}-${PLACEHOLDER}`,
      timestamp: iso(Math.floor(random() * 5_000)),
    }
    const productPath = `/products/${product.product_id}`
    const r = random()
    if (r < 0.4) {
      return {
        type: 'track',
        event: 'Product Viewed',
        properties: { product_id: product.product_id, name: product.name, category: product.category, price: product.price, currency: 'USD' },
        context: context(person, productPath, product.name),
        ...ids,
        ...common,
      }
    }
    if (r < 0.55) {
      return {
        type: 'track',
        event: 'Product Added',
        properties: { product_id: product.product_id, name: product.name, price: product.price, quantity: 1 + Math.floor(random() * 2), currency: 'USD' },
        context: context(person, productPath, product.name),
        ...ids,
        ...common,
      }
    }
    if (r < 0.65) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const p = pick(products)
        return { product_id: p.product_id, name: p.name, price: p.price, quantity: 1 }
      })
      const revenue = Math.round(lines.reduce((s, l) => s + l.price, 0) * 100) / 100
      return {
        type: 'track',
        event: 'Order Completed',
        properties: { order_id: `order-${PLACEHOLDER}-${i}`, revenue, currency: 'USD', products: lines },
        context: context(person, '/checkout/thank-you', 'Thank you for your order'),
        ...ids,
        ...common,
      }
    }
    if (r < 0.9) {
      const path = pick(['/', '/collections/running', '/collections/trail', '/search', productPath])
      return {
        type: 'page',
        name: path === '/' ? 'Home' : 'Collection',
        properties: { path, title: 'Acme Outdoor', url: `https://shop.example.com${path}` },
        context: context(person, path, 'Acme Outdoor'),
        ...ids,
        ...common,
      }
    }
    return {
      type: 'identify',
      traits: { email: `${person.userId ?? 'guest'}@example.com`, first_name: 'Alex' },
      context: context(person, '/account', 'Your account'),
      userId: person.userId ?? `user-${Math.floor(random() * 1e6)}`,
      anonymousId: person.anonymousId,
      ...common,
    }
  }

  let eventBytes = 0
  let bodyBytes = 0
  const templates: string[][] = []
  for (let t = 0; t < poolSize; t++) {
    const batch = Array.from({ length: eventsPerBody }, (_, i) => event(i))
    for (const e of batch) eventBytes += Buffer.byteLength(JSON.stringify(e))
    const json = JSON.stringify({ batch, sentAt: iso(0) })
    bodyBytes += Buffer.byteLength(json)
    templates.push(json.split(PLACEHOLDER))
  }

  return {
    eventsPerBody,
    averageEventBytes: Math.round(eventBytes / (poolSize * eventsPerBody)),
    averageBodyBytes: Math.round(bodyBytes / poolSize),
    runTag: options.runTag,
    body(n: number) {
      return templates[n % poolSize]!.join(`${options.runTag}-${n}`)
    },
  }
}

/** The request number a stored messageId (`ajs-next-<random><i>-<run>-<n>`) belongs to, or null. */
export function requestOfMessageId(messageId: string, runTag: string): number | null {
  const marker = `-${runTag}-`
  const at = messageId.indexOf(marker)
  if (!messageId.startsWith('ajs-next-') || at < 0) return null
  const n = Number(messageId.slice(at + marker.length))
  return Number.isInteger(n) ? n : null
}
