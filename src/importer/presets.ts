/**
 * Dataset presets: the column maps and quirks of public datasets (MovieLens, UCI Online Retail,
 * OTTO) written down once, so each loads with one `--preset` flag and evaluations can be repeated
 * by anyone. A preset only fills in options; anything given on the command line wins.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { CatalogImportOptions } from './import-catalog.ts'
import type { EventImportOptions } from './import-events.ts'
import { usageError } from './import-options.ts'
import type { OrderImportOptions } from './import-orders.ts'

export type ImportCommand = 'catalog' | 'orders' | 'events'

export interface OptionsByCommand {
  catalog: CatalogImportOptions
  orders: OrderImportOptions
  events: EventImportOptions
}

interface Preset {
  description: string
  catalog?: (file: string) => CatalogImportOptions
  orders?: (file: string) => OrderImportOptions
  events?: (file: string) => EventImportOptions
}

const YEAR_IN_TITLE = /\((\d{4})\)\s*$/

/** MovieLens titles end in the release year: "Toy Story (1995)". */
function addYear(item: Record<string, unknown>): void {
  const year = typeof item.title === 'string' ? YEAR_IN_TITLE.exec(item.title)?.[1] : undefined
  if (year !== undefined) item.attributes = { ...(item.attributes as object | undefined), year: Number(year) }
}

/** u.genre's names in flag order; the copy beside u.item when there is one. */
const ML100K_GENRES = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
] // prettier-ignore

function ml100kGenres(itemFile: string): string[] {
  try {
    const text = fs.readFileSync(path.join(path.dirname(itemFile), 'u.genre'), 'latin1')
    const pairs = text
      .split('\n')
      .map((line) => line.trim().split('|'))
      .filter((p) => p.length === 2 && p[0] !== '' && /^\d+$/.test(p[1]!))
      .map(([name, index]) => [Number(index), name!] as const)
    if (pairs.length > 0) return pairs.sort((a, b) => a[0] - b[0]).map(([, name]) => name)
  } catch {
    // no u.genre beside the file: the published list
  }
  return ML100K_GENRES
}

export const PRESETS: Record<string, Preset> = {
  movielens: {
    description: 'MovieLens CSV releases (ml-latest-small, ml-25m...): ratings.csv for events, movies.csv for catalog',
    events: () => ({ format: 'csv', eventType: 'rating', map: { person: 'userId', item: 'movieId', value: 'rating', time: 'timestamp' } }),
    catalog: () => ({
      format: 'csv',
      map: { id: 'movieId', title: 'title', categories: 'genres' },
      listSeparator: '|',
      transform: (item) => {
        if (Array.isArray(item.categories)) item.categories = item.categories.filter((g) => g !== '(no genres listed)')
        addYear(item)
      },
    }),
  },
  'movielens-100k': {
    description: 'MovieLens 100K (ml-100k): u.data for events, u.item for catalog (genres from u.genre)',
    events: () => ({
      format: 'tsv',
      quote: false,
      columns: ['user', 'item', 'rating', 'timestamp'],
      eventType: 'rating',
      map: { person: 'user', item: 'item', value: 'rating', time: 'timestamp' },
    }),
    catalog: (file) => {
      const genres = ml100kGenres(file)
      const flags = genres.map((_, i) => `genre_${i}`)
      return {
        format: 'csv',
        delimiter: '|',
        quote: false,
        encoding: 'latin1',
        columns: ['movie_id', 'title', 'release_date', 'video_release_date', 'imdb_url', ...flags],
        map: { id: 'movie_id', title: 'title', url: 'imdb_url', 'attributes.releaseDate': 'release_date' },
        transform: (item, row) => {
          const categories = genres.filter((name, i) => row[flags[i]!] === '1' && name !== 'unknown')
          if (categories.length > 0) item.categories = categories
          addYear(item)
        },
      }
    },
  },
  'online-retail': {
    description: 'UCI Online Retail (online_retail.csv.gz): invoice lines for orders, prices in GBP',
    orders: () => ({
      format: 'csv',
      currency: 'GBP',
      refundPrefix: 'C',
      map: {
        order_id: 'InvoiceNo',
        product_id: 'StockCode',
        description: 'Description',
        quantity: 'Quantity',
        timestamp: 'InvoiceDate',
        unit_price: 'UnitPrice',
        customer_id: 'CustomerID',
        country: 'Country',
      },
    }),
  },
  otto: {
    description: 'OTTO sessions JSONL (train.jsonl): clicks, carts and orders as events',
    events: () => ({ format: 'jsonl', layout: 'otto' }),
  },
}

/**
 * The options for `command`: the preset's (when one is named), overridden by what the user gave.
 * `map` entries merge, the user's winning per field.
 */
export function withPreset<C extends ImportCommand>(command: C, preset: string | undefined, file: string, user: OptionsByCommand[C]): OptionsByCommand[C] {
  if (preset === undefined) return user
  const entry = PRESETS[preset]
  if (!entry) throw usageError(`--preset: unknown preset "${preset}"; presets: ${Object.keys(PRESETS).join(', ')}`, '--preset')
  const build = entry[command] as ((file: string) => OptionsByCommand[C]) | undefined
  if (!build) {
    const supported = (['catalog', 'orders', 'events'] as const).filter((c) => entry[c] !== undefined)
    throw usageError(`--preset ${preset} is for \`attune import ${supported.join('` and `attune import ')}\`, not \`${command}\``, '--preset')
  }
  const base = build(file)
  const given = Object.fromEntries(Object.entries(user).filter(([, v]) => v !== undefined))
  return { ...base, ...given, map: { ...base.map, ...user.map }, preset } as OptionsByCommand[C]
}
