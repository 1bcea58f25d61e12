/**
 * Builders for Segment calls and catalogue items. Every call gets a fresh messageId, so two built
 * events never deduplicate unless a test gives them the same id on purpose.
 */
import { randomUUID } from 'node:crypto'

export type Json = Record<string, unknown>

/** A unique id with a readable prefix, e.g. "user-3f2a…". */
export function uniqueId(prefix = 'id'): string {
  return `${prefix}-${randomUUID()}`
}

/** A track call (Product Viewed of one product) for a batch; override any field. */
export function anEvent(overrides: Json = {}): Json {
  return {
    type: 'track',
    event: 'Product Viewed',
    userId: 'user-1',
    messageId: uniqueId('msg'),
    properties: { product_id: 'sku-1', price: 10 },
    ...overrides,
  }
}

/** An "Order Completed" with two product lines; override any field. */
export function anOrder(overrides: Json = {}): Json {
  return anEvent({
    event: 'Order Completed',
    properties: {
      order_id: uniqueId('order'),
      currency: 'EUR',
      products: [
        { product_id: 'sku-1', price: 10, quantity: 2 },
        { product_id: 'sku-2', price: '5.50', quantity: 1 },
      ],
    },
    ...overrides,
  })
}

/** One call of each Segment type for one user, with a fresh messageId each (batch form: each has `type`). */
export function oneOfEachCallType(userId: string): Json[] {
  const base = () => ({ userId, messageId: uniqueId('msg') })
  return [
    { ...base(), type: 'track', event: 'Product Viewed', properties: { product_id: 'sku-1' } },
    { ...base(), type: 'identify', traits: { email: `${userId}@example.com`, plan: 'pro' } },
    { ...base(), type: 'page', name: 'Home', properties: { path: '/' } },
    { ...base(), type: 'screen', name: 'Basket', properties: { items: 2 } },
    { ...base(), type: 'alias', previousId: uniqueId('anon') },
    { ...base(), type: 'group', groupId: 'company-1', traits: { name: 'Acme' } },
  ]
}

/** `n` events for a batch, made by `make(i)` over anEvent. */
export function events(n: number, make: (i: number) => Json = () => ({})): Json[] {
  return Array.from({ length: n }, (_, i) => anEvent(make(i)))
}

/** A catalogue item as clients send it, with a unique id; override any field. */
export function aProduct(overrides: Json = {}): Json & { id: string } {
  return {
    id: uniqueId('sku'),
    title: 'Trail runner',
    description: 'A light shoe for rough paths.',
    categories: ['Shoes > Running'],
    brand: 'Fleet',
    price: 89.9,
    currency: 'eur',
    tags: ['running', 'trail'],
    inventory: 12,
    attributes: { colour: 'blue' },
    ...overrides,
  } as Json & { id: string }
}
