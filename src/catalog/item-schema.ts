/**
 * The item as clients send it: a TypeBox schema (also used for OpenAPI) and a checker that names
 * the first bad field, plus category-path normalisation ("Shoes>Running " -> "Shoes > Running").
 */
import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import type { ItemInput } from '../core/index.ts'
import { describeDeepPath, isWellFormedText, MAX_NESTING, ok, reject, type StepResult, tooDeepAt } from '../core/index.ts'

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()])

export const ItemInputSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 255, description: 'Your product id (SKU or product code).' }),
    title: Type.Optional(Nullable(Type.String({ maxLength: 1000 }))),
    description: Type.Optional(Nullable(Type.String({ maxLength: 20000 }))),
    categories: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 500 }), {
        maxItems: 50,
        description: 'Category paths, most specific first, e.g. "Shoes > Running".',
      }),
    ),
    brand: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    price: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    currency: Type.Optional(Nullable(Type.String({ pattern: '^[A-Za-z]{3}$', description: 'ISO 4217 code.' }))),
    imageUrl: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    url: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
    available: Type.Optional(Type.Boolean({ description: 'False hides the item from recommendations. Default true.' })),
    inventory: Type.Optional(Nullable(Type.Integer({ minimum: 0, description: 'Units in stock; null when not tracked.' }))),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Free-form attributes.' })),
  },
  { additionalProperties: false },
)

export type ItemInputBody = Static<typeof ItemInputSchema>

const checker = Compile(ItemInputSchema)

/** Normalises a category path's separators and spacing; null when a segment is empty. */
export function normalizeCategoryPath(path: string): string | null {
  const parts = path.split('>').map((p) => p.trim().replace(/\s+/g, ' '))
  if (parts.some((p) => p === '')) return null
  return parts.join(' > ')
}

/** Checks one item body and returns it normalised, or the first problem with its field path. */
export function checkItem(raw: unknown): StepResult<ItemInput> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return reject('invalid_field', '', 'an item must be a JSON object')
  // Before the schema check and the store's serialising walk it recursively.
  const deep = tooDeepAt(raw)
  if (deep) return reject('invalid_field', deep[0]!, `${describeDeepPath(deep)} nests deeper than ${MAX_NESTING} levels (objects and arrays, the item being level 1)`)
  const malformed = malformedKeyText(raw as Record<string, unknown>)
  if (malformed) return reject('invalid_field', malformed, `${malformed} holds a lone UTF-16 surrogate (not valid Unicode text)`)
  if (!checker.Check(raw)) {
    const errors = [...checker.Errors(raw)]
    // Prefer the most specific error (deepest path), which names the offending field.
    const first = errors.sort((a, b) => b.instancePath.length - a.instancePath.length)[0]
    const field = first ? pointerToField(first.instancePath, first.params) : ''
    if (first?.keyword === 'required') return reject('missing_field', field, `${field} is required`)
    if (first?.keyword === 'boolean' || first?.keyword === 'additionalProperties') {
      return reject('invalid_field', field, `${field} is not an item field (see the Item schema in /openapi.json)`)
    }
    return reject('invalid_field', field, `${field || 'item'} ${first?.message ?? 'is invalid'}`)
  }
  const item = raw as ItemInputBody
  for (const field of ['url', 'imageUrl'] as const) {
    const problem = webUrlProblem(item[field])
    if (problem) return reject('invalid_field', field, `${field} ${problem}`)
  }
  const categories: string[] = []
  for (const [i, path] of (item.categories ?? []).entries()) {
    const normalized = normalizeCategoryPath(path)
    if (normalized === null) return reject('invalid_field', `categories[${i}]`, `categories[${i}] has an empty segment: "${path}"`)
    if (!categories.includes(normalized)) categories.push(normalized)
  }
  return ok({ ...item, categories, currency: item.currency?.toUpperCase() ?? null } as ItemInput)
}

/** The first field that items are looked up or filtered by (id, categories, brand, tags) holding a lone surrogate. */
function malformedKeyText(item: Record<string, unknown>): string | null {
  for (const key of ['id', 'brand'] as const) {
    const v = item[key]
    if (typeof v === 'string' && !isWellFormedText(v)) return key
  }
  for (const key of ['categories', 'tags'] as const) {
    const list = item[key]
    if (!Array.isArray(list)) continue
    const i = list.findIndex((v) => typeof v === 'string' && !isWellFormedText(v))
    if (i >= 0) return `${key}[${i}]`
  }
  return null
}

/**
 * Why a URL may not be kept, or null: only http(s) and relative URLs, since the SDK and shops put them in
 * links and images, where `javascript:` runs script and `data:` shows what the shop never sent. Parsed
 * the way browsers parse (leading spaces and tabs inside the scheme are dropped, so they cannot hide one).
 */
function webUrlProblem(url: string | null | undefined): string | null {
  if (url === undefined || url === null || url === '') return null
  let protocol: string
  try {
    protocol = new URL(url, 'http://relative.invalid/').protocol
  } catch {
    return 'is not a URL'
  }
  return protocol === 'http:' || protocol === 'https:' ? null : `must be an http(s) or relative URL, not ${protocol}`
}

/** "/tags/0" -> "tags[0]"; a missing or extra property is named from the error's params. */
function pointerToField(pointer: string, params: unknown): string {
  const p = params as { requiredProperties?: string[]; additionalProperties?: string[] }
  const extra = p.requiredProperties?.[0] ?? p.additionalProperties?.[0]
  const parts = pointer.split('/').filter(Boolean)
  if (extra) parts.push(extra)
  return parts.reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '')
}
