/**
 * The attribution report: per strategy, what was shown (impressions), clicked and bought because of it,
 * computed from the impressions table and the event log. The rules are in docs/api.md ("Attribution");
 * they are deliberately simple so a shop can check any number by hand.
 */
import type { StoredEvent } from '../core/index.ts'
import type { Impression, Store } from '../storage/index.ts'

/** A click without a recommId counts when the item was shown to the same ref this long before it. */
export const CLICK_WINDOW_MS = 30 * 60_000
/** An order line counts when the ref clicked the item from a recommendation this long before. */
export const ORDER_WINDOW_MS = 24 * 3600_000
/** A recommId is honoured this long after it was served. */
export const RECOMM_TTL_MS = 24 * 3600_000

export interface StrategyReport {
  strategy: string
  /** Items shown. */
  impressions: number
  clicks: number
  /** clicks / impressions. */
  ctr: number
  /** Orders with at least one line credited to the strategy. */
  orders: number
  /** orders / impressions. */
  conversionRate: number
  revenue: number
}

export interface AttributionReport {
  from: number
  to: number
  strategies: StrategyReport[]
}

/** A strategy's numbers in one time bucket, with the placements (impression rows) behind `impressions`. */
export interface BucketStrategyReport extends StrategyReport {
  /** Placements answered (one per placement of a request), of which `impressions` counts the items. */
  placements: number
}

/** The report cut into time buckets: `buckets[i]` holds the strategies active in bucket i, by name. */
export interface BucketedAttribution extends AttributionReport {
  /** The totals' placements per strategy. */
  placements: Record<string, number>
  buckets: BucketStrategyReport[][]
}

type Props = Record<string, unknown>
// Each page re-sorts the matches of the range (the kind-and-time index, then log order): few large pages.
const PAGE = 20_000

/** What the report reads: impressions and clicks and orders from early enough for the windows. */
export async function attributionInputs(store: Store, from: number, to: number): Promise<{ impressions: Impression[]; events: StoredEvent[] }> {
  const impressions = await store.impressions.range(from - ORDER_WINDOW_MS - RECOMM_TTL_MS, to)
  const events: StoredEvent[] = []
  for (let after = 0; ; ) {
    const page = await store.readEventsOfKinds(['product_clicked', 'order_completed'], from - ORDER_WINDOW_MS, to, after, PAGE)
    events.push(...page)
    if (page.length < PAGE) break
    after = page.at(-1)!.seq
  }
  return { impressions, events }
}

/** Reads what the report needs and computes it. */
export async function attributionReport(store: Store, from: number, to: number): Promise<AttributionReport> {
  const { impressions, events } = await attributionInputs(store, from, to)
  return computeAttribution(impressions, events, from, to)
}

/**
 * The report per time bucket (`bucketOf` gives a timestamp's bucket index in [0, count), or -1 outside
 * [from, to)); the totals are the same as `attributionReport`'s, and the buckets add up to them.
 */
export async function attributionByBucket(store: Store, from: number, to: number, count: number, bucketOf: (t: number) => number): Promise<BucketedAttribution> {
  const { impressions, events } = await attributionInputs(store, from, to)
  return computeBucketedAttribution(impressions, events, from, to, count, bucketOf)
}

function recommIdOf(props: unknown): string | null {
  if (typeof props !== 'object' || props === null) return null
  const v = (props as Props).recommId ?? (props as Props).recomm_id
  return typeof v === 'string' && v !== '' ? v : null
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

function refsOf(e: StoredEvent): string[] {
  return [e.userId, e.anonymousId].filter((r): r is string => r !== null)
}

/** The report over already loaded impressions and events (both may reach back before `from`). */
export function computeAttribution(impressions: readonly Impression[], events: readonly StoredEvent[], from: number, to: number): AttributionReport {
  const { strategies } = computeBucketedAttribution(impressions, events, from, to, 0, () => -1)
  return { from, to, strategies }
}

type Cell = BucketStrategyReport

function emptyCell(strategy: string): Cell {
  return { strategy, impressions: 0, clicks: 0, ctr: 0, orders: 0, conversionRate: 0, revenue: 0, placements: 0 }
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1e4) / 1e4 : 0)
const finish = (r: Cell): Cell => ({ ...r, ctr: ratio(r.clicks, r.impressions), conversionRate: ratio(r.orders, r.impressions), revenue: Math.round(r.revenue * 100) / 100 })

/** `computeAttribution` with every count also added to the bucket of its time (see `attributionByBucket`). */
export function computeBucketedAttribution(
  impressions: readonly Impression[],
  events: readonly StoredEvent[],
  from: number,
  to: number,
  count: number,
  bucketOf: (t: number) => number,
): BucketedAttribution {
  const totals = new Map<string, Cell>()
  const cells: Map<string, Cell>[] = Array.from({ length: count }, () => new Map())
  // One update applied to the strategy's totals and to its cell of the bucket of time t.
  const add = (strategy: string, t: number, apply: (r: Cell) => void) => {
    let r = totals.get(strategy)
    if (!r) totals.set(strategy, (r = emptyCell(strategy)))
    apply(r)
    const b = bucketOf(t)
    if (b < 0 || b >= count) return
    let c = cells[b]!.get(strategy)
    if (!c) cells[b]!.set(strategy, (c = emptyCell(strategy)))
    apply(c)
  }
  const byRecomm = new Map<string, Impression[]>()
  const byRef = new Map<string, Impression[]>()
  for (const imp of [...impressions].sort((a, b) => a.servedAt - b.servedAt || a.placement - b.placement)) {
    if (imp.servedAt >= from && imp.servedAt < to) {
      add(imp.strategy, imp.servedAt, (r) => {
        r.impressions += imp.itemIds.length
        r.placements += 1
      })
    }
    push(byRecomm, imp.recommId, imp)
    if (imp.ref !== null) push(byRef, imp.ref, imp)
  }

  /** The placement of a (live) recommId that showed the item. */
  const byId = (recommId: string | null, itemId: string, t: number) =>
    recommId === null ? null : (byRecomm.get(recommId)?.find((imp) => t - imp.servedAt <= RECOMM_TTL_MS && imp.itemIds.includes(itemId)) ?? null)
  /** The latest placement that showed the item to one of these refs in the click window. */
  const shown = (refs: string[], itemId: string, t: number) => {
    let best: Impression | null = null
    for (const ref of refs) {
      for (const imp of byRef.get(ref) ?? []) {
        if (imp.servedAt <= t && t - imp.servedAt <= CLICK_WINDOW_MS && imp.itemIds.includes(itemId) && (!best || imp.servedAt > best.servedAt)) best = imp
      }
    }
    return best
  }

  // Attributed clicks by ref, kept for the order rule (clicks before `from` count there too).
  const clicks = new Map<string, { itemId: string; t: number; strategy: string }[]>()
  const lastClick = (refs: string[], itemId: string, t: number) => {
    let best: { t: number; strategy: string } | null = null
    for (const ref of refs) {
      for (const c of clicks.get(ref) ?? []) if (c.itemId === itemId && c.t <= t && t - c.t <= ORDER_WINDOW_MS && (!best || c.t > best.t)) best = c
    }
    return best
  }

  const ordered = [...events].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq)
  const seenOrders = new Set<string>()
  for (const e of ordered) {
    const refs = refsOf(e)
    const props = e.message.properties
    const t = e.timestamp
    if (e.kind === 'product_clicked') {
      const itemId = e.data.products?.[0]?.itemId ?? e.itemId
      if (!itemId) continue
      const imp = byId(recommIdOf(props), itemId, t) ?? shown(refs, itemId, t)
      if (!imp) continue
      for (const ref of refs) push(clicks, ref, { itemId, t, strategy: imp.strategy })
      if (t >= from && t < to) add(imp.strategy, t, (r) => (r.clicks += 1))
      continue
    }
    if (e.kind !== 'order_completed') continue
    // An order sent twice (same order id, another message id) counts once: its first event.
    const orderId = e.data.orderId ?? e.messageId
    if (seenOrders.has(orderId)) continue
    seenOrders.add(orderId)
    if (t < from || t >= to) continue
    const orderRecomm = recommIdOf(props)
    const lines = e.data.products ?? []
    const raw = typeof props === 'object' && props !== null && Array.isArray((props as Props).products) ? ((props as Props).products as unknown[]) : []
    const quantity = lines.reduce((s, l) => s + l.quantity, 0)
    const credited = new Map<string, number>()
    lines.forEach((line, i) => {
      const strategy = byId(recommIdOf(raw[i]) ?? orderRecomm, line.itemId, t)?.strategy ?? lastClick(refs, line.itemId, t)?.strategy
      if (!strategy) return
      // A line without a price gets its quantity's share of the order's revenue.
      const value = line.price !== null ? line.price * line.quantity : quantity > 0 ? ((e.data.revenue ?? 0) * line.quantity) / quantity : 0
      credited.set(strategy, (credited.get(strategy) ?? 0) + value)
    })
    // An order that lists no lines but carries a live recommId: the whole order goes to its first placement.
    const first = orderRecomm !== null && lines.length === 0 ? byRecomm.get(orderRecomm)?.[0] : undefined
    if (first && t - first.servedAt <= RECOMM_TTL_MS) credited.set(first.strategy, e.data.revenue ?? 0)
    for (const [strategy, value] of credited) {
      add(strategy, t, (r) => {
        r.orders += 1
        r.revenue += value
      })
    }
  }

  const byName = (a: Cell, b: Cell) => a.strategy.localeCompare(b.strategy)
  const rows = [...totals.values()].sort(byName)
  const strategies: StrategyReport[] = rows.map((r) => {
    const { placements: _, ...report } = finish(r)
    return report
  })
  return {
    from,
    to,
    strategies,
    placements: Object.fromEntries(rows.map((r) => [r.strategy, r.placements])),
    buckets: cells.map((m) => [...m.values()].map(finish).sort(byName)),
  }
}
