/**
 * Readers for the public benchmark datasets, each turned into the same flat list of interactions (who,
 * what, when, how strongly) plus item metadata for content models. Files are streamed (gzip by its magic
 * bytes), never read whole, and kept as the dataset wrote them: the protocols decide what counts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createGunzip } from 'node:zlib'
import { parse } from 'csv-parse'
import { AttuneError } from '../core/index.ts'
import { DEFAULT_WEIGHTS } from '../profiles/index.ts'

/**
 * One interaction. `kind` uses the engine's event kinds (product_rated, product_viewed, product_clicked,
 * product_added, order_completed), so files, datasets and the store read the same way.
 */
export interface Interaction {
  user: string
  item: string
  /** Milliseconds since the epoch. */
  time: number
  kind?: string
  /** Star rating, for kind product_rated. */
  rating?: number
  /** Training confidence; when absent the kind's weight (KIND_WEIGHTS). */
  weight?: number
}

/** What content models can use about an item. */
export interface ItemInfo {
  title?: string
  categories?: string[]
  price?: number
}

export interface Dataset {
  name: string
  interactions: Interaction[]
  items: Map<string, ItemInfo>
}

export const DATASETS = ['movielens-100k', 'movielens-latest-small', 'online-retail', 'online-retail-repurchase', 'otto'] as const
export type DatasetName = (typeof DATASETS)[number]

/**
 * Training confidence per event kind: the profiles' default affinity weights (docs/profiles.md), the same
 * numbers training uses unless ATTUNE_AFFINITY_WEIGHTS changes them; a rating counts once.
 */
export const KIND_WEIGHTS: Readonly<Record<string, number>> = {
  product_viewed: DEFAULT_WEIGHTS.view,
  product_clicked: DEFAULT_WEIGHTS.click,
  product_added: DEFAULT_WEIGHTS.cart,
  order_completed: DEFAULT_WEIGHTS.purchase,
  product_rated: 1,
}

function dataError(message: string): AttuneError {
  return new AttuneError('invalid_field', message, '--data')
}

/** `--data` may name the file itself or the folder holding it. */
export function resolveDataFile(data: string, fileName: string): string {
  let stat: fs.Stats
  try {
    stat = fs.statSync(data)
  } catch (error) {
    throw dataError(`cannot read ${data}: ${(error as Error).message}`)
  }
  const file = stat.isDirectory() ? path.join(data, fileName) : data
  if (!fs.existsSync(file)) throw dataError(`${data} holds no ${fileName}`)
  return file
}

function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r')
  try {
    const magic = Buffer.alloc(2)
    return fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b
  } finally {
    fs.closeSync(fd)
  }
}

function openText(file: string): NodeJS.ReadableStream & { destroy(): void; setEncoding(e: BufferEncoding): unknown } {
  const raw = fs.createReadStream(file, { highWaterMark: 256 * 1024 })
  if (!isGzip(file)) return raw
  const gunzip = createGunzip()
  raw.on('error', (error) => gunzip.destroy(error))
  return raw.pipe(gunzip)
}

interface CsvOptions {
  delimiter?: string
  quote?: boolean
  encoding?: BufferEncoding
  /** Skip the first line (a header). */
  header?: boolean
}

/** Records of a delimited text file as arrays of cells. */
export async function* csvRecords(file: string, options: CsvOptions = {}): AsyncGenerator<string[]> {
  const input = openText(file)
  const parser = parse({
    delimiter: options.delimiter ?? ',',
    quote: options.quote === false ? false : '"',
    encoding: options.encoding ?? 'utf8',
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    from_line: options.header ? 2 : 1,
  })
  input.on('error', (error: Error) => parser.destroy(error))
  input.pipe(parser)
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield record
  } catch (error) {
    throw dataError(`cannot read ${file}: ${(error as Error).message}`)
  } finally {
    input.destroy()
  }
}

/** MovieLens 100K: u.data (user, item, rating, Unix seconds; tabs) and u.item's genre flags. */
export async function readMovielens100k(data: string): Promise<Dataset> {
  const file = resolveDataFile(data, 'u.data')
  const interactions: Interaction[] = []
  for await (const r of csvRecords(file, { delimiter: '\t', quote: false })) {
    if (r.length < 4) continue
    interactions.push({ user: r[0]!, item: r[1]!, rating: Number(r[2]), time: Number(r[3]) * 1000, kind: 'product_rated' })
  }
  const items = new Map<string, ItemInfo>()
  const itemFile = path.join(path.dirname(file), 'u.item')
  if (fs.existsSync(itemFile)) {
    const genres = ml100kGenres(path.join(path.dirname(file), 'u.genre'))
    for await (const r of csvRecords(itemFile, { delimiter: '|', quote: false, encoding: 'latin1' })) {
      const categories = genres.filter((g, i) => r[5 + i] === '1' && g !== 'unknown')
      items.set(r[0]!, { title: r[1]!, categories })
    }
  }
  return { name: 'movielens-100k', interactions, items }
}

function ml100kGenres(file: string): string[] {
  const fallback = 'unknown|Action|Adventure|Animation|Children\'s|Comedy|Crime|Documentary|Drama|Fantasy|Film-Noir|Horror|Musical|Mystery|Romance|Sci-Fi|Thriller|War|Western'
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'latin1') : ''
  const pairs = text
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter((p) => p.length === 2 && /^\d+$/.test(p[1]!))
  return pairs.length > 0 ? pairs.sort((a, b) => Number(a[1]) - Number(b[1])).map((p) => p[0]!) : fallback.split('|')
}

/** MovieLens CSV releases (latest-small and larger): ratings.csv and movies.csv (pipe-separated genres). */
export async function readMovielensCsv(data: string): Promise<Dataset> {
  const file = resolveDataFile(data, 'ratings.csv')
  const interactions: Interaction[] = []
  for await (const r of csvRecords(file, { header: true })) {
    if (r.length < 4) continue
    interactions.push({ user: r[0]!, item: r[1]!, rating: Number(r[2]), time: Number(r[3]) * 1000, kind: 'product_rated' })
  }
  const items = new Map<string, ItemInfo>()
  const movies = path.join(path.dirname(file), 'movies.csv')
  if (fs.existsSync(movies)) {
    for await (const r of csvRecords(movies, { header: true })) {
      const categories = (r[2] ?? '').split('|').filter((g) => g !== '' && g !== '(no genres listed)')
      items.set(r[0]!, { title: r[1]!, categories })
    }
  }
  return { name: 'movielens-latest-small', interactions, items }
}

/**
 * UCI Online Retail, with the protocol's line filters: a customer, not a cancellation (`C` invoice),
 * quantity and price above 0, and a stock code starting with a digit (drops postage, discounts, fees).
 * InvoiceDate is the shop's clock without a zone; BASELINES.md reads it as UTC.
 */
export async function readOnlineRetail(data: string): Promise<Dataset> {
  const file = resolveDataFile(data, 'online_retail.csv.gz')
  const interactions: Interaction[] = []
  const items = new Map<string, ItemInfo>()
  let columns: Record<string, number> | null = null
  for await (const r of csvRecords(file)) {
    if (!columns) {
      columns = Object.fromEntries(r.map((name, i) => [name.trim(), i]))
      for (const need of ['InvoiceNo', 'StockCode', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID']) {
        if (columns[need] === undefined) throw dataError(`${file} has no column ${need}`)
      }
      continue
    }
    const cell = (name: string) => (r[columns![name]!] ?? '').trim()
    const customer = cell('CustomerID')
    const invoice = cell('InvoiceNo')
    const code = cell('StockCode')
    const quantity = Number(cell('Quantity'))
    const price = Number(cell('UnitPrice'))
    if (customer === '' || invoice.startsWith('C') || !(quantity > 0) || !(price > 0) || !/^[0-9]/.test(code)) continue
    const time = Date.parse(`${cell('InvoiceDate').replace(' ', 'T')}Z`)
    if (Number.isNaN(time)) continue
    interactions.push({ user: customer, item: code, time, kind: 'order_completed' })
    const description = columns.Description === undefined ? '' : cell('Description')
    items.set(code, { ...(description !== '' ? { title: description } : items.get(code)), price })
  }
  return { name: 'online-retail', interactions, items }
}

const OTTO_KINDS: Record<string, string> = { clicks: 'product_clicked', carts: 'product_added', orders: 'order_completed' }

/** OTTO sessions JSONL: `{"session", "events": [{"aid", "ts" (ms), "type"}]}`; a session is a person. */
export async function readOtto(data: string): Promise<Dataset> {
  // A folder holds the sessions as its (first) .jsonl file.
  const found = fs.existsSync(data) && fs.statSync(data).isDirectory() ? fs.readdirSync(data).filter((f) => /\.jsonl(\.gz)?$/.test(f)).sort() : []
  const file = resolveDataFile(data, found[0] ?? 'train.jsonl')
  const interactions: Interaction[] = []
  const input = openText(file)
  input.setEncoding('utf8')
  let rest = ''
  const take = (line: string) => {
    if (line.trim() === '') return
    const session = JSON.parse(line) as { session: number | string; events: { aid: number; ts: number; type: string }[] }
    for (const e of session.events) {
      const kind = OTTO_KINDS[e.type]
      if (kind) interactions.push({ user: String(session.session), item: String(e.aid), time: e.ts, kind })
    }
  }
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop() ?? ''
      lines.forEach(take)
    }
    take(rest)
  } catch (error) {
    throw dataError(`cannot read ${file}: ${(error as Error).message}`)
  }
  return { name: 'otto', interactions, items: new Map() }
}

/** The dataset named by `--dataset`, read from `--data`. */
export async function loadDataset(name: DatasetName, data: string): Promise<Dataset> {
  switch (name) {
    case 'movielens-100k':
      return readMovielens100k(data)
    case 'movielens-latest-small':
      return readMovielensCsv(data)
    case 'online-retail':
    case 'online-retail-repurchase':
      return { ...(await readOnlineRetail(data)), name }
    case 'otto':
      return readOtto(data)
  }
}
