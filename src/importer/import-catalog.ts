/**
 * `attune import catalog`: a product feed as CSV/TSV (columns mapped onto item fields) or JSONL (one
 * item a line, in the API's item shape). Every item passes the catalogue's own `checkItem`, so a
 * file can hold nothing the API would refuse; bad rows are reported by line and column while the
 * good ones are written, in chunks of 1000 (the API's batch size).
 */
import { checkItem } from '../catalog/index.ts'
import type { ItemInput } from '../core/index.ts'
import type { Store } from '../storage/index.ts'
import { csvRows, openSource, textLines } from './file-source.ts'
import { type CommonImportOptions, cellNumber, cellText, csvSettings, detectFormat, resolveColumns } from './import-options.ts'
import { type ImportSummary, SummaryBuilder } from './import-summary.ts'
import { ITEM_CHUNK } from './missing-items.ts'

export const ITEM_FIELDS = [
  'id',
  'title',
  'description',
  'categories',
  'brand',
  'price',
  'currency',
  'imageUrl',
  'url',
  'tags',
  'available',
  'inventory',
] as const
/** `--map attributes.NAME=COLUMN` puts a column into the item's free-form attributes. */
export const ATTRIBUTE_PREFIX = 'attributes.'
const ALIASES: Record<string, readonly string[]> = { imageUrl: ['image_url'] }
const LIST_FIELDS = new Set(['categories', 'tags'])
const NUMBER_FIELDS = new Set(['price', 'inventory'])
const PROGRESS_EVERY = 2000

export interface CatalogImportOptions extends CommonImportOptions {
  /** Separator inside multi-value cells (categories, tags), e.g. `|`; without it a cell is one value. */
  listSeparator?: string | undefined
  /** Adjusts the item built from a CSV row before it is checked (dataset presets use it). */
  transform?: ((item: Record<string, unknown>, row: Record<string, string>) => void) | undefined
}

export async function importCatalog(store: Store, file: string, options: CatalogImportOptions = {}): Promise<ImportSummary> {
  const format = detectFormat(file, options.format)
  const source = await openSource(file)
  const summary = new SummaryBuilder('catalog', file, options.preset)
  const before = await store.countItems()
  let chunk = new Map<string, ItemInput>()
  const write = async () => {
    if (chunk.size === 0) return
    summary.summary.itemsStored += await store.upsertItems([...chunk.values()], new Date())
    chunk = new Map()
  }
  const accept = async (line: number, raw: unknown, columnOf: (field: string) => string) => {
    summary.summary.rowsRead += 1
    if (summary.summary.rowsRead % PROGRESS_EVERY === 0) {
      options.onProgress?.({ bytesRead: source.bytesRead(), totalBytes: source.size, rows: summary.summary.rowsRead })
    }
    const checked = checkItem(raw)
    if (!checked.ok) {
      summary.reject(line, columnOf(checked.field), checked.message)
      return
    }
    chunk.set(checked.value.id, checked.value) // within a chunk the last row of an id wins, as in the API
    if (chunk.size >= ITEM_CHUNK) await write()
  }

  const readJsonl = async () => {
    for await (const { line, text } of textLines(source, options.encoding ?? 'utf8')) {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        summary.unreadable(line, `not JSON: ${(error as Error).message}`)
        continue
      }
      await accept(line, value, (field) => field)
    }
  }
  const readCsv = async () => {
    let columns: Record<string, string> = {}
    const rows = csvRows(source, {
      ...csvSettings(options, format),
      onHeader: (header) => {
        columns = resolveColumns(ITEM_FIELDS, options.map ?? {}, header, ['id'], file, ALIASES)
      },
      onBadRecord: (line, message) => summary.unreadable(line, message),
    })
    // A problem names the file's column ("cost") rather than the item field ("price") it feeds.
    const columnOf = (field: string) => {
      const base = /^[A-Za-z]+/.exec(field)?.[0] ?? field
      return columns[base] ?? field
    }
    for await (const { line, row } of rows) {
      const item = rowToItem(row, columns, options.listSeparator)
      options.transform?.(item, row)
      await accept(line, item, columnOf)
    }
  }

  try {
    await (format === 'jsonl' ? readJsonl() : readCsv())
  } catch (error) {
    throw summary.interrupted(error)
  }
  await write()
  summary.summary.itemsCreated = Math.max(0, (await store.countItems()) - before)
  options.onProgress?.({ bytesRead: source.bytesRead(), totalBytes: source.size, rows: summary.summary.rowsRead })
  return summary.finish()
}

/** An item body from a CSV row; empty cells are left out. Values that do not convert stay text, so `checkItem` names them. */
export function rowToItem(row: Record<string, string>, columns: Record<string, string>, listSeparator: string | undefined): Record<string, unknown> {
  const item: Record<string, unknown> = {}
  const attributes: Record<string, unknown> = {}
  for (const [field, column] of Object.entries(columns)) {
    const text = cellText(row[column])
    if (text === '') continue
    if (field.startsWith(ATTRIBUTE_PREFIX)) attributes[field.slice(ATTRIBUTE_PREFIX.length)] = text
    else if (LIST_FIELDS.has(field)) {
      item[field] = listSeparator ? text.split(listSeparator).map((v) => v.trim()).filter((v) => v !== '') : [text]
    } else if (NUMBER_FIELDS.has(field)) item[field] = cellNumber(text) ?? text
    else if (field === 'available') item[field] = /^(?:true|1|yes|y)$/i.test(text) ? true : /^(?:false|0|no|n)$/i.test(text) ? false : text
    else item[field] = text
  }
  if (Object.keys(attributes).length > 0) item.attributes = attributes
  return item
}
