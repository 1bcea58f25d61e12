/**
 * Catalogue items for products an order import saw. Order exports name products (id, description,
 * price) but the store may not know them yet; creating bare items lets recommendations show them.
 * Items that already exist are left alone: a catalogue import or the API knows them better.
 */
import { checkItem } from '../catalog/index.ts'
import type { ItemInput } from '../core/index.ts'
import type { Store } from '../storage/index.ts'
import type { SummaryBuilder } from './import-summary.ts'

export const ITEM_CHUNK = 1000

/** What the file said about a product. */
export interface ProductInfo {
  title: string | null
  price: number | null
  category: string | null
  /** The last line naming the product, for problem reports. */
  line: number
}

/** Writes items for the products not in the store; counts them as `itemsCreated`. */
export async function createMissingItems(
  store: Store,
  products: ReadonlyMap<string, ProductInfo>,
  summary: SummaryBuilder,
  currency: string | undefined,
  now: () => Date = () => new Date(),
): Promise<void> {
  let batch: ItemInput[] = []
  const write = async () => {
    if (batch.length === 0) return
    const written = await store.upsertItems(batch, now())
    summary.summary.itemsCreated += written
    summary.summary.itemsStored += written
    batch = []
  }
  for (const [id, info] of products) {
    if ((await store.getItem(id)) !== null) continue
    const checked = checkItem({
      id,
      ...(info.title !== null && { title: info.title }),
      ...(info.price !== null && { price: info.price }),
      ...(info.category !== null && { categories: [info.category] }),
      ...(currency !== undefined && { currency }),
    })
    if (!checked.ok) {
      // Reported but not counted as a rejected row: the order lines themselves were stored.
      summary.reject(info.line, checked.field, `item ${id} not created: ${checked.message}`, 0)
      continue
    }
    batch.push(checked.value)
    if (batch.length >= ITEM_CHUNK) await write()
  }
  await write()
}
