/** Events and items for the conformance suites: unique per call, in one process, on any backend. */
import type { EventRecord, ItemInput } from '../core/index.ts'

let seq = 0

/** A number no earlier call gave (tags, times and ids of one test). */
export function unique(): number {
  seq += 1
  return seq
}

/** The last number given out (by `unique` or `event`). */
export function currentSeq(): number {
  return seq
}

export function event(overrides: Partial<EventRecord> = {}): EventRecord {
  seq += 1
  return {
    messageId: `conf-${process.pid}-${seq}`,
    type: 'track',
    event: 'Product Viewed',
    kind: 'product_viewed',
    userId: 'u1',
    anonymousId: null,
    itemId: 'p1',
    timestamp: 1_700_000_000_000 + seq * 1000,
    receivedAt: 1_700_000_000_000 + seq * 1000,
    message: { event: 'Product Viewed', properties: { product_id: 'p1', note: 'ünïcode ✓' } },
    data: { products: [{ itemId: 'p1', quantity: 1, price: 9.5, category: null, name: null }] },
    ...overrides,
  }
}

export function item(id: string, overrides: Partial<ItemInput> = {}): ItemInput {
  return { id, title: `Item ${id}`, categories: ['Shoes > Running'], price: 10, tags: ['a'], ...overrides }
}
