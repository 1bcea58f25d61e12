/**
 * Catalogue operations: checked upserts (single and batch, with per-item problems), reads, paging,
 * deletion and category sensitivity.
 */
import { AttuneError, type Category, type Item, type ItemInput, type Page, type RecordProblem } from '../core/index.ts'
import type { Store } from '../storage/index.ts'
import { checkItem, normalizeCategoryPath } from './item-schema.ts'

export const MAX_ITEMS_PER_BATCH = 1000

export interface UpsertOutcome {
  upserted: number
  rejected: RecordProblem[]
}

export class CatalogService {
  readonly #store: Store
  readonly #now: () => Date

  constructor(store: Store, now: () => Date = () => new Date()) {
    this.#store = store
    this.#now = now
  }

  /** Creates or replaces one item; `id` comes from the path and must match the body's if given. */
  async put(id: string, body: unknown): Promise<Item> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new AttuneError('invalid_json', 'the request body must be a JSON object')
    }
    const bodyId = (body as { id?: unknown }).id
    if (bodyId !== undefined && bodyId !== id) {
      throw new AttuneError('invalid_field', `id in the body ("${String(bodyId)}") differs from the id in the path ("${id}")`, 'id')
    }
    const checked = checkItem({ ...body, id })
    if (!checked.ok) throw new AttuneError(checked.code, checked.message, checked.field || undefined)
    await this.#store.upsertItems([checked.value], this.#now())
    return (await this.#store.getItem(id))!
  }

  /** Batch upsert: good items are written, bad ones reported by index. */
  async upsertMany(body: unknown): Promise<UpsertOutcome> {
    const items = Array.isArray(body) ? body : (body as { items?: unknown } | null)?.items
    if (!Array.isArray(items)) throw new AttuneError('missing_field', 'items must be an array of items', 'items')
    if (items.length > MAX_ITEMS_PER_BATCH) {
      throw new AttuneError('payload_too_large', `at most ${MAX_ITEMS_PER_BATCH} items per request; got ${items.length}`, 'items')
    }
    const rejected: RecordProblem[] = []
    const good = new Map<string, ItemInput>()
    items.forEach((raw, index) => {
      const checked = checkItem(raw)
      if (checked.ok) good.set(checked.value.id, checked.value) // the last occurrence of an id wins
      else {
        const field = checked.field === '' ? `items[${index}]` : `items[${index}].${checked.field}`
        rejected.push({ index, code: checked.code, message: `items[${index}]: ${checked.message}`, field })
      }
    })
    const upserted = await this.#store.upsertItems([...good.values()], this.#now())
    return { upserted, rejected }
  }

  async get(id: string): Promise<Item> {
    const item = await this.#store.getItem(id)
    if (!item) throw new AttuneError('not_found', `no item with id "${id}"`, 'id')
    return item
  }

  /** A page of items by id; `q` searches ids, titles and brands (see storage's item-search.ts). */
  list(limit: number, cursor?: string, category?: string, filters: { q?: string | undefined; inStock?: boolean | undefined } = {}): Promise<Page<Item>> {
    const normalized = category === undefined ? undefined : normalizeCategoryPath(category)
    if (normalized === null) throw new AttuneError('invalid_field', 'category has an empty segment', 'category')
    const q = filters.q?.trim()
    return this.#store.listItems({ limit, cursor, category: normalized, ...(q && { q }), ...(filters.inStock !== undefined && { inStock: filters.inStock }) })
  }

  async delete(id: string): Promise<void> {
    if (!(await this.#store.deleteItem(id))) throw new AttuneError('not_found', `no item with id "${id}"`, 'id')
  }

  listCategories(): Promise<Category[]> {
    return this.#store.listCategories()
  }

  /** Marks categories sensitive (or not). A sensitive category makes its whole subtree sensitive. */
  async markCategories(body: unknown): Promise<Category[]> {
    const list = (body as { categories?: unknown } | null)?.categories
    if (!Array.isArray(list) || list.length === 0) {
      throw new AttuneError('missing_field', 'categories must be a non-empty array of {path, sensitive}', 'categories')
    }
    const marks = list.map((entry: unknown, i) => {
      const e = entry as { path?: unknown; sensitive?: unknown } | null
      if (typeof e?.path !== 'string') throw new AttuneError('missing_field', `categories[${i}].path must be a string`, `categories[${i}].path`)
      const path = normalizeCategoryPath(e.path)
      if (path === null) throw new AttuneError('invalid_field', `categories[${i}].path has an empty segment`, `categories[${i}].path`)
      if (typeof e.sensitive !== 'boolean') {
        throw new AttuneError('invalid_field', `categories[${i}].sensitive must be true or false`, `categories[${i}].sensitive`)
      }
      return { path, sensitive: e.sensitive }
    })
    await this.#store.setCategorySensitivity(marks)
    return this.#store.listCategories()
  }
}
