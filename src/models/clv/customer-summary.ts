/**
 * Order history to the (frequency, recency, T, monetary) summary the CLV models are fitted on, as
 * lifetimes' `summary_data_from_transaction_data` builds it with `freq='D'`: a person's orders of one
 * UTC day are one transaction (their values summed), the first transaction is not a repeat, times are
 * whole days since the first transaction, and monetary is the mean value of the repeat transactions.
 */
import type { NormalizedData } from '../../core/index.ts'

export const DAY_MS = 86_400_000

/**
 * An order event's value: its lines sold at a positive price and quantity, else its revenue (0 without
 * either). Refunds are separate events and are not subtracted: the models describe buying, not returns.
 */
export function orderValue(data: NormalizedData): number {
  let value = 0
  let priced = false
  for (const line of data.products ?? []) {
    if (line.price !== null && line.price > 0 && line.quantity > 0) {
      value += line.price * line.quantity
      priced = true
    }
  }
  return priced ? value : (data.revenue ?? 0)
}

export interface OrderRecord {
  person: string
  /** Epoch milliseconds. */
  time: number
  /** The order's value in the shop's currency. */
  value: number
}

export interface CustomerSummary {
  person: string
  /** Repeat transactions (days with an order after the first). */
  frequency: number
  /** Days from the first transaction to the last. */
  recency: number
  /** Days from the first transaction to the end of observation. */
  T: number
  /** Mean value of the repeat transactions (0 without any). */
  monetary: number
  /** Value of every transaction, the first included (the RFM fallback ranks it). */
  totalValue: number
  /** UTC day numbers (days since the epoch) of each transaction, ascending. */
  days: number[]
}

export const dayOf = (time: number) => Math.floor(time / DAY_MS)

/**
 * Everyone with an order before `end` (epoch ms), summarised at `end`'s UTC day. Orders at or after
 * `end` are left out.
 *
 * @example customerSummaries([{ person: 'a', time: 0, value: 5 }, { person: 'a', time: 2 * DAY_MS, value: 7 }], 10 * DAY_MS)
 * // [{ person: 'a', frequency: 1, recency: 2, T: 10, monetary: 7, totalValue: 12, days: [0, 2] }]
 */
export function customerSummaries(orders: Iterable<OrderRecord>, end: number): CustomerSummary[] {
  const byPerson = new Map<string, Map<number, number>>()
  for (const o of orders) {
    if (!(o.time < end)) continue
    let days = byPerson.get(o.person)
    if (!days) byPerson.set(o.person, (days = new Map()))
    const d = dayOf(o.time)
    days.set(d, (days.get(d) ?? 0) + o.value)
  }
  const endDay = dayOf(end)
  const out: CustomerSummary[] = []
  for (const [person, values] of byPerson) {
    const days = [...values.keys()].sort((a, b) => a - b)
    const first = days[0]!
    let repeatValue = 0
    for (let i = 1; i < days.length; i++) repeatValue += values.get(days[i]!)!
    let totalValue = 0
    for (const v of values.values()) totalValue += v
    const frequency = days.length - 1
    out.push({
      person,
      frequency,
      recency: days.at(-1)! - first,
      T: endDay - first,
      monetary: frequency > 0 ? repeatValue / frequency : 0,
      totalValue,
      days,
    })
  }
  return out.sort((a, b) => (a.person < b.person ? -1 : a.person > b.person ? 1 : 0))
}
