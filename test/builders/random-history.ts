/**
 * Seeded random histories for the segment evaluator's property tests: events of a few kinds around a fixed
 * "now" (some stamped ahead of it), on items of a small catalogue, and a profile whose orders agree with them.
 */
import { seededRandom, type StoredEvent } from '../../src/core/index.ts'
import { aLine, aStoredEvent, anItem, DAY, type FactsInput, HOUR, T0 } from './person-facts.ts'

/** Seeded random numbers (mulberry32, from core). */
export const seeded = seededRandom

export const HISTORY_ITEMS = [
  anItem('shoe', { categories: ['Shoes > Running'], brand: 'Acme', price: 80 }),
  anItem('boot', { categories: ['Shoes > Boots'], brand: 'Other', price: 120 }),
  anItem('hat', { categories: ['Hats'], brand: 'Acme', price: 15 }),
]

export function randomHistory(random: () => number): FactsInput {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!
  const n = Math.floor(random() * 12)
  const events: StoredEvent[] = []
  for (let i = 0; i < n; i++) {
    // Mostly the last 40 days, some within hours of now (timeouts), a few ahead of it.
    const at = random() < 0.3 ? T0 - Math.floor(random() * 10 * HOUR) : random() < 0.1 ? T0 + Math.floor(random() * 6 * HOUR) : T0 - Math.floor(random() * 40 * DAY)
    const item = pick(HISTORY_ITEMS).id
    const kind = pick(['product_viewed', 'product_viewed', 'product_added', 'order_completed', 'custom'] as const)
    events.push(
      kind === 'order_completed'
        ? aStoredEvent(kind, at, { products: [aLine(item)], revenue: Math.round(random() * 200) })
        : kind === 'custom'
          ? aStoredEvent(kind, at, { event: 'Coupon Applied', properties: { coupon: pick(['A', 'B']) } })
          : aStoredEvent(kind, at, { products: [aLine(item)], properties: { price: Math.round(random() * 100) } }),
    )
  }
  const orders = events.filter((e) => e.kind === 'order_completed')
  const times = orders.map((e) => e.timestamp)
  return {
    events,
    items: HISTORY_ITEMS,
    state: {
      orders: { count: orders.length, revenue: orders.reduce((s, e) => s + (e.data.revenue ?? 0), 0), first: times.length ? Math.min(...times) : null, last: times.length ? Math.max(...times) : null, recentIds: [] },
    },
  }
}
