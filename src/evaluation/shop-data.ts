/**
 * A shop's own data as interactions: the engine's event log, or order-line and event files in the
 * formats of `attune import` (docs/import.md). Files go through the importer itself into a throwaway
 * SQLite store and are read back from its log: the importer exports whole-file loaders into a store, not
 * row readers, and reusing them means `--orders`/`--events` accept exactly what `attune import` accepts
 * (column maps, presets, gzip, Segment JSONL, OTTO sessions, refunds) with the same checks. The cost is
 * about 2 s per 100,000 rows.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { StoredEvent } from '../core/index.ts'
import { type OrderRecord, orderValue } from '../models/index.ts'
import {
  type EventImportOptions,
  type ImportProgress,
  type ImportSummary,
  type OrderImportOptions,
  importEvents,
  importOrders,
  withPreset,
} from '../importer/index.ts'
import { type Store, openStore } from '../storage/index.ts'
import { type Interaction, type ItemInfo, KIND_WEIGHTS } from './datasets.ts'

/** Event kinds that say something about taste, with one interaction per product (line). */
const USED_KINDS: ReadonlySet<string> = new Set(['product_viewed', 'product_clicked', 'product_added', 'order_completed', 'product_rated'])

/**
 * The interactions in events: views, clicks, cart additions, order lines (gift lines left out: they say
 * nothing about the buyer's own taste) and ratings. The person is the user id, else the anonymous id.
 */
export function interactionsFromEvents(events: Iterable<StoredEvent>, out: Interaction[] = []): Interaction[] {
  for (const e of events) {
    if (!USED_KINDS.has(e.kind)) continue
    const user = e.userId ?? e.anonymousId
    if (!user) continue
    const weight = KIND_WEIGHTS[e.kind]
    if (e.kind === 'order_completed') {
      if (e.data.gift) continue
      for (const line of e.data.products ?? []) {
        if (!line.gift) out.push({ user, item: line.itemId, time: e.timestamp, kind: e.kind, weight })
      }
    } else if (e.kind === 'product_rated') {
      const item = e.itemId ?? e.data.products?.[0]?.itemId
      if (item && e.data.rating !== undefined) out.push({ user, item, time: e.timestamp, kind: e.kind, rating: e.data.rating })
    } else if (e.itemId) out.push({ user, item: e.itemId, time: e.timestamp, kind: e.kind, weight })
  }
  return out
}

/** The completed orders in events, for the CLV models: the person (user id, else anonymous id), the time, the value. */
export function ordersFromEvents(events: Iterable<StoredEvent>, out: OrderRecord[] = []): OrderRecord[] {
  for (const e of events) {
    if (e.kind !== 'order_completed') continue
    const person = e.userId ?? e.anonymousId
    if (person) out.push({ person, time: e.timestamp, value: orderValue(e.data) })
  }
  return out
}

export interface ShopData {
  interactions: Interaction[]
  /** Completed orders (`ordersFromEvents`). */
  orders: OrderRecord[]
  items: Map<string, ItemInfo>
  /** Events read from the log. */
  events: number
}

/** Every interaction in the store's log, read page by page in log order, and the catalogue. */
export async function readStore(store: Store, onProgress?: (events: number) => void): Promise<ShopData> {
  const interactions: Interaction[] = []
  const orders: OrderRecord[] = []
  let after = 0
  let events = 0
  for (;;) {
    const page = await store.readEvents(after, 10_000)
    if (page.length === 0) break
    interactionsFromEvents(page, interactions)
    ordersFromEvents(page, orders)
    events += page.length
    after = page[page.length - 1]!.seq
    onProgress?.(events)
  }
  const items = new Map<string, ItemInfo>()
  let cursor: string | undefined
  do {
    const page = await store.listItems({ limit: 1000, cursor })
    for (const it of page.data) {
      items.set(it.id, {
        ...(it.title !== null && { title: it.title }),
        ...(it.categories.length > 0 && { categories: it.categories }),
        ...(it.price !== null && { price: it.price }),
      })
    }
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return { interactions, orders, items, events }
}

export type FileKind = 'orders' | 'events'

export interface FileReadOptions {
  /** Importer options (format, map, preset, delimiter...), as `attune import` takes them. */
  importOptions: OrderImportOptions | EventImportOptions
  preset?: string | undefined
  onProgress?: (progress: ImportProgress) => void
}

/** Order lines or events from a file, read through the importer (see the top of this file). */
export async function readShopFile(kind: FileKind, file: string, options: FileReadOptions): Promise<ShopData & { summary: ImportSummary }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attune-eval-'))
  try {
    // A scratch store: no fsync per chunk, deleted afterwards.
    const store = await openStore(`sqlite://${path.join(dir, 'eval.db')}`, { sqliteSync: 'normal' })
    try {
      const common = { ...options.importOptions, onProgress: options.onProgress }
      const summary =
        kind === 'orders'
          ? await importOrders(store, file, withPreset('orders', options.preset, file, common as OrderImportOptions))
          : await importEvents(store, file, withPreset('events', options.preset, file, common as EventImportOptions))
      return { ...(await readStore(store)), summary }
    } finally {
      await store.close()
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
