/**
 * What training learns from: the event log as the identity graph attributes it (one row per canonical
 * person), with the catalogue, minus what people asked not to be used: everything of people without
 * personalization consent, gift lines, interactions with categories they dislike and items they said
 * are not for them.
 */
import type { Item } from '../core/index.ts'
import { type OrderRecord, orderValue } from '../models/index.ts'
import { consentGiven, type ProfileSettings, type ProfileState } from '../profiles/index.ts'
import type { Store } from '../storage/index.ts'

export type InteractionKind = 'view' | 'click' | 'cart' | 'purchase' | 'rating'

export interface TrainingData {
  items: Item[]
  itemIndex: Map<string, number>
  people: string[]
  /** Parallel arrays, one entry per interaction (a product line of an event), in log order. */
  person: Int32Array
  item: Int32Array
  kind: Uint8Array
  weight: Float32Array
  time: Float64Array
  /** The order (basket) of a purchase line, numbered from 0; -1 for every other interaction. */
  basket: Int32Array
  baskets: number
  now: number
  /** Completed orders of the people included (gift lines too: the buyer paid), for the CLV models. */
  orders: OrderRecord[]
  excluded: { peopleWithoutConsent: number; giftLines: number; dislikedOrNotForMe: number; unknownItems: number }
}

export const KINDS: readonly InteractionKind[] = ['view', 'click', 'cart', 'purchase', 'rating']

interface PersonRules {
  allowed: boolean
  gifts: Set<string>
  disliked: string[]
  notForMe: Set<string>
}

const PAGE = 5000

/** Reads the catalogue, the people's rules and the attributed log; `onProgress` gets events read so far. */
export async function readTrainingData(store: Store, settings: ProfileSettings, now: number, onProgress?: (events: number) => void): Promise<TrainingData> {
  const items: Item[] = []
  for (let cursor: string | undefined, page; (page = await store.listItems({ limit: 1000, cursor })); cursor = page.nextCursor) {
    items.push(...page.data)
    if (!page.nextCursor) break
  }
  const itemIndex = new Map(items.map((it, i) => [it.id, i]))
  const rules = new Map<string, PersonRules>()
  for (let after = ''; ; ) {
    const rows = await store.readPeople((tx) => tx.profilesAfter(after, PAGE))
    for (const row of rows) {
      const s = JSON.parse(row.state) as ProfileState
      rules.set(row.personId, {
        allowed: consentGiven(s, 'personalization', settings.consentDefaults),
        gifts: new Set(s.gifts),
        disliked: s.preferences.categories.disliked,
        notForMe: new Set(s.preferences.notForMe),
      })
    }
    if (rows.length < PAGE) break
    after = rows.at(-1)!.personId
  }
  const people: string[] = []
  const personIndex = new Map<string, number>()
  const cols = { person: [] as number[], item: [] as number[], kind: [] as number[], weight: [] as number[], time: [] as number[], basket: [] as number[] }
  // One basket per person and order id (an order without an id is its own event).
  const basketIndex = new Map<string, number>()
  const excluded = { peopleWithoutConsent: 0, giftLines: 0, dislikedOrNotForMe: 0, unknownItems: 0 }
  const refused = new Set<string>()
  const orders: OrderRecord[] = []
  const w = settings.weights
  let read = 0
  for (let after = 0; ; ) {
    const batch = await store.readPeople((tx) => tx.attributedEvents(after, PAGE))
    for (const { event: e, personId } of batch) {
      const kind = kindOf(e.kind, e.data.rating)
      if (kind === null) continue
      const r = rules.get(personId)
      if (r && !r.allowed) {
        refused.add(personId)
        continue
      }
      if (kind === 'purchase') orders.push({ person: personId, time: e.timestamp, value: orderValue(e.data) })
      for (const line of e.data.products ?? []) {
        const at = itemIndex.get(line.itemId)
        if (at === undefined) {
          excluded.unknownItems += 1
          continue
        }
        const order = e.data.orderId
        if (kind === 'purchase' && (line.gift || e.data.gift || (order && (r?.gifts.has(order) || r?.gifts.has(`${order}|${line.itemId}`))))) {
          excluded.giftLines += 1
          continue
        }
        if (r && (r.notForMe.has(line.itemId) || items[at]!.categories.some((c) => r.disliked.some((d) => c === d || c.startsWith(`${d} > `))))) {
          excluded.dislikedOrNotForMe += 1
          continue
        }
        let p = personIndex.get(personId)
        if (p === undefined) {
          p = people.push(personId) - 1
          personIndex.set(personId, p)
        }
        cols.person.push(p)
        cols.item.push(at)
        cols.kind.push(KINDS.indexOf(kind))
        cols.weight.push(kind === 'view' ? w.view : kind === 'click' ? w.click : kind === 'cart' ? w.cart : w.purchase)
        cols.time.push(e.timestamp)
        let basket = -1
        if (kind === 'purchase') {
          const key = `${personId}|${order ?? `seq:${e.seq}`}`
          basket = basketIndex.get(key) ?? basketIndex.size
          basketIndex.set(key, basket)
        }
        cols.basket.push(basket)
      }
    }
    read += batch.length
    onProgress?.(read)
    if (batch.length < PAGE) break
    after = batch.at(-1)!.event.seq
  }
  excluded.peopleWithoutConsent = refused.size
  return {
    items,
    itemIndex,
    people,
    person: Int32Array.from(cols.person),
    item: Int32Array.from(cols.item),
    kind: Uint8Array.from(cols.kind),
    weight: Float32Array.from(cols.weight),
    time: Float64Array.from(cols.time),
    basket: Int32Array.from(cols.basket),
    baskets: basketIndex.size,
    now,
    orders,
    excluded,
  }
}

function kindOf(kind: string, rating: number | undefined): InteractionKind | null {
  switch (kind) {
    case 'product_viewed':
      return 'view'
    case 'product_clicked':
    case 'email_link_clicked':
      return 'click'
    case 'product_added':
      return 'cart'
    case 'order_completed':
      return 'purchase'
    case 'product_rated':
      // A liked rating counts like a purchase; a poor one is not a positive signal at all.
      return rating !== undefined && rating >= 4 ? 'rating' : null
    default:
      return null
  }
}
