/**
 * The overview report: per time bucket of the viewer's time zone, the shop's activity (events, active
 * people, orders and revenue) next to what recommendations showed and earned per strategy (the rules of
 * attribution-report.ts). Events and people are counted by the database (store.overview); orders,
 * impressions, clicks and attributed revenue come from the rows the attribution report reads anyway.
 */
import type { BucketPlan, StoredEvent } from '../core/index.ts'
import type { Store } from '../storage/index.ts'
import { attributionInputs, type BucketStrategyReport, computeBucketedAttribution } from './attribution-report.ts'

export interface OverviewNumbers {
  events: number
  /** Distinct people with an event (a stitched person counts once). */
  people: number
  /** Orders placed ("Order Completed", once per order id). */
  orders: number
  /** Their revenue (the order's stated revenue, else its lines' price × quantity); currencies are not converted. */
  revenue: number
  /** Recommendation placements answered. */
  placements: number
  /** Items shown by them. */
  impressions: number
  /** Clicks credited to a recommendation. */
  clicks: number
  /** clicks / impressions. */
  ctr: number
  /** Revenue credited to recommendations (the sum over strategies). */
  attributedRevenue: number
  /** Per strategy, only those with activity; sorted by name. */
  strategies: BucketStrategyReport[]
}

export interface OverviewBucket extends OverviewNumbers {
  start: number
  end: number
  label: string
}

export interface Overview {
  buckets: OverviewBucket[]
  totals: OverviewNumbers
}

const round2 = (n: number) => Math.round(n * 100) / 100
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1e4) / 1e4 : 0)

/** Orders in [from, to), each order id once (its first event), with its revenue. */
function ordersOf(events: readonly StoredEvent[], from: number, to: number): { t: number; revenue: number }[] {
  const seen = new Set<string>()
  const out: { t: number; revenue: number }[] = []
  for (const e of [...events].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)) {
    if (e.kind !== 'order_completed') continue
    const id = e.data.orderId ?? e.messageId
    if (seen.has(id)) continue
    seen.add(id)
    if (e.timestamp >= from && e.timestamp < to) out.push({ t: e.timestamp, revenue: e.data.revenue ?? 0 })
  }
  return out
}

export async function overviewReport(store: Store, plan: BucketPlan): Promise<Overview> {
  const { from, to, buckets } = plan
  const [events, people, totalPeople, inputs] = await Promise.all([
    store.overview.eventsPerBucket(from, to, plan.rule),
    store.overview.peoplePerBucket(from, to, plan.rule),
    store.overview.people(from, to),
    attributionInputs(store, from, to),
  ])
  const attribution = computeBucketedAttribution(inputs.impressions, inputs.events, from, to, buckets.length, plan.indexOf)
  const index = new Map(buckets.map((b, i) => [b.key, i]))
  const eventCounts = new Array<number>(buckets.length).fill(0)
  const peopleCounts = new Array<number>(buckets.length).fill(0)
  for (const r of events) if (index.has(r.key)) eventCounts[index.get(r.key)!] = r.count
  for (const r of people) if (index.has(r.key)) peopleCounts[index.get(r.key)!] = r.count
  const orderCounts = new Array<number>(buckets.length).fill(0)
  const revenue = new Array<number>(buckets.length).fill(0)
  const orders = ordersOf(inputs.events, from, to)
  for (const o of orders) {
    const b = plan.indexOf(o.t)
    if (b < 0) continue
    orderCounts[b]! += 1
    revenue[b]! += o.revenue
  }

  const numbers = (strategies: BucketStrategyReport[], n: { events: number; people: number; orders: number; revenue: number }): OverviewNumbers => {
    const sum = (f: (s: BucketStrategyReport) => number) => strategies.reduce((acc, s) => acc + f(s), 0)
    const impressions = sum((s) => s.impressions)
    const clicks = sum((s) => s.clicks)
    return {
      events: n.events,
      people: n.people,
      orders: n.orders,
      revenue: round2(n.revenue),
      placements: sum((s) => s.placements),
      impressions,
      clicks,
      ctr: ratio(clicks, impressions),
      attributedRevenue: round2(sum((s) => s.revenue)),
      strategies,
    }
  }

  return {
    buckets: buckets.map((b, i) => ({
      start: b.start,
      end: b.end,
      label: b.label,
      ...numbers(attribution.buckets[i]!, { events: eventCounts[i]!, people: peopleCounts[i]!, orders: orderCounts[i]!, revenue: revenue[i]! }),
    })),
    totals: numbers(
      attribution.strategies.map((s) => ({ ...s, placements: attribution.placements[s.strategy] ?? 0 })),
      {
        events: eventCounts.reduce((a, b) => a + b, 0),
        people: totalPeople,
        orders: orders.length,
        revenue: orders.reduce((a, o) => a + o.revenue, 0),
      },
    ),
  }
}
