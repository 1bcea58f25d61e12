/**
 * Catalogue search (`GET /v1/items?q=`): an item is found by a prefix of its id, or when every word of
 * the query begins a word of its title or brand, ignoring case and accents. The words live in
 * `item_search_terms` (kind 'id' or 'word', term, item id), written with the item, so a search is a few
 * range scans of that table's primary key on SQLite and PostgreSQL (the term column is byte-ordered,
 * `collate "C"`, on PostgreSQL, so a range is exactly a prefix whatever the database's collation).
 */
import { type ExpressionBuilder, type Kysely, type SelectQueryBuilder, sql } from 'kysely'
import type { ItemQuery } from './store.ts'
import { type Database, decodeCursor } from './tables.ts'

export interface ItemSearchTermsTable {
  kind: 'id' | 'word'
  term: string
  item_id: string
}

/** A word longer than this is cut (a prefix of it still finds it). */
export const MAX_TERM_LENGTH = 64
/**
 * An id's folded term is cut to this many code points (folding can lengthen text: one compatibility
 * character may become many, and a B-tree entry has a size limit on PostgreSQL); a query is cut the same.
 */
export const MAX_ID_TERM_LENGTH = 200
/** Words kept per item (its title's first distinct words, then its brand's). */
export const MAX_WORDS_PER_ITEM = 100
/** Words of a query used (the rest are ignored). */
export const MAX_QUERY_WORDS = 8

/** Lower case without accents ("Café" → "cafe"), so either spelling finds the other. */
export function foldCase(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase()
}

/** The words of a text: runs of letters and digits, folded, cut to MAX_TERM_LENGTH. */
export function wordsOf(text: string | null | undefined): string[] {
  if (!text) return []
  return foldCase(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '')
    .map((w) => [...w].slice(0, MAX_TERM_LENGTH).join(''))
}

function idTerm(text: string): string {
  return [...foldCase(text)].slice(0, MAX_ID_TERM_LENGTH).join('')
}

/**
 * The rows of `item_search_terms` for one item. Migration 0011 filled the table with this function: a change to
 * how terms are built needs a new migration that fills it again, or older databases keep the old terms.
 */
export function searchTermsOf(item: { id: string; title?: string | null; brand?: string | null }): ItemSearchTermsTable[] {
  const words = [...new Set([...wordsOf(item.title), ...wordsOf(item.brand)])].slice(0, MAX_WORDS_PER_ITEM)
  return [{ kind: 'id', term: idTerm(item.id), item_id: item.id }, ...words.map((term) => ({ kind: 'word' as const, term, item_id: item.id }))]
}

/**
 * The smallest string above every string that starts with `prefix` (its last code point plus one), or
 * null when there is none. UTF-8 byte order is code point order, so `[prefix, upper)` is the prefix range.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = [...prefix]
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!
    let next = last + 1
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000 // no lone surrogates
    if (next <= 0x10ffff) return points.join('') + String.fromCodePoint(next)
  }
  return null
}

type Terms = SelectQueryBuilder<Database, 'item_search_terms', { item_id: string }>

function termsWithPrefix(db: Kysely<Database> | ExpressionBuilder<Database, 'items'>, kind: 'id' | 'word', prefix: string): Terms {
  let q = (db as Kysely<Database>).selectFrom('item_search_terms').select('item_search_terms.item_id').where('item_search_terms.kind', '=', kind).where('item_search_terms.term', '>=', prefix)
  const upper = prefixUpperBound(prefix)
  if (upper !== null) q = q.where('item_search_terms.term', '<', upper)
  return q
}

/**
 * The ids of the items a query finds (a subquery for `items.id in (...)`), or null when the query has
 * nothing to search by (only spaces).
 */
export function searchedItemIds(eb: ExpressionBuilder<Database, 'items'>, query: string): Terms | null {
  const whole = idTerm(query.trim())
  if (whole === '') return null
  const byId = termsWithPrefix(eb, 'id', whole)
  const words = [...new Set(wordsOf(query))].slice(0, MAX_QUERY_WORDS)
  if (words.length === 0) return byId
  // Every word must begin one of the item's words: each word's range narrows the previous ones' items.
  let byWords = termsWithPrefix(eb, 'word', words[0]!)
  for (const word of words.slice(1)) byWords = byWords.where('item_search_terms.item_id', 'in', termsWithPrefix(eb, 'word', word))
  return byId.union(byWords)
}

/**
 * The query of one page of `listItems` (one row more than the page, to know whether another follows):
 * by id after the cursor, with the category, search and stock filters.
 */
export function itemListQuery(db: Kysely<Database>, query: ItemQuery) {
  const after = query.cursor ? decodeCursor(query.cursor, ['string']) : null
  let q = db.selectFrom('items').selectAll('items')
  if (query.category !== undefined) {
    const category = query.category
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('item_categories')
          .select('item_categories.item_id')
          .whereRef('item_categories.item_id', '=', 'items.id')
          .where((w) =>
            w.or([
              w('item_categories.path', '=', category),
              // Descendants: "Shoes" also matches "Shoes > Running".
              w(sql<string>`substr(item_categories.path, 1, ${category.length + 3})`, '=', `${category} > `),
            ]),
          ),
      ),
    )
  }
  if (query.q !== undefined) {
    const search = query.q
    q = q.where((eb) => {
      const found = searchedItemIds(eb, search)
      return found === null ? sql<boolean>`1 = 1` : eb('items.id', 'in', found)
    })
  }
  if (query.inStock !== undefined) {
    // The recommender's "in stock": available, and inventory not tracked or above zero.
    q = query.inStock
      ? q.where('items.available', '=', 1).where((eb) => eb.or([eb('items.inventory', 'is', null), eb('items.inventory', '>', 0)]))
      : q.where((eb) => eb.or([eb('items.available', '=', 0), eb('items.inventory', '=', 0)]))
  }
  if (after) q = q.where('items.id', '>', after[0] as string)
  return q.orderBy('items.id').limit(query.limit + 1)
}
