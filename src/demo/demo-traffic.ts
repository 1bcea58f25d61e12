/**
 * A few days of recommendation traffic for the demo, so the dashboard's overview and recommendation
 * reports have something to show: shoppers of the synthetic shop open pages whose placements the real
 * recommender answers (recorded by the real impression recorder, at the visit's time), click some of
 * the items shown (with the answer's recommId, as the SDK sends it) and buy some of those; the clicks
 * and orders are Segment calls normalised by ingest, appended to the log and applied to profiles like
 * the rest of the demo's history. Deterministic for a seed (the recommender answers from the trained model).
 */
import type { Config, EventRecord } from '../core/index.ts'
import { rngFor, type SyntheticShop } from '../evaluation/index.ts'
import { toEventRecord } from '../ingest/index.ts'
import type { ProfileProjector } from '../profiles/index.ts'
import type { ImpressionRecorder, Placement, RecommendationRequest, Recommender } from '../recommend/index.ts'
import type { Store } from '../storage/index.ts'

export interface TrafficEngine {
  readonly config: Config
  readonly store: Store
  readonly projector: ProfileProjector
  readonly recommender: Recommender
  readonly impressions: ImpressionRecorder
}

export interface TrafficOptions {
  /** Days of traffic, ending an hour before `now`; default 7. */
  days?: number
  /** Page views answered per day; default 36. */
  visitsPerDay?: number
  seed?: number
  now: number
}

export interface TrafficSummary {
  requests: number
  /** Items shown. */
  impressions: number
  clicks: number
  orders: number
  /** The clicks and orders, as stored. */
  records: EventRecord[]
}

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The pages shoppers open, with the strategies of their placements and how likely a shown item is clicked. */
const PAGES: { name: string; placements: (item: string) => Placement[]; click: number }[] = [
  { name: 'home', placements: () => [{ id: 'home-for-you', strategy: 'for-you', count: 4 }, { id: 'home-trending', strategy: 'trending', count: 4 }], click: 0.05 },
  { name: 'product', placements: (item) => [{ id: 'pdp-also-bought', strategy: 'also-bought', itemId: item, count: 4 }, { id: 'pdp-similar', strategy: 'similar', itemId: item, count: 4 }], click: 0.07 },
  { name: 'cart', placements: (item) => [{ id: 'cart-complete', strategy: 'complete-the-look', itemId: item, count: 3 }], click: 0.06 },
  { name: 'category', placements: () => [{ id: 'category-bestsellers', strategy: 'bestsellers', count: 4 }], click: 0.04 },
]

export async function recommendationTraffic(engine: TrafficEngine, shop: SyntheticShop, options: TrafficOptions): Promise<TrafficSummary> {
  const days = options.days ?? 7
  const visits = options.visitsPerDay ?? 36
  const rng = rngFor('demo-traffic', options.seed ?? 1)
  const end = Math.floor(options.now / HOUR) * HOUR - HOUR
  const shoppers = shop.people.filter((p) => p.kind === 'regular' && p.userId !== null)
  const prices = new Map(shop.items.map((i) => [i.id, { price: i.price ?? 20, currency: i.currency ?? 'EUR' }]))
  const items = shop.items.map((i) => i.id)
  const messages: Record<string, unknown>[] = []
  let requests = 0
  let impressions = 0
  let clicks = 0
  let orders = 0
  for (let d = days; d >= 1; d--) {
    // More traffic on recent days, so the charts have a shape; visits spread over the day.
    const count = Math.round(visits * (0.7 + (0.6 * (days - d)) / Math.max(1, days - 1)))
    const times = Array.from({ length: count }, () => end - d * DAY + Math.floor(rng.next() * DAY)).sort((a, b) => a - b)
    for (const t of times) {
      const person = rng.pick(shoppers)
      const page = PAGES[rng.weighted([3, 4, 1, 2])]!
      const request: RecommendationRequest = { userId: person.userId!, placements: page.placements(rng.pick(items)) }
      const { answer, personId } = await engine.recommender.recommend(request)
      engine.impressions.record(request, answer, personId, t)
      requests += 1
      for (const placement of answer.placements) {
        impressions += placement.items.length
        for (const item of placement.items) {
          if (!rng.chance(page.click)) continue
          const clickedAt = t + MINUTE + rng.int(9 * MINUTE)
          clicks += 1
          messages.push({
            type: 'track',
            event: 'Product Clicked',
            userId: person.userId,
            timestamp: new Date(clickedAt).toISOString(),
            properties: { product_id: item.id, recommId: answer.recommId, placement: placement.id },
          })
          if (!rng.chance(0.3)) continue
          const { price, currency } = prices.get(item.id) ?? { price: 20, currency: 'EUR' }
          const quantity = rng.chance(0.2) ? 2 : 1
          orders += 1
          messages.push({
            type: 'track',
            event: 'Order Completed',
            userId: person.userId,
            timestamp: new Date(clickedAt + 5 * MINUTE + rng.int(30 * MINUTE)).toISOString(),
            properties: { order_id: `demo-rec-${requests}-${clicks}`, revenue: price * quantity, currency, products: [{ product_id: item.id, price, quantity }] },
          })
        }
      }
    }
  }
  await engine.impressions.flush()
  const ctx = { receivedAt: options.now, batchSentAt: null, maxEventBytes: engine.config.maxEventBytes }
  messages.sort((a, b) => Date.parse(a.timestamp as string) - Date.parse(b.timestamp as string))
  const records = messages.map((msg, i) => {
    const r = toEventRecord({ ...msg, messageId: `demo-traffic-${options.seed ?? 1}-${i}` }, null, ctx)
    if (!r.ok) throw new Error(`demo traffic event refused: ${r.message}`)
    return r.value
  })
  await engine.store.appendEvents(records)
  await engine.projector.apply(records)
  return { requests, impressions, clicks, orders, records }
}
